/**
 * The delay before automatic restart number `consecutive + 1` of a run of failures: `initialMs`,
 * doubling each time, never above `maxMs`. `consecutive` goes back to 0 once a process has stayed
 * up long enough (see `stableAfterMs`), so one crash a day always waits `initialMs`.
 */
export function restartDelayMs(consecutive: number, initialMs: number, maxMs: number): number {
  if (consecutive <= 0) return Math.min(initialMs, maxMs);
  // 2^31 overflows nothing in floating point, but stop doubling once past the cap.
  const doublings = Math.min(consecutive, 40);
  return Math.min(initialMs * 2 ** doublings, maxMs);
}

/**
 * At most `max` automatic restarts within any `windowMs`: a process that crashes in a loop is
 * marked failed instead of restarting forever.
 */
export class RestartBudget {
  readonly max: number;
  readonly windowMs: number;
  #times: number[] = [];

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** Records a restart at `nowMs` and returns true, or returns false when the budget is spent. */
  tryTake(nowMs: number): boolean {
    this.#times = this.#times.filter((t) => nowMs - t < this.windowMs);
    if (this.#times.length >= this.max) return false;
    this.#times.push(nowMs);
    return true;
  }

  /** Restarts counted in the window ending at `nowMs`. */
  used(nowMs: number): number {
    return this.#times.filter((t) => nowMs - t < this.windowMs).length;
  }

  reset(): void {
    this.#times = [];
  }
}
