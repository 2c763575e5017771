import { FRAME_WASM_BASE64 } from "./_frame-wasm.js";

/** Why the kernel stopped (see wasm/frame.wat). */
export const KERNEL_PARTIAL: number = 0;
export const KERNEL_TOO_LONG: number = 1;
export const KERNEL_OUTPUT_FULL: number = 2;

export interface KernelRun {
  /** Bytes of the input consumed: whole lines only. */
  consumed: number;
  /** Bytes of framed lines (prefix + line each) waiting in the kernel's memory. */
  outputBytes: number;
  status: number;
}

// The kernel's memory: prefix | input window | output window, each followed by 64 bytes of slack
// for its 16-byte loads and stores (see frame.wat).
const SLACK = 64;
const PREFIX_AT = 0;
/** Longer prefixes (very long process names) take the JavaScript path. */
export const KERNEL_MAX_PREFIX_BYTES: number = 1024 - SLACK;
const INPUT_AT = 1024;
export const KERNEL_WINDOW_BYTES: number = 256 * 1024;
const OUTPUT_AT = INPUT_AT + KERNEL_WINDOW_BYTES + SLACK;
const OUTPUT_BYTES = 2 * KERNEL_WINDOW_BYTES;
const MEMORY_BYTES = OUTPUT_AT + OUTPUT_BYTES + SLACK;

interface Kernel {
  frame(
    src: number,
    end: number,
    dst: number,
    dstEnd: number,
    pfx: number,
    plen: number,
    max: number,
  ): number;
  memory: Uint8Array;
  out: { value: number };
  status: { value: number };
  /** The prefix now in the kernel's memory (prefixes are cached per second, so usually the same). */
  prefix: Uint8Array | undefined;
}

// The little of the WebAssembly API used here (the TypeScript lib in use has no DOM types).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

let kernel: Kernel | null | undefined;

/**
 * The WebAssembly kernel, instantiated on first use; null where WebAssembly or its SIMD is not
 * available (`--jitless`, an old engine), and the framer then does all the work in JavaScript.
 */
function loadKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (wasm === undefined) return null;
    const module = new wasm.Module(Buffer.from(FRAME_WASM_BASE64, "base64"));
    const exports = new wasm.Instance(module, {}).exports as unknown as {
      frame: Kernel["frame"];
      memory: WasmMemory;
      out: { value: number };
      status: { value: number };
    };
    const pages = Math.ceil(MEMORY_BYTES / 65536) - exports.memory.buffer.byteLength / 65536;
    if (pages > 0) exports.memory.grow(pages);
    kernel = {
      frame: exports.frame,
      memory: new Uint8Array(exports.memory.buffer),
      out: exports.out,
      status: exports.status,
      prefix: undefined,
    };
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Whether the kernel can be used at all (instantiating it the first time this is asked). */
export function kernelAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * Frames whole lines of `chunk[from, to)` (at most KERNEL_WINDOW_BYTES) under `prefix`
 * (1 to KERNEL_MAX_PREFIX_BYTES bytes), each line at most `maxLineBytes` before its "\n".
 * Call only after kernelAvailable() said true.
 */
export function runKernel(
  chunk: Uint8Array,
  from: number,
  to: number,
  prefix: Uint8Array,
  maxLineBytes: number,
): KernelRun {
  const k = kernel as Kernel;
  const memory = k.memory;
  if (k.prefix !== prefix) {
    memory.set(prefix, PREFIX_AT);
    k.prefix = prefix;
  }
  const length = to - from;
  memory.set(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to), INPUT_AT);
  const end = k.frame(
    INPUT_AT,
    INPUT_AT + length,
    OUTPUT_AT,
    OUTPUT_AT + OUTPUT_BYTES,
    PREFIX_AT,
    prefix.length,
    maxLineBytes,
  );
  return { consumed: end - INPUT_AT, outputBytes: k.out.value - OUTPUT_AT, status: k.status.value };
}

/**
 * Copies the output of the last run to `target` at `offset`. Copied, not viewed: the next run
 * reuses the memory, and output may be written asynchronously.
 */
export function copyKernelOutput(target: Uint8Array, offset: number, bytes: number): void {
  const memory = (kernel as Kernel).memory;
  target.set(memory.subarray(OUTPUT_AT, OUTPUT_AT + bytes), offset);
}
