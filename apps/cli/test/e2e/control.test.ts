import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  realpathSync,
  statSync,
} from "node:fs";
import { join } from "node:path";
import { controlSocketPath } from "@foreman/control";
import { describe, expect, it } from "vitest";
import {
  CLI,
  cleanEnv,
  fixtureArg,
  isAlive,
  nodeArg,
  pidsFrom,
  runCli,
  runCliBytes,
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

/** Where `foreman start` in `cwd` listens, computed as the CLI does. */
const socketOf = (cwd: string) =>
  controlSocketPath(realpathSync(join(cwd, "Procfile")), { env: cleanEnv() });

/** A running app with web (2 instances, ready when it logs "up") and a worker that depends on it. */
async function startApp(extra: string[] = []) {
  const cwd = project({
    Procfile: `web: ${service()}\nworker: ${service()}\n`,
    ".foreman": "processes:\n  web: { ready: { log: '^up ' } }\n  worker: { depends_on: [web] }\n",
  });
  const running = startCli(["start", "--no-timestamp", "-m", "web=2", ...extra], { cwd });
  await running.waitFor(/worker\.1 +\| up worker\.1/);
  return { cwd, running };
}

/** Polls for a state the system reaches on its own (a file removed by another process). */
async function waitUntil(what: string, predicate: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const HAS_PROC = existsSync("/proc/self/stat");

/** The pid of the watchdog `foreman start` (pid `foreman`) spawned: its child named foreman-watchdog. */
function watchdogOf(foreman: number): number {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (ppid === foreman && argv.includes("foreman-watchdog")) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`foreman (pid ${foreman}) has no watchdog`);
}

/**
 * The hard link beside the socket that keeps its inode number from being reused while the watchdog
 * waits (see @foreman/signal-coordinator); the socket is the watchdog's first file.
 */
const pinOf = (socket: string, watchdog: number) => `${socket}.foreman-watchdog-${watchdog}-1`;

/** Splits output into its lines, as bytes, without their `\n`. */
function byteLines(output: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = output.indexOf(10); nl !== -1; nl = output.indexOf(10, start)) {
    lines.push(output.subarray(start, nl));
    start = nl + 1;
  }
  if (start < output.length) lines.push(output.subarray(start));
  return lines;
}

/** A one-process app (in `cwd`, a new project by default), up, with its socket and watchdog. */
async function startWatched(cwd = project({ Procfile: `web: ${service()}\n` })) {
  const running = startCli(["start", "--no-timestamp"], { cwd });
  await running.waitFor(/web\.1 +\| up/);
  const { path } = socketOf(cwd);
  return { cwd, running, path, watchdog: watchdogOf(running.child.pid as number) };
}

async function quit(cwd: string, running: ReturnType<typeof startCli>): Promise<void> {
  const result = await runCli(["quit"], { cwd });
  expect(result.exitCode).toBe(0);
  expect((await running.exited).code).toBe(0);
}

describe("foreman ps / status", () => {
  it("lists every process with pid, state, uptime, restarts, port and readiness", async () => {
    const { cwd, running } = await startApp(["-p", "7300"]);
    const ps = await runCli(["ps"], { cwd });
    expect(ps.exitCode).toBe(0);
    const lines = ps.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME +PID +STATE +UPTIME +RESTARTS +PORT +READY$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^web\.1 +\d+ +running +\d+s +0 +7300 +yes$/),
      expect.stringMatching(/^web\.2 +\d+ +running +\d+s +0 +7301 +yes$/),
      expect.stringMatching(/^worker\.1 +\d+ +running +\d+s +0 +7400 +yes$/),
    ]);
    const status = JSON.parse((await runCli(["status", "--json"], { cwd })).stdout);
    expect(status.procfile).toBe(join(cwd, "Procfile"));
    expect(status.processes.map((p: { name: string; pid: number }) => [p.name, p.pid])).toEqual(
      ["web.1", "web.2", "worker.1"].map((name) => [
        name,
        Number(
          new RegExp(`${name.replace(".", "\\.")} +\\| started with pid (\\d+)`).exec(
            running.stdout,
          )?.[1],
        ),
      ]),
    );
    await quit(cwd, running);
  });
});

