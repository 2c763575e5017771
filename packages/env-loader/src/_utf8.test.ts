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
  it("agrees with TextDecoder and points at the first bad byte", () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 16 }),
      fc.string({ unit: "binary", maxLength: 8 }).map((s) => new TextEncoder().encode(s)),
      fc
        .tuple(fc.string({ maxLength: 6 }), fc.uint8Array({ minLength: 1, maxLength: 3 }))
        .map(([s, tail]) => new Uint8Array([...new TextEncoder().encode(s), ...tail])),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        const offset = findInvalidUtf8Offset(input);
        expect(offset === -1).toBe(decodes(input));
        if (offset !== -1) expect(decodes(input.subarray(0, offset))).toBe(true);
      }),
      { numRuns: fuzzRuns(3000) },
    );
  });

  it.each([
    ["overlong", [0xc0, 0x80], 0],
    ["surrogate", [0x41, 0xed, 0xa0, 0x80], 1],
    ["above U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["truncated", [0x41, 0x42, 0xe2, 0x82], 2],
    ["Latin-1", [0x4a, 0x6f, 0x73, 0xe9], 3],
  ])("%s", (_name, bytes, expected) => {
    expect(findInvalidUtf8Offset(new Uint8Array(bytes))).toBe(expected);
  });
});

describe("lineOfByteOffset", () => {
  it("counts LF, CRLF and lone CR", () => {
    const bytes = new TextEncoder().encode("a\nb\r\nc\rd");
    expect(lineOfByteOffset(bytes, bytes.indexOf(0x64))).toBe(4);
    expect(lineOfByteOffset(bytes, 0)).toBe(1);
  });
});
