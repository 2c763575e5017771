import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RestartBudget, restartDelayMs } from "./index.js";

describe("restartDelayMs", () => {
  it.each([
    [0, 1000],
    [1, 2000],
    [2, 4000],
    [4, 16_000],
    [5, 30_000],
    [100, 30_000],
    [-1, 1000],
  ])("restart after %i consecutive ones waits %i ms", (consecutive, ms) => {
    expect(restartDelayMs(consecutive, 1000, 30_000)).toBe(ms);
  });

  it("never goes below the first delay or above the cap, and never decreases", () => {
    fc.assert(
      fc.property(
        fc.nat(1000),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (n, initial, extra) => {
          const max = initial + extra;
          const delay = restartDelayMs(n, initial, max);
          expect(delay).toBeGreaterThanOrEqual(initial);
          expect(delay).toBeLessThanOrEqual(max);
          expect(restartDelayMs(n + 1, initial, max)).toBeGreaterThanOrEqual(delay);
        },
      ),
    );
  });
});

describe("RestartBudget", () => {
  it("allows max restarts within the window, then more once old ones age out", () => {
    const budget = new RestartBudget(3, 1000);
    expect([0, 10, 20, 30].map((t) => budget.tryTake(t))).toEqual([true, true, true, false]);
    expect(budget.used(30)).toBe(3);
    expect(budget.tryTake(1000)).toBe(true); // the restart at 0 left the window
    expect(budget.tryTake(1001)).toBe(false);
    budget.reset();
    expect(budget.tryTake(1002)).toBe(true);
  });

  it("a budget of 0 never allows a restart", () => {
    expect(new RestartBudget(0, 1000).tryTake(0)).toBe(false);
  });
});
