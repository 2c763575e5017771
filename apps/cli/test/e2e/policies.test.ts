import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanEnv,
  fixtureArg,
  nodeArg,
  pidsFrom,
  runCli,
  serviceCommand,
  useProjects,
  useStartCli,
  waitUntilGone,
} from "../helpers.js";

const node = nodeArg;
const fixture = fixtureArg;
const service = serviceCommand;
const project = useProjects();

const startCli = useStartCli();

/** A port nobody listens on right now, as the base for `-p`. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const recorded = (cwd: string): string[] =>
  readFileSync(join(cwd, "record"), "utf8").trimEnd().split("\n");

/** Index of the first line matching `pattern` in the output; -1 if none. */
const lineIndex = (output: string, pattern: RegExp): number =>
  output.split("\n").findIndex((line) => pattern.test(line));

describe("restart", () => {
  it("restarts on failure after 1 s, then 2 s, and gives up after max_restarts", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\nflaky: ${node} ${fixture("exit-with.cjs")} 3\n`,
      ".foreman": "processes:\n  flaky: { restart: on-failure, max_restarts: 2 }\n",
    });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    const seen: number[] = [];
    for (const pattern of [/flaky\.1 +\| exited with code 3/, /restarting in 1 s/]) {
      await running.waitFor(pattern);
    }
    seen.push(Date.now());
    await running.waitFor(/restarting in 2 s \(restart 2 of at most 2 within 5 min\)/);
    seen.push(Date.now());
    const { code } = await running.exited;
    expect(code).toBe(3);
    expect(running.stdout).toMatch(
      /flaky\.1 +\| restarting in 1 s \(restart 1 of at most 2 within 5 min\)/,
    );
    expect(running.stdout).toMatch(/flaky\.1 +\| restarted 2 times within 5 min; giving up/);
    expect(pidsFrom(running.stdout).length).toBe(4); // web once, flaky three times
    // The second failure cannot come before the first backoff has passed.
    expect((seen[1] as number) - (seen[0] as number)).toBeGreaterThanOrEqual(900);
    expect(running.stdout).toMatch(/web\.1 +\| got SIGTERM/);
  });

  it("keeps a process that recovers, and counts its restarts", async () => {
    const cwd = project({
      Procfile: `flaky: ${node} ${fixture("flaky.cjs")}\n`,
      ".foreman": "processes:\n  flaky: { restart: on-failure, restart_delay: 0.05 }\n",
    });
    const running = startCli(["start", "--no-timestamp"], {
      cwd,
      env: cleanEnv({ COUNTER: join(cwd, "counter"), FAILS: "2" }),
    });
    await running.waitFor(/flaky\.1 +\| steady/);
    const ps = await runCli(["ps", "--json"], { cwd });
    const processes = JSON.parse(ps.stdout).processes;
    expect(processes).toEqual([
      expect.objectContaining({ name: "flaky.1", state: "running", restarts: 2, ready: true }),
    ]);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/restarting in 50 ms \(restart 1 of/);
    expect(running.stdout).toMatch(/restarting in 100 ms \(restart 2 of/);
  });

  it("restart: always restarts a process that exits 0", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\nonce: ${node} ${fixture("exit-with.cjs")} 0\n`,
      ".foreman": "processes:\n  once: { restart: always, restart_delay: 0.05 }\n",
    });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    await running.waitFor(/once\.1 +\| restarting in 100 ms \(restart 2 of/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });
});

