import { describe, expect, it } from "vitest";
import { PROCESS_COLORS, processColor, RESET, SYSTEM_COLOR } from "./_colors.js";
import { nameWidthFor, prefixBytes, prefixText } from "./_prefix.js";

describe("prefixText", () => {
  it.each([
    { clock: "12:00:00", name: "web.1", width: 6, color: undefined, text: "12:00:00 web.1  | " },
    { clock: undefined, name: "web.1", width: 6, color: undefined, text: "web.1  | " },
    { clock: undefined, name: "worker.10", width: 6, color: undefined, text: "worker.10 | " },
    { clock: undefined, name: "a", width: 0, color: undefined, text: "a | " },
    {
      clock: "12:00:00",
      name: "web.1",
      width: 6,
      color: "\x1b[36m",
      text: "\x1b[36m12:00:00 web.1  | \x1b[0m",
    },
    {
      clock: undefined,
      name: "system",
      width: 8,
      color: SYSTEM_COLOR,
      text: `${SYSTEM_COLOR}system   | ${RESET}`,
    },
  ])("$text", ({ clock, name, width, color, text }) => {
    expect(prefixText({ clock, name, nameWidth: width, color })).toBe(text);
    expect(Buffer.from(prefixBytes({ clock, name, nameWidth: width, color })).toString()).toBe(
      text,
    );
  });
});

describe("nameWidthFor", () => {
  it.each([
    { names: [], width: 6 },
    { names: ["web.1"], width: 6 },
    { names: ["web.1", "worker.1"], width: 8 },
    { names: ["a", "longer_name.12"], width: 14 },
  ])("$names -> $width", ({ names, width }) => {
    expect(nameWidthFor(names)).toBe(width);
  });
});

describe("colours", () => {
  it("are Ruby foreman's, in its order", () => {
    expect(PROCESS_COLORS).toEqual([
      "\x1b[36m",
      "\x1b[33m",
      "\x1b[32m",
      "\x1b[35m",
      "\x1b[31m",
      "\x1b[34m",
    ]);
    expect(Object.isFrozen(PROCESS_COLORS)).toBe(true);
  });

  it.each([
    { index: 0, color: "\x1b[36m" },
    { index: 5, color: "\x1b[34m" },
    { index: 6, color: "\x1b[36m" },
    { index: 13, color: "\x1b[33m" },
    { index: -1, color: "\x1b[34m" },
  ])("index $index cycles to its colour", ({ index, color }) => {
    expect(processColor(index)).toBe(color);
  });
});
