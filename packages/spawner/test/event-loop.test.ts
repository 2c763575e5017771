import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { fixturesDir, isGone } from "./_helpers.js";

// Inside vitest the event loop is always kept alive, so "does a pending stop() keep the program
// running?" can only be answered by a real program. These tests compile src/ to plain JS
// (transpile only: no dependency on a prior build) and run fixture scripts against it.
let moduleUrl: string;

beforeAll(() => {
  const srcDir = fileURLToPath(new URL("../src/", import.meta.url));
  const outDir = mkdtempSync(join(tmpdir(), "spawner-js-"));
  mkdirSync(outDir, { recursive: true });
  for (const file of readdirSync(srcDir)) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(srcDir, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, ".js")), outputText);
  }
  moduleUrl = pathToFileURL(join(outDir, "index.js")).href;
});

function runScript(
  script: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(fixturesDir, script), moduleUrl, tmpdir()], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("in a real program", () => {
  it("a pending stop() keeps the program alive until the leftover group is SIGKILLed and gone", async () => {
    const { code, stdout, stderr } = await runScript("stop-leftover.mjs");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const pid = Number(stdout.match(/grandchild (\d+)/)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(stdout).toContain("stopped 0 groupAlive=false");
    expect(isGone(pid)).toBe(true);
  });

  it("watching a leftover group nobody stops does not keep the program alive", async () => {
    const { code, stdout, stderr } = await runScript("leave-leftover.mjs");
    const pid = Number(stdout.match(/grandchild (\d+)/)?.[1]);
    try {
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout).toContain("groupAlive=true");
      expect(isGone(pid)).toBe(false);
    } finally {
      if (pid > 0) process.kill(pid, "SIGKILL");
    }
  });
});
