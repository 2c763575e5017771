import { describe, expect, it } from "vitest";
import { ClockCache, formatClock } from "./_clock.js";

function at(hours: number, minutes: number, seconds: number, ms = 0): number {
  const date = new Date(2024, 0, 15);
  date.setHours(hours, minutes, seconds, ms);
  return date.getTime();
}

describe("formatClock", () => {
  it.each([
    { ms: at(0, 0, 0), text: "00:00:00" },
    { ms: at(9, 5, 7), text: "09:05:07" },
    { ms: at(12, 34, 56, 999), text: "12:34:56" },
    { ms: at(23, 59, 59, 500), text: "23:59:59" },
  ])("$text", ({ ms, text }) => {
    expect(formatClock(ms)).toBe(text);
  });
});

describe("ClockCache", () => {
  it("formats once per second and follows the clock", () => {
    const cache = new ClockCache();
    const first = cache.textFor(ClockCache.secondOf(at(10, 0, 0, 1)));
    expect(first).toBe("10:00:00");
    expect(cache.textFor(ClockCache.secondOf(at(10, 0, 0, 999)))).toBe(first);
    expect(cache.textFor(ClockCache.secondOf(at(10, 0, 1, 0)))).toBe("10:00:01");
  });
});