describe("oneshot and can_die", () => {
  it("a oneshot runs first; its zero exit stops nothing, and its dependents start after it", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\nrelease: ${node} ${fixture("exit-with.cjs")} 0\n`,
      ".foreman": "processes:\n  release: { oneshot: true }\n  web: { depends_on: release }\n",
    });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    await running.waitFor(/web\.1 +\| up web\.1/);
    expect(lineIndex(running.stdout, /release\.1 +\| exited with code 0/)).toBeLessThan(
      lineIndex(running.stdout, /web\.1 +\| started with pid/),
    );
    const ps = JSON.parse((await runCli(["ps", "--json"], { cwd })).stdout).processes;
    expect(ps).toEqual([
      expect.objectContaining({ name: "web.1", state: "running" }),
      expect.objectContaining({ name: "release.1", state: "exited", ready: true, lastExitCode: 0 }),
    ]);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });

  it("a oneshot that fails stops everything with its code; its dependents never start", async () => {
    const cwd = project({
      Procfile: `other: ${service()}\nrelease: ${node} ${fixture("exit-with.cjs")} 4\nweb: ${service()}\n`,
      ".foreman": "processes:\n  release: { oneshot: true }\n  web: { depends_on: [release] }\n",
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(4);
    expect(result.stdout).not.toMatch(/web\.1/);
  });

  it("can_die: a process may exit with any code while the others keep running", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\ncss: ${node} ${fixture("exit-with.cjs")} 3\n`,
      ".foreman": "processes:\n  css: { can_die: true }\n",
    });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    await running.waitFor(/web\.1 +\| up/);
    await running.waitFor(/css\.1 +\| can_die is set: the others keep running/);
    expect(running.stdout).not.toMatch(/sending SIGTERM/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/web\.1 +\| got SIGTERM/);
  });

  it("exits 0 once every process has finished on its own", async () => {
    const cwd = project({
      Procfile: `release: ${node} ${fixture("exit-with.cjs")} 0\ncss: ${node} ${fixture("exit-with.cjs")} 2\n`,
      ".foreman": "processes:\n  release: { oneshot: true }\n  css: { can_die: true }\n",
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/system +\| every process has finished/);
  });
});

