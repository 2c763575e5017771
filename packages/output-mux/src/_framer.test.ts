import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LineFramer } from "./_framer.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

const encoder = new TextEncoder();
const P = encoder.encode("p| ");

/** Frames `chunks` in order, then flushes the partial line as a source's end would. */
function frameAll(
  chunks: readonly (string | Uint8Array)[],
  maxLineBytes = 65536,
  prefix = P,
): Buffer {
  const framer = new LineFramer(maxLineBytes);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const framed = framer.frame(Buffer.from(chunk), prefix);
    if (framed !== undefined) out.push(framed);
  }
  const last = framer.flushPartial(prefix);
  if (last !== undefined) out.push(last);
  return Buffer.concat(out);
}

/**
 * The reference model: split on "\n"; a final piece without "\n" is a line too; every line is cut
 * into pieces of maxLineBytes; each piece is written as prefix + piece + "\n".
 */
function expected(input: Uint8Array, maxLineBytes: number, prefix: Uint8Array = P): Buffer {
  const out: Buffer[] = [];
  const data = Buffer.from(input);
  let start = 0;
  while (start < data.length) {
    let nl = data.indexOf(10, start);
    if (nl === -1) nl = data.length;
    const line = data.subarray(start, nl);
    if (line.length === 0) out.push(Buffer.from(prefix), Buffer.from("\n"));
    for (let at = 0; at < line.length; at += maxLineBytes) {
      out.push(Buffer.from(prefix), line.subarray(at, at + maxLineBytes), Buffer.from("\n"));
    }
    start = nl + 1;
  }
  return Buffer.concat(out);
}

