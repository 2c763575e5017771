import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findSs } from "./_peer-lookup.js";

const root = mkdtempSync(join(tmpdir(), "control-findss-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dirWith(name: string, mode: number | "directory"): string {
  const dir = mkdtempSync(join(root, "bin-"));
  if (mode === "directory") mkdirSync(join(dir, name));
  else {
    writeFileSync(join(dir, name), "#!/bin/sh\n");
    chmodSync(join(dir, name), mode);
  }
  return dir;
}

describe.skipIf(process.platform !== "linux")("findSs", () => {
  it("finds a bare name on PATH, skipping entries that are not executable files", () => {
    const notExecutable = dirWith("ss", 0o644);
    const directory = dirWith("ss", "directory");
    const good = dirWith("ss", 0o755);
    const path = [notExecutable, directory, "relative/bin", good].join(":");
    expect(findSs(["ss"], path)).toBe(join(good, "ss"));
  });

  it("tries absolute candidates as they are, in order, and runs none of them", () => {
    const good = dirWith("ss", 0o755);
    // A script that would leave a trace if it were run.
    writeFileSync(join(good, "ss"), `#!/bin/sh\ntouch ${join(good, "ran")}\n`);
    expect(findSs(["/nonexistent/ss", join(good, "ss")], "")).toBe(join(good, "ss"));
    expect(() => rmSync(join(good, "ran"))).toThrow();
  });

  it("is undefined when nothing is found", () => {
    expect(findSs(["ss", "/nonexistent/ss"], dirWith("other", 0o755))).toBeUndefined();
  });
});