describe("foreman restart and stop", () => {
  it("restarts web.1 then web.2, each once the one before is ready again", async () => {
    const { cwd, running } = await startApp();
    const before = pidsFrom(running.stdout);
    const result = await runCli(["restart", "web"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^web\.1 restarted and ready \(pid \d+\)\nweb\.2 restarted and ready \(pid \d+\)\n$/,
    );
    const out = running.stdout.split("\n");
    const at = (pattern: RegExp, from = 0) => out.findIndex((l, i) => i >= from && pattern.test(l));
    const web1Stop = at(/web\.1 +\| stopping on request/);
    const web1Ready = at(/web\.1 +\| is ready/, web1Stop);
    const web2Stop = at(/web\.2 +\| stopping on request/);
    expect(web1Stop).toBeGreaterThan(-1);
    expect(web1Ready).toBeGreaterThan(web1Stop);
    expect(web2Stop).toBeGreaterThan(web1Ready);
    // The old processes are gone, the worker was left alone, nothing stopped foreman.
    expect(await waitUntilGone(before.slice(0, 2))).toEqual([]);
    expect(isAlive(before[2] as number)).toBe(true);
    const ps = JSON.parse((await runCli(["ps", "--json"], { cwd })).stdout).processes;
    expect(ps.map((p: { restarts: number }) => p.restarts)).toEqual([1, 1, 0]);
    await quit(cwd, running);
  });

  it("stop stops a process and first what depends on it; restart starts them again", async () => {
    const { cwd, running } = await startApp();
    const stop = await runCli(["stop", "web.2"], { cwd });
    expect(stop.exitCode).toBe(0);
    expect(stop.stdout).toBe("worker.1 stopped (it depends on web)\nweb.2 stopped\n");
    const ps = JSON.parse((await runCli(["ps", "--json"], { cwd })).stdout).processes;
    expect(ps.map((p: { state: string }) => p.state)).toEqual(["running", "stopped", "stopped"]);
    // A stop on request is not an exit: foreman keeps running.
    expect(running.child.exitCode).toBeNull();
    const restart = await runCli(["restart", "worker"], { cwd });
    expect(restart.stdout).toMatch(/^worker\.1 started and ready/);
    expect(restart.stderr).toMatch(/web\.2: starting it first: worker\.1 depends on it/);
    const after = JSON.parse((await runCli(["ps", "--json"], { cwd })).stdout).processes;
    expect(after.map((p: { state: string }) => p.state)).toEqual(["running", "running", "running"]);
    await quit(cwd, running);
  });

  it("says which name matched nothing", async () => {
    const { cwd, running } = await startApp();
    const result = await runCli(["restart", "db"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      'foreman: no process matches "db"; the processes are: web.1, web.2, worker.1\n',
    );
    await quit(cwd, running);
  });
});

describe("foreman scale", () => {
  it("starts and stops instances live, with ports by the usual rule", async () => {
    const { cwd, running } = await startApp(["-p", "7500"]);
    const up = await runCli(["scale", "web=3"], { cwd });
    expect(up.exitCode).toBe(0);
    expect(up.stdout).toBe("web.3 started and ready on port 7502\n");
    await running.waitFor(/web\.3 +\| up web\.3/);
    const down = await runCli(["scale", "web=1", "worker=0"], { cwd });
    expect(down.stdout).toBe(
      "worker.1 stopped and removed\nweb.3 stopped and removed\nweb.2 stopped and removed\n",
    );
    const ps = JSON.parse((await runCli(["ps", "--json"], { cwd })).stdout).processes;
    expect(ps.map((p: { name: string }) => p.name)).toEqual(["web.1"]);
    const bad = await runCli(["scale", "web=lots"], { cwd });
    expect(bad.exitCode).toBe(2);
    const unknown = await runCli(["scale", "db=1"], { cwd });
    expect(unknown.stderr).toMatch(
      /^foreman: no process type "db" in the Procfile; the types are: web, worker/,
    );
    await quit(cwd, running);
  });
});

describe("foreman logs", () => {
  it("prints the recent output, for some processes or all, and -n limits it", async () => {
    const { cwd, running } = await startApp();
    const all = await runCli(["logs"], { cwd });
    // As this instance prints them: started with --no-timestamp, so no clock.
    expect(all.stdout).toMatch(/^web\.1 +\| started with pid \d+$/m);
    expect(all.stdout).toMatch(/^worker\.1 +\| up worker\.1 pid=\d+$/m);
    const worker = await runCli(["logs", "worker"], { cwd });
    expect(worker.stdout).not.toMatch(/web\./);
    expect(worker.stdout).toMatch(/worker\.1 +\| up worker\.1/);
    const last = await runCli(["logs", "web.*", "-n", "1"], { cwd });
    expect(last.stdout.trimEnd().split("\n")).toHaveLength(1);
    await quit(cwd, running);
  });

  it("prints lines as the instance does: with its clock, or bare after start --raw", async () => {
    const cwd = project({ Procfile: `web: ${service()}\n` });
    const timed = startCli(["start"], { cwd });
    await timed.waitFor(/web\.1 +\| up web\.1/);
    const withClock = await runCli(["logs", "-n", "1"], { cwd });
    expect(withClock.stdout).toMatch(/^\d\d:\d\d:\d\d web\.1 +\| up web\.1 pid=\d+\n$/);
    await quit(cwd, timed);

    const raw = startCli(["start", "--raw"], { cwd });
    await raw.waitFor(/^up web\.1/m);
    const bare = await runCli(["logs", "-n", "1"], { cwd });
    expect(bare.stdout).toMatch(/^up web\.1 pid=\d+\n$/);
    await quit(cwd, raw);
  });

  it("-F follows new lines until the instance stops", async () => {
    const { cwd, running } = await startApp();
    const follower = startCli(["logs", "-F", "-n", "1", "web.1"], { cwd });
    // The last line comes once the follower is subscribed; everything after it is new.
    await follower.waitFor(/web\.1 +\| /);
    const restart = await runCli(["restart", "web.1"], { cwd });
    expect(restart.exitCode).toBe(0);
    await follower.waitFor(/web\.1 +\| stopping on request \(SIGTERM\)/);
    await follower.waitFor(/web\.1 +\| is ready: its output matches/);
    expect(follower.stdout).not.toMatch(/web\.2|worker/);
    await quit(cwd, running);
    expect((await follower.exited).code).toBe(0);
  });
});

describe("foreman logs, byte for byte", () => {
  // What test/fixtures/bytes.cjs prints before " first" / " again": invalid UTF-8 (ff fe, and c3
  // not followed by a continuation byte), a colour escape, a carriage return and a NUL.
  const BYTES = Buffer.concat([
    Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from("\x1b[31mred\x1b[0m 50%\r100%\x00"),
  ]);
  const lineOf = (tag: string) => Buffer.concat([BYTES, Buffer.from(` ${tag}`)]);
  const CLOCK = /^\d\d:\d\d:\d\d $/;

  async function startBytes() {
    // bytes is the second type, so its colour is the second one (yellow), as start shows it.
    const cwd = project({
      Procfile: `web: ${service()}\nbytes: ${node} ${fixture("bytes.cjs")}\n`,
    });
    const running = startCli(["start"], { cwd, env: cleanEnv({ FORCE_COLOR: "1" }) });
    await running.waitFor(/ first\n/);
    await running.waitFor(/web\.1 .*\| .*up web\.1/);
    return { cwd, running };
  }

  it("tail: the line's own bytes after start's prefix, coloured as start colours it", async () => {
    const { cwd, running } = await startBytes();
    const plain = await runCliBytes(["logs", "bytes"], { cwd });
    expect(plain.exitCode).toBe(0);
    const lines = byteLines(plain.stdout);
    expect(lines.map((l) => l.subarray(9).toString())).toEqual([
      expect.stringMatching(/^bytes\.1 \| started with pid \d+$/),
      expect.any(String),
    ]);
    const [, line] = lines as [Buffer, Buffer];
    expect(line.subarray(0, 9).toString()).toMatch(CLOCK);
    expect(line.subarray(9)).toEqual(Buffer.concat([Buffer.from("bytes.1 | "), lineOf("first")]));

    // FORCE_COLOR: the prefix in bytes.1's colour, reset before the line; the same line start printed.
    const colored = await runCliBytes(["logs", "bytes", "-n", "1"], {
      cwd,
      env: cleanEnv({ FORCE_COLOR: "1" }),
    });
    const expected = Buffer.concat([
      Buffer.from("\x1b[33mHH:MM:SS bytes.1 | \x1b[0m"),
      lineOf("first"),
      Buffer.from("\n"),
    ]);
    const masked = (text: string) => text.replace(/\d\d:\d\d:\d\d/g, "HH:MM:SS");
    expect(Buffer.from(masked(colored.stdout.toString("latin1")), "latin1")).toEqual(expected);
    const startLine = running.stdout.split("\n").find((l) => l.endsWith(" first"));
    expect(`${masked(startLine ?? "")}\n`).toBe(expected.toString());
    await quit(cwd, running);
  });

  it("-F: each new line's bytes as they come", async () => {
    const { cwd, running } = await startBytes();
    const follower = spawn(process.execPath, [CLI, "logs", "-F", "-n", "1", "bytes"], {
      cwd,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const chunks: Buffer[] = [];
      const exited = new Promise<number | null>((resolve) => follower.on("close", resolve));
      const seen = (tag: string) =>
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (Buffer.concat(chunks).includes(Buffer.from(` ${tag}\n`))) resolve();
          };
          follower.stdout.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            check();
          });
          follower.on("close", () => reject(new Error(`follower ended before "${tag}"`)));
          check();
        });
      // The last line comes once the follower is subscribed; SIGUSR1 reaches bytes.1 through
      // foreman, which prints the line again.
      await seen("first");
      running.child.kill("SIGUSR1");
      await seen("again");
      await quit(cwd, running);
      expect(await exited).toBe(0);
      const [first, again] = byteLines(Buffer.concat(chunks)) as [Buffer, Buffer];
      for (const [line, tag] of [
        [first, "first"],
        [again, "again"],
      ] as const) {
        expect(line.subarray(0, 9).toString()).toMatch(CLOCK);
        expect(line.subarray(9)).toEqual(Buffer.concat([Buffer.from("bytes.1 | "), lineOf(tag)]));
      }
    } finally {
      follower.kill();
    }
  });
});

