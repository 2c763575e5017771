import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import type { ExitInfo, ManagedProcess, ProcessState } from "../src/index.js";
import { killStarted, start } from "./_helpers.js";

afterEach(killStarted);

function ended(stream: Readable): Promise<void> {
  return new Promise((resolve) => {
    stream.once("end", resolve);
    stream.resume();
  });
}

async function expectFailed(managed: ManagedProcess, code: string): Promise<ExitInfo> {
  const states: ProcessState[] = [];
  const exits: ExitInfo[] = [];
  managed.on("state", (state) => states.push(state));
  managed.on("exit", (info) => exits.push(info));
  const info = await managed.exited;
  expect(info).toMatchObject({ pid: undefined, exitCode: null, signal: null, code: 127 });
  expect(info.error?.code).toBe(code);
  expect(info.error?.processName).toBe(managed.name);
  expect(info.error?.message).toContain(managed.name);
  expect(info.error?.hint).toEqual(expect.any(String));
  expect(states).toEqual(["failed"]);
  expect(exits).toEqual([info]);
  expect(managed.state).toBe("failed");
  expect(managed.pid).toBeUndefined();
  // Consumers attach to the pipes unconditionally; they must simply end.
  await Promise.all([ended(managed.stdout), ended(managed.stderr)]);
  expect(await managed.closed).toBe(info);
  await managed.groupGone;
  expect(managed.isGroupAlive()).toBe(false);
  expect(managed.signal("SIGTERM")).toBe(false);
  expect(await managed.stop()).toBe(info);
  expect(managed.snapshot()).toMatchObject({ state: "failed", pid: undefined, groupAlive: false });
  return info;
}

describe("processes that cannot start", () => {
  it("fails with SPAWN_CWD_NOT_FOUND, naming the directory, when the cwd is missing", async () => {
    const cwd = join(tmpdir(), "foreman-spawner-no-such-dir");
    const managed = start({ name: "web.1", command: "echo never", cwd });
    const info = await expectFailed(managed, "SPAWN_CWD_NOT_FOUND");
    expect(info.error?.message).toBe(
      `web.1: cannot start: working directory ${cwd} does not exist`,
    );
  });

  it("fails with SPAWN_CWD_NOT_DIRECTORY when the cwd is a file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spawner-file-"));
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "");
    await expectFailed(start({ command: "echo never", cwd: file }), "SPAWN_CWD_NOT_DIRECTORY");
  });

  it("fails with SPAWN_CWD_NOT_FOUND when the cwd vanished after an earlier spawn there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spawner-vanish-"));
    const first = start({ command: "exit 0", cwd: dir });
    await first.exited;
    rmSync(dir, { recursive: true });
    await expectFailed(start({ command: "exit 0", cwd: dir }), "SPAWN_CWD_NOT_FOUND");
  });

  it("fails with SPAWN_SHELL_NOT_FOUND when the shell is missing", async () => {
    const managed = start({ name: "web.1", command: "echo never", shell: "/nonexistent/sh" });
    const info = await expectFailed(managed, "SPAWN_SHELL_NOT_FOUND");
    expect(info.error?.message).toBe("web.1: cannot start: shell /nonexistent/sh not found");
  });

  it("fails with SPAWN_INVALID_SPEC for a command containing a NUL byte", async () => {
    await expectFailed(start({ command: "echo a\0b" }), "SPAWN_INVALID_SPEC");
  });
});
