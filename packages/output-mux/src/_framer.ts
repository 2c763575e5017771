import {
  copyKernelOutput,
  KERNEL_MAX_PREFIX_BYTES,
  KERNEL_OUTPUT_FULL,
  KERNEL_PARTIAL,
  KERNEL_WINDOW_BYTES,
  kernelAvailable,
  runKernel,
} from "./_frame-kernel.js";

/** Where the framer puts its output: the output's own memory (FileOutput.reserve) or a new Buffer. */
export type Allocate = (bytes: number) => Buffer;

const NEWLINE = 10;
const EMPTY = new Uint8Array(0);
/** Below this a chunk is framed in JavaScript: copying it into the kernel would cost more. */
const KERNEL_MIN_CHUNK_BYTES = 2048;

// Newline offsets of the chunk being framed. Shared by every framer: framing is synchronous, so
// one array serves all sources and the hot path allocates nothing per line.
let scratch: Int32Array = new Int32Array(4096);

function growScratch(): Int32Array {
  const bigger = new Int32Array(scratch.length * 2);
  bigger.set(scratch);
  scratch = bigger;
  return bigger;
}

function piecesOf(contentBytes: number, maxLineBytes: number): number {
  return contentBytes <= maxLineBytes ? 1 : Math.ceil(contentBytes / maxLineBytes);
}

/**
 * Turns one source's byte chunks into whole, prefixed output lines.
 *
 * A line is everything up to and including a `\n`; its bytes are copied untouched (a `\r` before
 * the `\n` stays). Bytes after the last `\n` wait in `pending` until the line completes or the
 * caller flushes them. A line longer than `maxLineBytes` is cut into pieces of `maxLineBytes`,
 * each written as its own prefixed line, so neither memory nor any output write grows with
 * the length of a line.
 *
 * Each call to `frame` returns at most one Buffer holding every line the chunk completed, so the
 * caller makes one `write` per chunk.
 */
export class LineFramer {
  readonly maxLineBytes: number;
  #pending: Uint8Array = EMPTY;
  #pendingBytes = 0;

  constructor(maxLineBytes: number) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Bytes of the current partial line (always ≤ maxLineBytes). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** Drops the partial line (after an output error nothing more is written). */
  discard(): void {
    this.#pending = EMPTY;
    this.#pendingBytes = 0;
  }

  /**
   * Frames `chunk` under `prefix` (empty for raw output). Returns the bytes to write, or
   * undefined when the chunk only extended the partial line.
   *
   * Big chunks go through the WebAssembly kernel (wasm/frame.wat), which copies whole lines of
   * ordinary length behind their prefix in one SIMD pass, about three times as fast as the
   * JavaScript below. Everything else, and whatever the kernel leaves (the line that completes
   * a carried partial line, a line longer than maxLineBytes, the partial tail), is framed by
   * the JavaScript path, so the two agree byte for byte.
   */
  frame(chunk: Buffer, prefix: Uint8Array, allocate?: Allocate): Buffer | undefined {
    if (
      chunk.length < KERNEL_MIN_CHUNK_BYTES ||
      prefix.length === 0 ||
      prefix.length > KERNEL_MAX_PREFIX_BYTES ||
      !kernelAvailable()
    ) {
      return this.#frameJs(chunk, prefix, allocate);
    }
    const len = chunk.length;
    let start = 0;
    let head: Buffer | undefined;
    if (this.#pendingBytes > 0) {
      // The line carried over from earlier chunks ends at the first "\n" (or not in this chunk).
      const nl = chunk.indexOf(NEWLINE);
      if (nl === -1) return this.#frameJs(chunk, prefix, allocate);
      head = this.#frameJs(chunk.subarray(0, nl + 1), prefix);
      start = nl + 1;
    }
    const parts: Uint8Array[] = head === undefined ? [] : [head];
    let kernelBytes = 0; // output of the last run, still in the kernel's memory
    while (start < len) {
      const to = Math.min(len, start + KERNEL_WINDOW_BYTES);
      const run = runKernel(chunk, start, to, prefix, this.maxLineBytes);
      start += run.consumed;
      // A window that ended inside a line, or filled the output: go on from where it stopped,
      // as long as it got anywhere. Anything else (a too-long line, the partial tail) is left to
      // the JavaScript path.
      const again =
        run.consumed > 0 &&
        ((run.status === KERNEL_PARTIAL && to < len) || run.status === KERNEL_OUTPUT_FULL);
      if (!again) {
        kernelBytes = run.outputBytes;
        break;
      }
      // Rare (a chunk above the window, or one that more than doubles): this window's output
      // must leave the kernel's memory before the next run.
      const part = Buffer.allocUnsafe(run.outputBytes);
      copyKernelOutput(part, 0, run.outputBytes);
      parts.push(part);
    }
    const tail =
      start < len ? this.#frameJs(start === 0 ? chunk : chunk.subarray(start), prefix) : undefined;
    // One buffer for the whole chunk, the usual case being head + kernel output + nothing.
    let size = kernelBytes + (tail?.length ?? 0);
    for (const part of parts) size += part.length;
    if (size === 0) return undefined;
    const out = allocate === undefined ? Buffer.allocUnsafe(size) : allocate(size);
    let o = 0;
    for (const part of parts) {
      out.set(part, o);
      o += part.length;
    }
    if (kernelBytes > 0) copyKernelOutput(out, o, kernelBytes);
    o += kernelBytes;
    if (tail !== undefined) out.set(tail, o);
    return out;
  }

