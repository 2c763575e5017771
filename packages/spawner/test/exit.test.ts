import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ExitInfo, ProcessState } from "../src/index.js";
import { collect, killStarted, nodeFixture, start } from "./_helpers.js";

afterEach(killStarted);

describe("exit codes", () => {
  it.each([
    { command: "exit 0", exitCode: 0, signal: null, code: 0 },
    { command: "exit 3", exitCode: 3, signal: null, code: 3 },
    { command: "kill -TERM $$", exitCode: null, signal: "SIGTERM", code: 143 },
    { command: "kill -KILL $$", exitCode: null, signal: "SIGKILL", code: 137 },
    { command: "kill -INT $$; sleep 1000", exitCode: null, signal: "SIGINT", code: 130 },
  ])("$command → code $code", async ({ command, exitCode, signal, code }) => {
    const managed = start({ name: "web.1", command });
    const info = await managed.exited;
    expect(info).toEqual({ name: "web.1", pid: managed.pid, exitCode, signal, code });
    expect(managed.state).toBe("exited");
  });

  it("reports a command that is not found as an ordinary exit 127, with the reason on stderr", async () => {
    const managed = start({ command: "nothere-foreman-test" });
    const stderr = collect(managed.stderr);
    managed.stdout.resume();
    const info = await managed.closed;
    expect(info).toMatchObject({ exitCode: 127, signal: null, code: 127 });
    expect(info.error).toBeUndefined();
    expect(managed.state).toBe("exited");
    expect(stderr.text()).toMatch(/nothere-foreman-test: .*not found/);
  });
});

describe("states, events and snapshot", () => {
  it("goes starting → running → exited, emitting state on each change and exit once", async () => {
    const managed = start({ name: "worker.2", command: "exit 3" });
    expect(managed.state).toBe("starting");
    const events: string[] = [];
    const exits: ExitInfo[] = [];
    managed.on("state", (state: ProcessState) => events.push(`state:${state}`));
    managed.on("exit", (info) => {
      events.push("exit");
      exits.push(info);
    });
    const info = await managed.exited;
    expect(events).toEqual(["state:running", "state:exited", "exit"]);
    expect(exits).toEqual([info]);
  });

  it("has a snapshot with every field, while running and after the exit", async () => {
    const managed = start({ name: "web.1", command: nodeFixture("on-signal.mjs") });
    const stdout = collect(managed.stdout);
    await stdout.waitFor(/ready/);
    const running = managed.snapshot();
    expect(running).toEqual({
      name: "web.1",
      pid: managed.pid,
      state: "running",
      startedAtMs: expect.any(Number),
      exitedAtMs: undefined,
      exitCode: null,
      signal: null,
      groupAlive: true,
    });
    expect(managed.pid).toBeGreaterThan(0);
    expect(managed.isGroupAlive()).toBe(true);

    await managed.stop();
    const after = managed.snapshot();
    expect(after).toEqual({
      ...running,
      state: "exited",
      exitedAtMs: expect.any(Number),
      signal: "SIGTERM",
      groupAlive: false,
    });
    expect(after.exitedAtMs).toBeGreaterThanOrEqual(after.startedAtMs ?? Number.NaN);
  });
});

describe("what the child is given", () => {
  it("passes exactly the given environment, dropping undefined values and inheriting nothing", async () => {
    process.env.FOREMAN_SPAWNER_TEST_LEAK = "must not be seen";
    try {
      const managed = start({
        command: nodeFixture("print-env.mjs"),
        env: { FOREMAN_A: "1", EMPTY: "", SPACED: "a b  c", DROPPED: undefined },
      });
      const stdout = collect(managed.stdout);
      managed.stderr.resume();
      expect(await managed.closed).toMatchObject({ code: 0 });
      const { env } = JSON.parse(stdout.text()) as { env: Record<string, string> };
      // dash exports PWD itself on startup; everything else must be exactly what we passed.
      const { PWD: _pwd, ...rest } = env;
      expect(rest).toEqual({ FOREMAN_A: "1", EMPTY: "", SPACED: "a b  c" });
    } finally {
      delete process.env.FOREMAN_SPAWNER_TEST_LEAK;
    }
  });

  it("runs in the given cwd", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spawner-cwd-"));
    const managed = start({ command: "pwd -P", cwd: dir });
    const stdout = collect(managed.stdout);
    managed.stderr.resume();
    await managed.closed;
    expect(stdout.text()).toBe(`${realpathSync(dir)}\n`);
  });

  it("keeps stdout and stderr apart", async () => {
    const managed = start({ command: "echo out-1; echo err-1 >&2; echo out-2; echo err-2 >&2" });
    const stdout = collect(managed.stdout);
    const stderr = collect(managed.stderr);
    await managed.closed;
    expect(stdout.text()).toBe("out-1\nout-2\n");
    expect(stderr.text()).toBe("err-1\nerr-2\n");
  });

  it("runs the command through the given shell", async () => {
    const managed = start({ command: 'echo "$0"', shell: "/bin/sh" });
    const stdout = collect(managed.stdout);
    managed.stderr.resume();
    await managed.closed;
    expect(stdout.text()).toBe("/bin/sh\n");
  });
});

describe("closed", () => {
  it("resolves only after every byte of a 1 MB burst has been read", async () => {
    const byteCount = 1024 * 1024;
    const managed = start({ command: `exec head -c ${byteCount} /dev/zero` });
    const stdout = collect(managed.stdout);
    managed.stderr.resume();
    const info = await managed.closed;
    expect(info.code).toBe(0);
    expect(stdout.byteCount()).toBe(byteCount);
  });

  it("resolves exited at the leader's exit but closed only when a grandchild lets go of stdout", async () => {
    // The grandchild ignores SIGTERM and inherits the pipe; the leader exits at once.
    const managed = start({
      command: "(trap '' TERM; exec sleep 1000) & echo \"grandchild $!\"",
    });
    const stdout = collect(managed.stdout);
    managed.stderr.resume();
    let closed = false;
    void managed.closed.then(() => {
      closed = true;
    });
    const info = await managed.exited;
    expect(info.code).toBe(0);
    const [, pid] = await stdout.waitFor(/grandchild (\d+)/);
    // The pipe is held by a live grandchild, so nothing can have closed it yet.
    expect(closed).toBe(false);
    expect(managed.isGroupAlive()).toBe(true);
    expect(process.kill(Number(pid), 0)).toBe(true);

    await managed.stop({ timeoutMs: 50 });
    expect(await managed.closed).toBe(info);
  });
});
