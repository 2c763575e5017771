import { ProcfileError } from "./_error.js";
import { escapeControlCharacters } from "./_escape.js";
import { formatLocation } from "./_format.js";
import { parseProcfile } from "./_parse.js";
import type { ParseProcfileOptions, ProcfileDiagnostic, ProcfileEntry } from "./_types.js";

/** The error for a parse that has at least one error diagnostic: built from the first one. */
export function errorFromDiagnostics(diagnostics: ProcfileDiagnostic[]): ProcfileError | undefined {
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  const first = errors[0];
  if (first === undefined) return undefined;
  const more = errors.length - 1;
  const suffix = more === 0 ? "" : ` (and ${more} more error${more === 1 ? "" : "s"})`;
  const error = new ProcfileError({
    code: first.code,
    message: escapeControlCharacters(`${formatLocation(first)}: ${first.message}${suffix}`),
    line: first.line,
    column: first.column,
    diagnostics,
    ...(first.file === undefined ? {} : { file: first.file }),
    ...(first.hint === undefined ? {} : { hint: first.hint }),
  });
  return error;
}

/**
 * Parses and returns the entries, or throws a ProcfileError built from the first error
 * diagnostic (its `diagnostics` holds all of them). Warnings do not throw.
 */
export function assertValidProcfile(
  source: string,
  options?: ParseProcfileOptions,
): ProcfileEntry[] {
  const { entries, diagnostics } = parseProcfile(source, options);
  const error = errorFromDiagnostics(diagnostics);
  if (error !== undefined) throw error;
  return entries;
}
