import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { diagnoseSpawnFailure } from "./_diagnose.js";

const existingCwd = mkdtempSync(join(tmpdir(), "spawner-diagnose-"));
const missingCwd = join(existingCwd, "missing");

function errno(code: string): Error {
  return Object.assign(new Error(`spawn /bin/sh ${code}`), { code });
}

describe("diagnoseSpawnFailure", () => {
  it.each([
    ["ENOENT", existingCwd, "SPAWN_SHELL_NOT_FOUND"],
    ["ENOENT", missingCwd, "SPAWN_CWD_NOT_FOUND"],
    ["ENOTDIR", existingCwd, "SPAWN_SHELL_NOT_FOUND"],
    ["EACCES", existingCwd, "SPAWN_SHELL_NOT_EXECUTABLE"],
    ["EACCES", missingCwd, "SPAWN_CWD_NOT_FOUND"],
    ["EAGAIN", existingCwd, "SPAWN_LIMIT"],
    ["EMFILE", existingCwd, "SPAWN_LIMIT"],
    ["ENFILE", existingCwd, "SPAWN_LIMIT"],
    ["ENOMEM", existingCwd, "SPAWN_LIMIT"],
    ["ERR_INVALID_ARG_VALUE", existingCwd, "SPAWN_INVALID_SPEC"],
    ["EIO", existingCwd, "SPAWN_FAILED"],
  ])("%s with cwd %s → %s", (code, cwd, expected) => {
    const cause = errno(code);
    const error = diagnoseSpawnFailure({ name: "web.1", shell: "/bin/sh", cwd }, cause);
    expect(error.code).toBe(expected);
    expect(error.processName).toBe("web.1");
    expect(error.message).toMatch(/^web\.1: cannot start: /);
    expect(error.cause).toBe(cause);
  });

  it("names the shell when the shell is at fault", () => {
    const error = diagnoseSpawnFailure(
      { name: "web.1", shell: "/opt/nope/sh", cwd: existingCwd },
      errno("ENOENT"),
    );
    expect(error.message).toBe("web.1: cannot start: shell /opt/nope/sh not found");
    expect(error.hint).toContain("/bin/sh");
  });

  it("copes with a thrown non-error", () => {
    const error = diagnoseSpawnFailure({ name: "x", shell: "/bin/sh", cwd: existingCwd }, "boom");
    expect(error).toMatchObject({ code: "SPAWN_FAILED", message: "x: cannot start: boom" });
  });
});
