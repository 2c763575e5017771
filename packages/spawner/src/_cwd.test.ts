import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkCwd, forgetCwd, inspectCwd } from "./_cwd.js";

const root = mkdtempSync(join(tmpdir(), "spawner-cwd-unit-"));
const file = join(root, "a-file");
writeFileSync(file, "");

describe("inspectCwd", () => {
  it.each([
    ["an existing directory", root, undefined],
    ["a missing directory", join(root, "missing"), "SPAWN_CWD_NOT_FOUND"],
    ["a file", file, "SPAWN_CWD_NOT_DIRECTORY"],
    ["a path through a file", join(file, "below"), "SPAWN_CWD_NOT_DIRECTORY"],
  ])("%s → %s", (_label, path, code) => {
    expect(inspectCwd(path)?.code).toBe(code);
  });

  it("reports the absolute path", () => {
    expect(inspectCwd("relative/missing/dir")?.path).toBe(
      join(process.cwd(), "relative/missing/dir"),
    );
  });
});

describe("checkCwd", () => {
  it("remembers a directory that exists, and looks again once told to forget it", () => {
    const dir = join(root, "cached");
    mkdirSync(dir);
    expect(checkCwd(dir)).toBeUndefined();
    rmSync(dir, { recursive: true });
    // Cached: no new stat. The spawn that follows would fail and explain itself.
    expect(checkCwd(dir)).toBeUndefined();
    forgetCwd(dir);
    expect(checkCwd(dir)?.code).toBe("SPAWN_CWD_NOT_FOUND");
  });

  it("does not remember a problem: a directory created later is found", () => {
    const dir = join(root, "later");
    expect(checkCwd(dir)?.code).toBe("SPAWN_CWD_NOT_FOUND");
    mkdirSync(dir);
    expect(checkCwd(dir)).toBeUndefined();
  });

  it.skipIf(process.getuid?.() === 0)("reports a directory it may not enter", () => {
    const locked = join(root, "locked");
    mkdirSync(join(locked, "inner"), { recursive: true });
    chmodSync(locked, 0o000);
    try {
      expect(checkCwd(join(locked, "inner"))?.code).toBe("SPAWN_CWD_NOT_ACCESSIBLE");
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});
