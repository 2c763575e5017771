// Guarantee 6: signals are exact. One Ctrl-C delivered twice (terminal and parent) is one; the
// exit codes of the README's table hold; `foreman run` is transparent.
import { describe, expect, it } from "vitest";
import {
  aliveAfter,
  cleanEnv,
  fixture,
  NODE,
  newTag,
  projects,
  runForeman,
  startForeman,
  tagEnv,
  taggedProcesses,
} from "./_helpers.js";

const project = projects();

describe("duplicate deliveries count as one", () => {
  it.each([
    { title: "two SIGINTs", signals: ["SIGINT", "SIGINT"] as const },
    // Two different signals are never merged by the kernel, so both surely arrive.
    { title: "SIGINT then SIGTERM", signals: ["SIGINT", "SIGTERM"] as const },
  ])("$title back to back: a graceful stop, SIGKILL only from the timeout", async ({ signals }) => {
    const cwd = project({ Procfile: `stubborn: ${NODE} ${fixture("wait.cjs")}\n` });
    const foreman = startForeman(["start", "--no-timestamp", "-t", "3"], {
      cwd,
      env: cleanEnv({ IGNORE_TERM: "1" }),
    });
    await foreman.waitFor(/stubborn\.1 +\| ready/);
    for (const signal of signals) foreman.child.kill(signal);
    const exit = await foreman.exited;
    const log = foreman.text();
    expect(exit.code, log).toBe(0);
    expect(log).toMatch(/stubborn\.1 +\| ignoring SIGTERM/);
    // The escalation timer's line, not the "second Ctrl-C" one.
    expect(log).toMatch(/^system +\| sending SIGKILL to all processes$/m);
    expect(log).not.toMatch(/received (again|during shutdown)/);
    expect(log).toMatch(/stubborn\.1 +\| terminated by SIGKILL/);
  });
});

describe("exit codes", () => {
  it.each([1, 42, 255])(
    "a process exiting with %i: foreman exits with the same code",
    async (code) => {
      const cwd = project({
        Procfile: `web: ${NODE} ${fixture("wait.cjs")}\nfailing: ${NODE} ${fixture("exit-with.cjs")} ${code}\n`,
      });
      const result = await runForeman(["start", "--no-timestamp"], { cwd });
      expect(result.code, result.stdout.toString()).toBe(code);
    },
  );

  it("the first process to exit decides, not the ones stopped after it", async () => {
    // second exits 5 when stopped; first exits 3 on its own once second is ready.
    const cwd = project({
      Procfile: [
        "first: while [ ! -e second-ready ]; do sleep 0.02; done; exit 3",
        `second: ${NODE} ${fixture("term-exit.cjs")} 5 second-ready`,
        "",
      ].join("\n"),
    });
    const result = await runForeman(["start", "--no-timestamp"], { cwd });
    const stdout = result.stdout.toString();
    expect(result.code, stdout).toBe(3);
    expect(stdout).toMatch(/first\.1 +\| exited with code 3/);
    expect(stdout).toMatch(/second\.1 +\| exited with code 5/);
  });

  it("SIGHUP is a graceful stop: SIGTERM to every process, exit 0", async () => {
    const cwd = project({
      Procfile: `web: ${NODE} ${fixture("grandchild.cjs")}\nworker: ${NODE} ${fixture("wait.cjs")}\n`,
    });
    const tag = newTag();
    const foreman = startForeman(["start", "--no-timestamp"], { cwd, env: tagEnv(tag) });
    await foreman.waitFor(/web\.1 +\| ready/);
    await foreman.waitFor(/worker\.1 +\| ready/);
    foreman.child.kill("SIGHUP");
    expect((await foreman.exited).code).toBe(0);
    const log = foreman.text();
    expect(log).toMatch(/SIGHUP received, starting shutdown/);
    expect(log).toMatch(/worker\.1 +\| got SIGTERM/);
    expect(log).not.toMatch(/SIGKILL/);
    expect(await aliveAfter(taggedProcesses(tag), 2000)).toEqual([]);
  });
});

describe("foreman run is transparent", () => {
  const SLEEPER = `console.log('ready pid=' + process.pid); setInterval(() => {}, 1e9)`;

  it.each([
    { signal: "SIGTERM", code: 143 },
    { signal: "SIGHUP", code: 129 },
    { signal: "SIGINT", code: 130 },
    { signal: "SIGQUIT", code: 131 },
  ] as const)(
    "run stopped by $signal: its child is stopped too, and run exits $code",
    async ({ signal, code }) => {
      const cwd = project({});
      const run = startForeman(["run", process.execPath, "-e", SLEEPER], { cwd });
      const child = Number((await run.waitFor(/ready pid=(\d+)/))[1]);
      run.child.kill(signal);
      expect((await run.exited).code).toBe(code);
      expect(await aliveAfter([child], 2000)).toEqual([]);
    },
  );

  it("run passes on the child's own exit code when it handles the signal", async () => {
    const cwd = project({});
    const run = startForeman(
      ["run", process.execPath, "-e", `process.on('SIGTERM', () => process.exit(7)); ${SLEEPER}`],
      { cwd },
    );
    await run.waitFor(/ready pid=\d+/);
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(7);
  });

  it("run keeps stdin, stdout and stderr the child's own (no prefix, no buffering)", async () => {
    const cwd = project({});
    const result = await runForeman(
      ["run", "sh", "-c", "printf 'out-no-newline'; printf 'err\\n' >&2; exit 4"],
      { cwd },
    );
    expect(result.code).toBe(4);
    expect(result.stdout.toString()).toBe("out-no-newline");
    expect(result.stderr.toString()).toBe("err\n");
  });
});
