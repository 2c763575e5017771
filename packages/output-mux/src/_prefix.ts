import { RESET } from "./_colors.js";

export interface PrefixParts {
  /** "HH:MM:SS", or undefined when timestamps are off. */
  clock: string | undefined;
  name: string;
  nameWidth: number;
  /** An SGR sequence, or undefined for no colour. */
  color: string | undefined;
}

/**
 * `HH:MM:SS web.1  | ` — the colour (when given) wraps the whole prefix and is reset before the
 * message, so a child's own escape sequences never inherit it.
 */
export function prefixText(parts: PrefixParts): string {
  const clock = parts.clock === undefined ? "" : `${parts.clock} `;
  const body = `${clock}${parts.name.padEnd(parts.nameWidth, " ")} | `;
  return parts.color === undefined ? body : `${parts.color}${body}${RESET}`;
}

const encoder = new TextEncoder();

/**
 * A plain Uint8Array rather than a Buffer: V8's TypedArray builtins (`set`, `copyWithin`) take a
 * faster path for plain Uint8Arrays than for Buffer's subclass.
 */
export function prefixBytes(parts: PrefixParts): Uint8Array {
  return encoder.encode(prefixText(parts));
}

/** Ruby foreman pads names to the longest "web.1"-style name, but never below 6. */
export function nameWidthFor(names: readonly string[]): number {
  let width = 6;
  for (const name of names) if (name.length > width) width = name.length;
  return width;
}
