import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  copyKernelOutput,
  KERNEL_OUTPUT_FULL,
  KERNEL_PARTIAL,
  KERNEL_TOO_LONG,
  kernelAvailable,
  runKernel,
} from "./_frame-kernel.js";

const encoder = new TextEncoder();
const P = encoder.encode("12:00:00 web.1  | ");

function frame(text: string, maxLineBytes = 100, prefix = P) {
  const input = encoder.encode(text);
  const run = runKernel(input, 0, input.length, prefix, maxLineBytes);
  const output = Buffer.alloc(run.outputBytes);
  copyKernelOutput(output, 0, run.outputBytes);
  return { consumed: run.consumed, status: run.status, output: output.toString() };
}

describe("the frame kernel (wasm/frame.wat)", () => {
  it("is available on Node 20 (WebAssembly with SIMD)", () => {
    expect(kernelAvailable()).toBe(true);
  });

  it.each([
    ["whole lines, then a partial one", "a\nbc\nrest", 5, KERNEL_PARTIAL, "P a\nP bc\n"],
    ["empty lines", "\n\n", 2, KERNEL_PARTIAL, "P \nP \n"],
    ["nothing complete", "no newline", 0, KERNEL_PARTIAL, ""],
    [
      "a line of exactly max bytes",
      `${"x".repeat(20)}\n`,
      21,
      KERNEL_PARTIAL,
      `P ${"x".repeat(20)}\n`,
    ],
    ["a line one byte over max", `ok\n${"x".repeat(21)}\nnext\n`, 3, KERNEL_TOO_LONG, "P ok\n"],
    [
      "an over-long line with no newline yet",
      `ok\n${"x".repeat(40)}`,
      3,
      KERNEL_TOO_LONG,
      "P ok\n",
    ],
  ])("%s", (_label, text, consumed, status, shown) => {
    const result = frame(text, 20, encoder.encode("P "));
    expect(result).toEqual({ consumed, status, output: shown });
  });

  it("stops when the output has no room for another line, having written whole lines only", () => {
    // Empty lines under a 900-byte prefix: 256 KiB of input wants ~230 MB of output.
    const input = new Uint8Array(256 * 1024).fill(10);
    const prefix = new Uint8Array(900).fill(112);
    const run = runKernel(input, 0, input.length, prefix, 65536);
    expect(run.status).toBe(KERNEL_OUTPUT_FULL);
    expect(run.consumed).toBeGreaterThan(0);
    expect(run.outputBytes).toBe(run.consumed * 901);
  });

  it("frames a window inside a bigger chunk", () => {
    const input = encoder.encode("skip\nfirst\nsecond\nthird\n");
    const run = runKernel(input, 5, 18, encoder.encode("> "), 100);
    const output = Buffer.alloc(run.outputBytes);
    copyKernelOutput(output, 0, run.outputBytes);
    expect(output.toString()).toBe("> first\n> second\n");
    expect(run.consumed).toBe(13);
  });

  it("is built from wasm/frame.wat as checked in", () => {
    const script = new URL("../scripts/build-wasm.mjs", import.meta.url).pathname;
    const check = spawnSync(process.execPath, [script, "--check"], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });
});
