/**
 * Colour: an explicit flag (or `.foreman` value) wins; then FORCE_COLOR (as Node itself, it beats
 * NO_COLOR), then NO_COLOR (any non-empty value), then whether stdout is a terminal.
 */
export function shouldColor(
  option: boolean | undefined,
  env: Record<string, string | undefined>,
  isTty: boolean,
): boolean {
  if (option !== undefined) return option;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === "0" || force === "false");
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return isTty;
}
