import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "fixtures", "exit-mid-turn.mjs");

/** Runs the fixture with stdout on a pipe; its stdout, stderr and exit code. */
async function runFixture(how: string): Promise<{ stdout: string; stderr: string; code: unknown }> {
  const child = spawn(process.execPath, [fixture, how], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, "close");
  return { stdout, stderr, code };
}

const EXPECTED =
  "system | first turn\nweb.1  | line one\nweb.1  | line two\nweb.1  | exited with code 1\n";

describe("batchWrites when the process ends mid-turn", () => {
  it("an uncaught exception still gets the turn's lines onto a pipe", async () => {
    const { stdout, stderr, code } = await runFixture("throw");
    expect(stdout).toBe(EXPECTED);
    expect(stderr).toContain("a bug in the manager");
    expect(code).toBe(1);
  }, 30_000);

  it("process.exit() without flush() still gets the turn's lines onto a pipe", async () => {
    const { stdout, code } = await runFixture("exit");
    expect(stdout).toBe(EXPECTED);
    expect(code).toBe(3);
  }, 30_000);
});