  #frameJs(chunk: Buffer, prefix: Uint8Array, allocate?: Allocate): Buffer | undefined {
    const len = chunk.length;
    if (len === 0) return undefined;
    const max = this.maxLineBytes;
    const pend = this.#pendingBytes;

    // Pass 1: newline offsets, and the extra pieces long lines need, to size the output exactly.
    let positions = scratch;
    let count = 0;
    let extraPieces = 0;
    let lineStart = 0;
    let nl = chunk.indexOf(NEWLINE);
    if (nl !== -1 && pend + nl > max) extraPieces += piecesOf(pend + nl, max) - 1;
    while (nl !== -1) {
      if (count === positions.length) positions = growScratch();
      positions[count++] = nl;
      if (nl - lineStart > max && count > 1) extraPieces += piecesOf(nl - lineStart, max) - 1;
      lineStart = nl + 1;
      nl = chunk.indexOf(NEWLINE, lineStart);
    }

    const completeEnd = lineStart; // bytes of the chunk that belong to complete lines
    const tailTotal = len - completeEnd + (count === 0 ? pend : 0);
    // Only cut a piece while more than maxLineBytes wait: the byte after a full piece may be the
    // `\n`, and cutting early would then emit an empty line.
    const tailPieces = tailTotal > max ? Math.floor((tailTotal - 1) / max) : 0;
    const remainder = tailTotal - tailPieces * max;

    if (count === 0 && tailPieces === 0) {
      this.#appendPending(chunk, 0, len);
      return undefined;
    }

    const p = prefix.length;
    const contentBytes = count > 0 ? pend + completeEnd + tailPieces * max : tailPieces * max;
    const pieces = count + extraPieces + tailPieces;
    const insertedNewlines = extraPieces + tailPieces;
    const size = contentBytes + pieces * p + insertedNewlines;
    const emittedFromChunk = contentBytes - pend; // the pending bytes are always used up here