describe("dependencies", () => {
  it("starts in dependency order, each after its dependency is ready, and stops in reverse", async () => {
    const port = await freePort();
    const cwd = project({
      Procfile: [
        `worker: ${service()}`,
        `web: ${service("http", "delay=200")}`,
        `db: ${service("listen", "delay=200")}`,
        "",
      ].join("\n"),
      ".foreman": [
        "processes:",
        "  worker: { depends_on: [web] }",
        "  web: { depends_on: [db], ready: { http: 'http://127.0.0.1:$PORT/health' } }",
        "",
      ].join("\n"),
    });
    const running = startCli(["start", "--no-timestamp", "-p", String(port - 100)], {
      cwd,
      env: cleanEnv({ RECORD: join(cwd, "record") }),
    });
    await running.waitFor(/worker\.1 +\| up worker\.1/);
    // db is waited for on its port by default: someone depends on it.
    expect(running.stdout).toMatch(/db\.1 +\| is ready: port \d+ accepts connections/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(recorded(cwd)).toEqual([
      "db.1 start",
      "db.1 up",
      "web.1 start",
      "web.1 up",
      "worker.1 start",
      "worker.1 up",
      "worker.1 SIGTERM",
      "web.1 SIGTERM",
      "db.1 SIGTERM",
    ]);
    expect(running.stdout).toMatch(/system +\| sending SIGTERM to worker\.1\n/);
    expect(await waitUntilGone(pidsFrom(running.stdout))).toEqual([]);
  });

  it.each([
    ["port", "listen", "ready: port", /is ready: port \d+ accepts connections/],
    ["log", "", "ready: { log: 'up a\\.1' }", /is ready: its output matches \/up a\\\.1\//],
    [
      "exec",
      "listen",
      'ready: { exec: \'test -n "$PORT" && test "$PS" = a.1\' }',
      /is ready: `.*` exits 0/,
    ],
    [
      "http",
      "http",
      "ready: { http: 'http://127.0.0.1:${PORT}/health' }",
      /is ready: http:\/\/127\.0\.0\.1:\d+\/health answers/,
    ],
  ])("ready: %s holds back a dependent until it passes", async (_kind, arg, ready, readyLine) => {
    const port = await freePort();
    const cwd = project({
      Procfile: `a: ${service(arg, "delay=100")}\nb: ${service()}\n`,
      ".foreman": `processes:\n  a: { ${ready} }\n  b: { depends_on: [a] }\n`,
    });
    const running = startCli(["start", "--no-timestamp", "-p", String(port)], { cwd });
    await running.waitFor(/b\.1 +\| up b\.1/);
    const ready_ = lineIndex(running.stdout, readyLine);
    expect(ready_).toBeGreaterThan(-1);
    expect(ready_).toBeLessThan(lineIndex(running.stdout, /b\.1 +\| started with pid/));
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });

  it("fails a process that is not ready within ready_timeout", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\n`,
      ".foreman": "processes:\n  web: { ready: { log: never-printed }, ready_timeout: 0.3 }\n",
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(
      /web\.1 +\| was not ready within 300 ms \(waited until its output matches \/never-printed\/\); stopping it/,
    );
  });
});

describe("stop_signal and stop_timeout", () => {
  it("stops each process with its own signal, and SIGKILLs it after its own timeout", async () => {
    const cwd = project({
      Procfile: `gentle: ${service()}\nstubborn: ${service("ignore-term")}\n`,
      ".foreman":
        "processes:\n  gentle: { stop_signal: SIGINT }\n  stubborn: { stop_timeout: 0.2 }\n",
    });
    const running = startCli(["start", "--no-timestamp", "-t", "60"], {
      cwd,
      env: cleanEnv({ RECORD: join(cwd, "record") }),
    });
    await running.waitFor(/gentle\.1 +\| up/);
    await running.waitFor(/stubborn\.1 +\| up/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/gentle\.1 +\| got SIGINT/);
    expect(running.stdout).toMatch(
      /sending SIGKILL to stubborn\.1 \(still running 0\.2 s after SIGTERM\)/,
    );
    expect(running.stdout).toMatch(/stubborn\.1 +\| terminated by SIGKILL/);
  });
});

describe("foreman check: the processes settings", () => {
  it("reports a dependency cycle, unknown names and keys and bad values with file:line and a hint", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\nworker: ${service()}\n`,
      ".foreman": [
        "timestamp: false",
        "processes:",
        "  web:",
        "    depends_on: [worker]",
        "  worker:",
        "    depends_on: web",
        "    restrat: always",
        "  wrker: { can_die: true }",
        "  web2: { ready: tcp }",
        "",
      ].join("\n"),
    });
    const result = await runCli(["check"], { cwd });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines).toContain(
      'foreman: unknown setting "restrat" for "worker", .foreman:7:5; did you mean "restart"? (the settings are: restart, max_restarts, restart_delay, restart_delay_max, oneshot, can_die, depends_on, ready, ready_timeout, stop_signal, stop_timeout)',
    );
    expect(lines).toContain(
      'foreman: settings for "wrker", which is not in the Procfile, .foreman:8:3; did you mean "worker"? (the processes are: web, worker)',
    );
    expect(lines).toContain(
      "foreman: dependency cycle: web → worker → web, .foreman:4:18; remove one of these depends_on entries; processes must start in some order",
    );
    expect(lines.some((l) => l.startsWith('foreman: settings for "web2"'))).toBe(true);
    // `start` refuses the same file before anything runs.
    const start = await runCli(["start"], { cwd });
    expect(start.exitCode).toBe(1);
    expect(start.stdout).toBe("");
    expect(start.stderr).toMatch(
      /^foreman: .*\.foreman:\d+:\d+.*\(and \d+ more: run `foreman check`\)/,
    );
  });

  it("lists the settings' problems in --json too, and accepts a valid file", async () => {
    const cwd = project({
      Procfile: `web: ${service()}\n`,
      ".foreman": "processes:\n  web: { restart: sometimes }\n",
    });
    const json = JSON.parse((await runCli(["check", "--json"], { cwd })).stdout);
    expect(json.diagnostics).toEqual([
      expect.objectContaining({ code: "POLICY_BAD_VALUE", line: 2, column: 19, process: "web" }),
    ]);
    const valid = project({
      Procfile: `web: ${service()}\n`,
      ".foreman": "processes:\n  web: { restart: on-failure, stop_signal: INT }\n",
    });
    const ok = await runCli(["check"], { cwd: valid });
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toBe("valid procfile detected (web)\n");
  });
});
