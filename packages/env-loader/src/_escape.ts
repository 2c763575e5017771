// Anything we quote back to a terminal goes through here: a control character in a message
// could move the cursor, clear the screen or hide text (bidi overrides, "Trojan Source").
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function escapeOne(char: string): string {
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  if (char === "\t") return "\\t";
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** `text` with control, C1, bidi-override and line-separator characters written as escapes. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** `"KEY"`: a key dotenv read, as we quote it in a message (escaped). */
export function quoteKey(key: string): string {
  return `"${escapeControlCharacters(key)}"`;
}

/** Text before a "=" longer than this is shown masked: a real key is short, a long one may be a pasted secret. */
const MAX_SHOWN_CANDIDATE_CHARS = 40;

/** Like {@link quoteKey}, for text on a line dotenv did not read, which may not be a key at all. */
export function quoteKeyCandidate(text: string): string {
  const chars = Array.from(text);
  if (chars.length <= MAX_SHOWN_CANDIDATE_CHARS) return quoteKey(text);
  return `"${escapeControlCharacters(chars.slice(0, 4).join(""))}****"`;
}

/** One character, quoted so that a `"` stays readable. */
export function quoteCharacter(char: string): string {
  return char === '"' ? `'"'` : `"${escapeControlCharacters(char)}"`;
}

/**
 * The first few characters of a line that may be a pasted secret, then `****`: enough to find
 * the line, too little to leak it. Short text is masked completely.
 */
export function maskedPreview(text: string): string {
  const chars = Array.from(text);
  const shown = chars.length >= 16 ? 4 : chars.length >= 8 ? 2 : 0;
  return `"${escapeControlCharacters(chars.slice(0, shown).join(""))}****"`;
}

/** `text` quoted for a POSIX shell when it needs it, for hints such as `chmod 600 <file>`. */
export function shellQuote(text: string): string {
  if (/^[\w./@%+=:,-]+$/.test(text)) return text;
  return `'${text.replaceAll("'", "'\\''")}'`;
}
