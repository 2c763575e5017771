// C0 controls, DEL and C1 controls: the bytes a terminal may act on (ESC starts a sequence, and
// 0x9b is a one-byte CSI in 8-bit terminals).
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Makes untrusted text safe to print: ESC becomes `\x1b`, every other C0/C1 control and DEL
 * becomes `\xNN`. Everything else, including non-ASCII text, is kept.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

export const MAX_QUOTED_CODE_POINTS = 80;

/** Shortens to at most `maxCodePoints` code points, marking the cut with `…`. */
export function truncate(text: string, maxCodePoints: number = MAX_QUOTED_CODE_POINTS): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= maxCodePoints) return text;
  return `${codePoints.slice(0, maxCodePoints - 1).join("")}…`;
}

/** A source line as messages show it: truncated, control characters escaped, in backticks. */
export function quote(text: string): string {
  return `\`${escapeControlCharacters(truncate(text))}\``;
}
