import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { outputOf } from "./helpers.js";

const fixture = join(import.meta.dirname, "fixtures", "exit-mid-turn.mjs");

/** Runs the fixture with stdout on a pipe; its stdout, stderr and exit code. */
async function runFixture(how: string): Promise<{ stdout: string; stderr: string; code: unknown }> {
  const child = spawn(process.execPath, [fixture, how], { stdio: ["ignore", "pipe", "pipe"] });
  return outputOf(child, "close");
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

describe("FileOutput when the process ends mid-turn", () => {
  const fileFixture = join(import.meta.dirname, "fixtures", "file-exit-mid-turn.mjs");

  async function runWithStdoutFile(args: string[], path: string): Promise<unknown> {
    const fd = openSync(path, "w");
    try {
      const child = spawn(process.execPath, [fileFixture, ...args], {
        stdio: ["ignore", fd, "pipe"],
      });
      child.stderr?.resume();
      const [code] = await once(child, "close");
      return code;
    } finally {
      closeSync(fd);
    }
  }

  it("writes what was queued from the exit handlers after an uncaught exception", async () => {
    const dir = mkdtempSync(join(tmpdir(), "output-mux-exit-"));
    const path = join(dir, "out");
    expect(await runWithStdoutFile(["throw"], path)).toBe(1);
    expect(readFileSync(path, "utf8")).toBe("first turn\nqueued one\nqueued two\n");
  }, 30_000);

  it("writes what was queued behind a write in flight, after it, when the process ends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "output-mux-exit-"));
    const path = join(dir, "out");
    expect(await runWithStdoutFile(["in-flight"], path)).toBe(1);
    const text = readFileSync(path, "latin1");
    const big = "x\n".repeat(16 * 1024 * 1024);
    expect(text.length).toBe(
      "first turn\n".length + big.length + "queued one\nqueued two\n".length,
    );
    expect(text.startsWith(`first turn\n${big}`)).toBe(true);
    expect(text.endsWith("queued one\nqueued two\n")).toBe(true);
  }, 30_000);

  it("writes nothing into another file that took the closed descriptor's number", async () => {
    const dir = mkdtempSync(join(tmpdir(), "output-mux-exit-"));
    const path = join(dir, "out");
    const other = join(dir, "other");
    writeFileSync(other, "");
    expect(await runWithStdoutFile(["reused", other], path)).toBe(1);
    expect(readFileSync(path, "utf8")).toBe("first turn\n");
    expect(readFileSync(other, "utf8")).toBe("");
  }, 30_000);
});
