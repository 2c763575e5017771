import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findInvalidUtf8Offset, lineOfByteOffset } from "./_utf8.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

const fatal = new TextDecoder("utf-8", { fatal: true });

function decodes(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

describe("findInvalidUtf8Offset", () => {
  it.each<[string, number[], number]>([
    ["ASCII", [0x61, 0x62], -1],
    ["2-, 3- and 4-byte sequences", [0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1],
    ["Latin-1 é", [0x61, 0xe9, 0x62], 1],
    ["stray continuation byte", [0x80], 0],
    ["overlong 2-byte", [0xc0, 0xaf], 0],
    ["overlong 3-byte", [0xe0, 0x80, 0xaf], 0],
    ["UTF-16 surrogate", [0xed, 0xa0, 0x80], 0],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["truncated at the end", [0x61, 0xe2, 0x82], 1],
  ])("%s", (_label, bytes, offset) => {
    expect(findInvalidUtf8Offset(Uint8Array.from(bytes))).toBe(offset);
  });

  it("agrees with TextDecoder({ fatal: true }) on any bytes", () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0x80, max: 0xbf }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (array) => {
        const bytes = Uint8Array.from(array);
        const offset = findInvalidUtf8Offset(bytes);
        expect(offset === -1).toBe(decodes(bytes));
        // Everything before the reported offset is well-formed on its own.
        if (offset !== -1) expect(decodes(bytes.subarray(0, offset))).toBe(true);
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });
});

describe("lineOfByteOffset", () => {
  it.each<[string, string, number, number]>([
    ["first line", "abc", 1, 1],
    ["after LF", "a\nb", 2, 2],
    ["CRLF counts once", "a\r\nb", 3, 2],
    ["lone CR", "a\rb", 2, 2],
  ])("%s", (_label, text, offset, line) => {
    expect(lineOfByteOffset(new TextEncoder().encode(text), offset)).toBe(line);
  });
});
