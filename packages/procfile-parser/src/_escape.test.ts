import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeControlCharacters, quote, truncate } from "./_escape.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

describe("escapeControlCharacters", () => {
  it.each<[string, string, string]>([
    ["ESC", "\u001b[2J", "\\x1b[2J"],
    ["NUL", "a\u0000b", "a\\x00b"],
    ["tab, LF and CR", "\t\n\r", "\\x09\\x0a\\x0d"],
    ["DEL", "\u007f", "\\x7f"],
    ["C1 CSI", "\u009b31m", "\\x9b31m"],
    ["C1 bounds", "\u0080\u009f\u00a0", "\\x80\\x9f\u00a0"],
    ["printable ASCII untouched", "web: a && b # $x 'q' \"q\" \\", "web: a && b # $x 'q' \"q\" \\"],
    ["non-ASCII untouched", "café 😀 日本", "café 😀 日本"],
  ])("%s", (_label, input, expected) => {
    expect(escapeControlCharacters(input)).toBe(expected);
  });

  it("leaves no control character behind, for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 50 }), (text) => {
        expect(escapeControlCharacters(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});

describe("truncate and quote", () => {
  it("keeps short text and cuts long text to the limit, counting code points", () => {
    expect(truncate("abc", 5)).toBe("abc");
    expect(truncate("abcdef", 5)).toBe("abcd…");
    expect(Array.from(truncate("😀".repeat(100))).length).toBe(80);
  });

  it("quotes in backticks, escaped", () => {
    expect(quote("a\u001bb")).toBe("`a\\x1bb`");
  });
});