describe("LineFramer", () => {
  it.each([
    { name: "one line", chunks: ["hello\n"], out: "p| hello\n" },
    { name: "two lines in one chunk", chunks: ["a\nb\n"], out: "p| a\np| b\n" },
    {
      name: "a line split across chunks",
      chunks: ["hel", "lo\nwor", "ld\n"],
      out: "p| hello\np| world\n",
    },
    { name: "a newline alone in a chunk", chunks: ["abc", "\n"], out: "p| abc\n" },
    { name: "empty lines", chunks: ["\n\n"], out: "p| \np| \n" },
    { name: "CRLF keeps the \\r", chunks: ["a\r\nb\r", "\n"], out: "p| a\r\np| b\r\n" },
    { name: "a final partial line gets a \\n", chunks: ["a\nrest"], out: "p| a\np| rest\n" },
    { name: "only a partial line", chunks: ["no newline"], out: "p| no newline\n" },
    { name: "empty chunks are ignored", chunks: ["", "a", "", "\n", ""], out: "p| a\n" },
    { name: "progress bar with \\r", chunks: ["10%\r50%\r", "100%\n"], out: "p| 10%\r50%\r100%\n" },
  ])("$name", ({ chunks, out }) => {
    expect(frameAll(chunks).toString("latin1")).toBe(out);
  });

  it.each([
    { name: "exactly max", chunks: ["abcd\n"], out: "p| abcd\n" },
    { name: "max + 1", chunks: ["abcde\n"], out: "p| abcd\np| e\n" },
    { name: "two full pieces", chunks: ["abcdefgh\n"], out: "p| abcd\np| efgh\n" },
    {
      name: "long line across chunks",
      chunks: ["ab", "cdefg", "hij\n"],
      out: "p| abcd\np| efgh\np| ij\n",
    },
    { name: "pending exactly max then \\n", chunks: ["abcd", "\nx\n"], out: "p| abcd\np| x\n" },
    { name: "pending max then more", chunks: ["abcd", "e\n"], out: "p| abcd\np| e\n" },
    {
      name: "line-less stream",
      chunks: ["abc", "def", "ghi", "j"],
      out: "p| abcd\np| efgh\np| ij\n",
    },
    {
      name: "long line after short ones",
      chunks: ["a\nbcdefghij\nk\n"],
      out: "p| a\np| bcde\np| fghi\np| j\np| k\n",
    },
  ])("cuts lines longer than maxLineBytes: $name", ({ chunks, out }) => {
    expect(frameAll(chunks, 4).toString("latin1")).toBe(out);
  });

  it("keeps no more than maxLineBytes of a line-less stream", () => {
    const framer = new LineFramer(1000);
    let written = 0;
    for (let i = 0; i < 200; i++) {
      const framed = framer.frame(Buffer.alloc(777, 120), P);
      written += framed?.length ?? 0;
      expect(framer.pendingBytes).toBeLessThanOrEqual(1000);
    }
    expect(written).toBe(155 * (P.length + 1001));
    expect(framer.pendingBytes).toBe(200 * 777 - 155 * 1000);
  });

  it("raw (empty prefix) returns whole lines without copying when nothing is carried", () => {
    const framer = new LineFramer(64);
    const chunk = Buffer.from("a\nb\nc");
    const framed = framer.frame(chunk, new Uint8Array(0));
    expect(framed?.toString()).toBe("a\nb\n");
    expect(framed?.buffer).toBe(chunk.buffer);
    expect(framer.frame(Buffer.from("d\n"), new Uint8Array(0))?.toString()).toBe("cd\n");
  });

  it("passes 64 KiB of random bytes through unchanged, prefixes aside", () => {
    const input = new Uint8Array(65536);
    for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 24;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < input.length; at += 4093) chunks.push(input.subarray(at, at + 4093));
    expect(frameAll(chunks, 1 << 20).equals(expected(input, 1 << 20))).toBe(true);
  });

  it("passes invalid UTF-8, NUL and control bytes through byte-exact", () => {
    const input = Buffer.from([
      0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0x0a, 0x80, 0x07, 0x0d, 0x0a,
    ]);
    const out = frameAll([input.subarray(0, 9), input.subarray(9)]);
    expect(out).toEqual(
      Buffer.concat([P, input.subarray(0, 10), P, input.subarray(10)].map((b) => Buffer.from(b))),
    );
  });

  it("discard drops the partial line", () => {
    const framer = new LineFramer(64);
    framer.frame(Buffer.from("partial"), P);
    framer.discard();
    expect(framer.pendingBytes).toBe(0);
    expect(framer.flushPartial(P)).toBeUndefined();
  });

  it("property: big chunks (the WebAssembly kernel's) frame like the reference model", () => {
    fc.assert(
      fc.property(
        fc
          .array(
            fc.oneof(
              fc.integer({ min: 0, max: 40 }),
              fc.integer({ min: 0, max: 400 }),
              fc.constantFrom(15, 16, 17, 31, 32, 33),
            ),
            { minLength: 1, maxLength: 120 },
          )
          .chain((lengths) =>
            fc.record({
              lengths: fc.constant(lengths),
              tail: fc.integer({ min: 0, max: 50 }),
              cuts: fc.array(fc.nat({ max: 30_000 }), { maxLength: 4 }),
              maxLineBytes: fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(65536)),
              prefixBytes: fc.constantFrom(1, 3, 15, 16, 17, 18, 31, 33, 200),
            }),
          ),
        ({ lengths, tail, cuts, maxLineBytes, prefixBytes }) => {
          const parts: number[] = [];
          lengths.forEach((length, i) => {
            for (let j = 0; j < length; j++) parts.push(97 + ((i + j) % 26));
            parts.push(10);
          });
          for (let j = 0; j < tail; j++) parts.push(65);
          const bytes = Uint8Array.from(parts);
          const points = [...new Set([0, ...cuts.filter((c) => c < bytes.length), bytes.length])];
          points.sort((x, y) => x - y);
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          const prefix = encoder.encode(
            "p".repeat(Math.max(0, prefixBytes - 2)) + "| ".slice(0, prefixBytes),
          );
          expect(
            frameAll(chunks, maxLineBytes, prefix).equals(expected(bytes, maxLineBytes, prefix)),
          ).toBe(true);
        },
      ),
      { numRuns: fuzzRuns(300) },
    );
  });

  it.each([
    ["a chunk bigger than the kernel's window", 700_000, 1, "x| "],
    ["output more than twice the input (empty lines, long prefix)", 300_000, 0, "p".repeat(100)],
  ])("frames %s like the reference model", (_label, bytes, lineLength, prefixText) => {
    const input = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) input[i] = (i + 1) % (lineLength + 1) === 0 ? 10 : 97;
    const prefix = encoder.encode(prefixText);
    expect(frameAll([input], 65536, prefix).equals(expected(input, 65536, prefix))).toBe(true);
  });

  it("property: any chunking of any bytes frames like the reference model", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }).chain((bytes) =>
          fc.record({
            // Newlines made common, so lines of every length occur.
            bytes: fc.constant(bytes.map((b) => (b % 5 === 0 ? 10 : b))),
            cuts: fc.array(fc.nat({ max: bytes.length }), { maxLength: 12 }),
            maxLineBytes: fc.integer({ min: 1, max: 40 }),
            prefix: fc.constantFrom("", "p| ", "12:00:00 web.1  | "),
          }),
        ),
        ({ bytes, cuts, maxLineBytes, prefix }) => {
          const points = [...new Set([0, ...cuts, bytes.length])].sort((x, y) => x - y);
          const chunks = points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          const prefixBytes = encoder.encode(prefix);
          const out = frameAll(chunks, maxLineBytes, prefixBytes);
          expect(out.equals(expected(bytes, maxLineBytes, prefixBytes))).toBe(true);
        },
      ),
      { numRuns: fuzzRuns(3000) },
    );
  });
});
