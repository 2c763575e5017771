function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** "HH:MM:SS" in local time, as Ruby foreman's `Time.now.strftime("%H:%M:%S")`. */
export function formatClock(ms: number): string {
  const date = new Date(ms);
  return `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

/**
 * Formats the clock at most once per wall-clock second: every line in that second shares the
 * string, so the hot path only compares two integers.
 */
export class ClockCache {
  #second = Number.NaN;
  #text = "";

  /** The whole second `ms` falls in; prefixes are cached under this key. */
  static secondOf(ms: number): number {
    return Math.floor(ms / 1000);
  }

  textFor(second: number): string {
    if (second !== this.#second) {
      this.#second = second;
      this.#text = formatClock(second * 1000);
    }
    return this.#text;
  }
}