    if (p === 0 && insertedNewlines === 0) {
      // Raw output of whole lines is the input itself: no copy, or one when a partial line
      // was carried over.
      let raw: Buffer;
      if (pend === 0) {
        raw = chunk.subarray(0, emittedFromChunk);
      } else {
        raw = allocate === undefined ? Buffer.allocUnsafe(size) : allocate(size);
        raw.set(this.#pending.subarray(0, pend), 0);
        raw.set(new Uint8Array(chunk.buffer, chunk.byteOffset, emittedFromChunk), pend);
      }
      this.#replacePending(chunk, emittedFromChunk, len, remainder);
      return raw;
    }

    const outBuffer = allocate === undefined ? Buffer.allocUnsafe(size) : allocate(size);
    const out = new Uint8Array(outBuffer.buffer, outBuffer.byteOffset, size);
    const view = new DataView(outBuffer.buffer, outBuffer.byteOffset, size);
    const words = prefixWords(prefix);
    // The emitted part of the chunk goes to the end of `out` in one copy; each line then moves
    // down to its place with `copyWithin`. A line's destination never passes its source, because
    // only prefixes and inserted newlines are added in front of it.
    const base = size - emittedFromChunk;
    out.set(new Uint8Array(chunk.buffer, chunk.byteOffset, emittedFromChunk), base);

    let o = 0;
    let a = 0;
    let k = 0;
    if (pend > 0) {
      // The first piece starts with the partial line carried over from earlier chunks.
      const firstEnd = count > 0 ? positions[0]! : len;
      o = putPrefix(out, view, o, prefix, words);
      out.set(this.#pending.subarray(0, pend), o);
      o += pend;
      if (count > 0 && pend + firstEnd <= max) {
        out.copyWithin(o, base, base + firstEnd + 1);
        o += firstEnd + 1;
        a = firstEnd + 1;
        k = 1;
      } else {
        const take = max - pend;
        out.copyWithin(o, base, base + take);
        o += take;
        out[o++] = NEWLINE;
        a = take;
      }
    }

    for (; k < count; k++) {
      const e = positions[k]!;
      if (e - a > max) {
        const cut = Math.floor((e - a - 1) / max);
        o = cutPieces(out, view, o, prefix, words, base + a, cut, max);
        a += cut * max;
      }
      o = putPrefix(out, view, o, prefix, words);
      out.copyWithin(o, base + a, base + e + 1);
      o += e + 1 - a;
      a = e + 1;
    }

    if (tailPieces > 0) {
      // The carried piece above already used up pending when there was no newline.
      const piecesLeft = count === 0 && pend > 0 ? tailPieces - 1 : tailPieces;
      o = cutPieces(out, view, o, prefix, words, base + a, piecesLeft, max);
    }

    this.#replacePending(chunk, emittedFromChunk, len, remainder);
    if (o !== size) throw new Error(`output-mux framer: sized ${size} bytes, wrote ${o}`);
    return outBuffer;
  }

  /** The partial line as one output line with a `\n` added, or undefined when there is none. */
  flushPartial(prefix: Uint8Array): Buffer | undefined {
    const pend = this.#pendingBytes;
    if (pend === 0) return undefined;
    const p = prefix.length;
    const out = Buffer.allocUnsafe(p + pend + 1);
    out.set(prefix, 0);
    out.set(this.#pending.subarray(0, pend), p);
    out[p + pend] = NEWLINE;
    this.#pendingBytes = 0;
    // Release a large partial buffer; most lines are short.
    if (this.#pending.length > 4096) this.#pending = EMPTY;
    return out;
  }

  #replacePending(chunk: Buffer, from: number, to: number, expected: number): void {
    this.#pendingBytes = 0;
    if (to - from !== expected) {
      throw new Error(`output-mux framer: remainder ${to - from} bytes, expected ${expected}`);
    }
    if (to > from) this.#appendPending(chunk, from, to);
  }

  #appendPending(chunk: Buffer, from: number, to: number): void {
    const needed = this.#pendingBytes + (to - from);
    if (needed > this.#pending.length) {
      // Grow geometrically up to maxLineBytes, so short partial lines stay small per source.
      let capacity = Math.max(256, this.#pending.length * 2);
      while (capacity < needed) capacity *= 2;
      const bigger = new Uint8Array(Math.min(capacity, this.maxLineBytes));
      bigger.set(this.#pending.subarray(0, this.#pendingBytes));
      this.#pending = bigger;
    }
    this.#pending.set(chunk.subarray(from, to), this.#pendingBytes);
    this.#pendingBytes = needed;
  }
}

/** Writes `count` pieces of `max` bytes starting at `from` in `out`, each as a prefixed line. */
function cutPieces(
  out: Uint8Array,
  view: DataView,
  o: number,
  prefix: Uint8Array,
  words: Int32Array,
  from: number,
  count: number,
  max: number,
): number {
  for (let i = 0; i < count; i++) {
    o = putPrefix(out, view, o, prefix, words);
    out.copyWithin(o, from, from + max);
    o += max;
    out[o++] = NEWLINE;
    from += max;
  }
  return o;
}

// The prefix as little-endian 32-bit words, for the prefix most recently framed. Writing a
// 20-byte prefix as five inlined DataView stores beats a call to TypedArray#set per line.
let wordsFor: Uint8Array = EMPTY;
let cachedWords: Int32Array = new Int32Array(16);

function prefixWords(prefix: Uint8Array): Int32Array {
  if (prefix === wordsFor) return cachedWords;
  const count = prefix.length >>> 2;
  if (count > cachedWords.length) cachedWords = new Int32Array(count);
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
  for (let i = 0; i < count; i++) cachedWords[i] = view.getInt32(i * 4, true);
  wordsFor = prefix;
  return cachedWords;
}

function putPrefix(
  out: Uint8Array,
  view: DataView,
  o: number,
  prefix: Uint8Array,
  words: Int32Array,
): number {
  const p = prefix.length;
  const whole = p & ~3;
  for (let i = 0; i < whole; i += 4) view.setInt32(o + i, words[i >>> 2]!, true);
  for (let i = whole; i < p; i++) out[o + i] = prefix[i]!;
  return o + p;
}
