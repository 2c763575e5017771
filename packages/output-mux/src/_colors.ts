/** SGR escape sequences in Ruby foreman's order: cyan, yellow, green, magenta, red, blue. */
export const PROCESS_COLORS: readonly string[] = Object.freeze([
  "\x1b[36m",
  "\x1b[33m",
  "\x1b[32m",
  "\x1b[35m",
  "\x1b[31m",
  "\x1b[34m",
]);

/** Bold white: the "system" name stands apart from every process colour. */
export const SYSTEM_COLOR: string = "\x1b[1;37m";

export const RESET: string = "\x1b[0m";

/** The colour for a process index, cycling through PROCESS_COLORS (negative indexes cycle too). */
export function processColor(colorIndex: number): string {
  const n = PROCESS_COLORS.length;
  return PROCESS_COLORS[((colorIndex % n) + n) % n]!;
}
