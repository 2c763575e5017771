import dotenv from "dotenv";
import { describe, expect, it } from "vitest";
import { shouldColor } from "./_color.js";
import { formatErrorLine } from "./_errors.js";
import { checkFileDescriptors, openFileLimit } from "./_limits.js";
import { quoteForDotenv } from "./commands/env.js";

describe("shouldColor", () => {
  it.each([
    [true, {}, false, true],
    [false, { FORCE_COLOR: "1" }, true, false],
    [undefined, { FORCE_COLOR: "1", NO_COLOR: "1" }, false, true],
    [undefined, { FORCE_COLOR: "0" }, true, false],
    [undefined, { NO_COLOR: "1" }, true, false],
    [undefined, { NO_COLOR: "" }, true, true],
    [undefined, {}, true, true],
    [undefined, {}, false, false],
  ] as const)("flag %s, env %j, tty %s → %s", (flag, env, tty, expected) => {
    expect(shouldColor(flag, env, tty)).toBe(expected);
  });
});

describe("formatErrorLine", () => {
  it("is one line, with control characters made visible", () => {
    expect(formatErrorLine("bad\nthing \u001b[31m", "fix it")).toBe(
      "foreman: bad thing \\x1b[31m; fix it",
    );
  });
});

describe("file descriptor limit", () => {
  it("reads the soft limit from /proc/self/limits text", () => {
    const text =
      "Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n";
    expect(openFileLimit(text)).toBe(1024);
    expect(
      openFileLimit("Max open files            unlimited            unlimited            files\n"),
    ).toBeUndefined();
  });

  it("refuses a formation that cannot have its pipes", () => {
    expect(() => checkFileDescriptors(500, 1024)).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/ulimit -n/) }),
    );
    expect(() => checkFileDescriptors(100, 1024)).not.toThrow();
    expect(() => checkFileDescriptors(100_000, undefined)).not.toThrow();
  });
});

describe("quoteForDotenv", () => {
  it.each([
    "plain",
    "two words",
    "it's",
    'say "hi"',
    "line1\nline2",
    "back`tick's\nnew",
    "$HOME",
    "",
  ])("round-trips %j through dotenv", (value) => {
    expect(dotenv.parse(`KEY=${quoteForDotenv(value)}\n`).KEY).toBe(value);
  });
});