describe("foreman quit", () => {
  it("stops the instance as Ctrl-C does and returns once it has stopped", async () => {
    const { cwd, running } = await startApp();
    const pids = pidsFrom(running.stdout);
    const watchdog = watchdogOf(running.child.pid as number);
    const { path } = socketOf(cwd);
    expect(existsSync(pinOf(path, watchdog))).toBe(true);
    const result = await runCli(["quit"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^foreman \(pid \d+\) has stopped\n$/);
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/system +\| foreman quit: stopping every process/);
    expect(await waitUntilGone(pids)).toEqual([]);
    // A clean exit leaves nothing behind: no socket, no pin on its inode, no watchdog.
    expect(existsSync(path)).toBe(false);
    expect(existsSync(pinOf(path, watchdog))).toBe(false);
    await waitUntil("the watchdog to exit", () => !isAlive(watchdog));
  });
});

describe("no instance running", () => {
  it.each([
    ["ps"],
    ["status"],
    ["restart", "web"],
    ["stop", "web"],
    ["scale", "web=2"],
    ["logs"],
    ["quit"],
  ])("foreman %s says so in one line and exits 1", async (...args) => {
    const cwd = project({ Procfile: `web: ${service()}\n` });
    const result = await runCli(args, { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "foreman: no foreman is running for Procfile; start it with `foreman start` (from the same directory, or with the same -f)\n",
    );
  });
});

describe("the control socket", () => {
  it("is 0600 in a 0700 directory, found from another directory with -f", async () => {
    const { cwd, running } = await startApp();
    const { path, directory } = socketOf(cwd);
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(directory).mode & 0o777).toBe(0o700);
    expect(statSync(directory).uid).toBe(process.getuid?.());
    const elsewhere = project({});
    const ps = await runCli(["ps", "-f", join(cwd, "Procfile")], { cwd: elsewhere });
    expect(ps.exitCode).toBe(0);
    await quit(cwd, running);
  });

  it("refuses a second foreman start for the same Procfile, before starting anything", async () => {
    const { cwd, running } = await startApp();
    const second = await runCli(["start"], { cwd });
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toBe("");
    expect(second.stderr).toBe(
      "foreman: foreman is already running for Procfile; see it with `foreman ps`, stop it with `foreman quit`\n",
    );
    // The first one is untouched.
    expect((await runCli(["ps"], { cwd })).exitCode).toBe(0);
    await quit(cwd, running);
  });

  it.runIf(HAS_PROC)(
    "is removed by the watchdog when foreman is SIGKILLed; ps then says nothing runs",
    async () => {
      const { cwd, running, path, watchdog } = await startWatched();
      expect(lstatSync(path).isSocket()).toBe(true);
      expect((await runCli(["ps"], { cwd })).exitCode).toBe(0);
      running.child.kill("SIGKILL");
      expect(await running.exited).toEqual({ code: null, signal: "SIGKILL" });
      await waitUntil("the socket file to be removed", () => !existsSync(path));
      const ps = await runCli(["ps"], { cwd });
      expect(ps.exitCode).toBe(1);
      expect(ps.stderr).toMatch(/^foreman: no foreman is running for Procfile; /);
      expect(await waitUntilGone(pidsFrom(running.stdout), 6000)).toEqual([]);
      await waitUntil("the watchdog to exit", () => !isAlive(watchdog));
      // Nothing else left behind: the watchdog's pin on the socket's inode went with it.
      expect(existsSync(pinOf(path, watchdog))).toBe(false);
    },
  );

  it.runIf(HAS_PROC)(
    "with its watchdog killed too, leaves its pin; the next start removes it",
    async () => {
      const { cwd, running: first, path, watchdog } = await startWatched();
      const pin = pinOf(path, watchdog);
      expect(existsSync(pin)).toBe(true);
      // Nothing is left to clean up after them: the web process is this test's to stop.
      const orphans = pidsFrom(first.stdout);
      process.kill(watchdog, "SIGKILL");
      first.child.kill("SIGKILL");
      await first.exited;
      for (const pid of orphans) process.kill(-pid, "SIGKILL");
      expect(await waitUntilGone(orphans)).toEqual([]);
      expect(existsSync(pin)).toBe(true);
      const second = await startWatched(cwd);
      await waitUntil("the stale pin to be removed", () => !existsSync(pin));
      // The new instance's own pin stays while it runs.
      expect(existsSync(pinOf(path, second.watchdog))).toBe(true);
      await quit(cwd, second.running);
    },
  );

  it.runIf(HAS_PROC)(
    "left behind (watchdog held back) is replaced, and the late watchdog spares the new one",
    async () => {
      const { cwd, running: first, path, watchdog } = await startWatched();
      const firstInode = lstatSync(path).ino;
      // Held back, the watchdog cannot clean up: the socket stays, as after a kill -9 of both.
      // What foreman told it waits in the pipe; foreman pinned the socket's inode before that.
      expect(existsSync(pinOf(path, watchdog))).toBe(true);
      process.kill(watchdog, "SIGSTOP");
      try {
        first.child.kill("SIGKILL");
        await first.exited;
        expect(lstatSync(path).isSocket()).toBe(true);
        expect((await runCli(["ps"], { cwd })).stderr).toMatch(/^foreman: no foreman is running/);
        const second = startCli(["start", "--no-timestamp"], { cwd });
        await second.waitFor(/web\.1 +\| up/);
        const secondInode = lstatSync(path).ino;
        expect(secondInode).not.toBe(firstInode);
        // Now the first watchdog sees its EOF: it stops the first web.1, and leaves this socket.
        process.kill(watchdog, "SIGCONT");
        await waitUntil("the first watchdog to exit", () => !isAlive(watchdog));
        expect(await waitUntilGone(pidsFrom(first.stdout), 6000)).toEqual([]);
        expect(lstatSync(path).ino).toBe(secondInode);
        expect(existsSync(pinOf(path, watchdog))).toBe(false);
        expect((await runCli(["ps"], { cwd })).stdout).toMatch(/^web\.1 +\d+ +running/m);
        await quit(cwd, second);
      } finally {
        if (isAlive(watchdog)) process.kill(watchdog, "SIGCONT");
      }
    },
  );

  it("runs the app anyway, with a warning, when the socket cannot be made", async () => {
    const cwd = project({ Procfile: `web: ${service()}\n` });
    const env = cleanEnv({ XDG_RUNTIME_DIR: join(cwd, "no", "such", "dir") });
    const running = startCli(["start", "--no-timestamp"], { cwd, env });
    await running.waitFor(/web\.1 +\| up/);
    expect(running.stderr).toMatch(
      /^foreman: warning: cannot create the control directory .*; foreman ps, restart, stop, scale, logs and quit will not reach this instance; /,
    );
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });

  const canSwitchUser = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
  it.skipIf(!canSwitchUser)("refuses a peer with another uid (setpriv)", async () => {
    // A temp dir others may enter, so that only foreman's own 0700 directory can stop them.
    const tmp = project({});
    chmodSync(tmp, 0o755);
    const env = cleanEnv({ XDG_RUNTIME_DIR: undefined, TMPDIR: tmp });
    const cwd = project({ Procfile: `web: ${service()}\n` });
    const running = startCli(["start", "--no-timestamp"], { cwd, env });
    await running.waitFor(/web\.1 +\| up/);
    const { path, directory } = controlSocketPath(realpathSync(join(cwd, "Procfile")), {
      env,
      tmpdir: tmp,
    });
    expect(directory).toBe(join(tmp, `foreman-${process.getuid?.()}`));
    const script = `
      const socket = require("node:net").createConnection(process.argv[1]);
      socket.on("connect", () => { console.log("connected"); process.exit(0); });
      socket.on("error", (e) => { console.log(e.code); process.exit(0); });`;
    const result = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, "-e", script, path],
      { encoding: "utf8", timeout: 10_000 },
    );
    expect(result.stdout.trim()).toBe("EACCES");
    expect((await runCli(["quit"], { cwd, env })).exitCode).toBe(0);
    expect((await running.exited).code).toBe(0);
  });
});
