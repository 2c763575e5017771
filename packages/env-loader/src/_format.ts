import { escapeControlCharacters } from "./_escape.js";
import type { EnvDiagnostic } from "./_types.js";

/**
 * `<file>:<line>:<column>: <severity>: <message>; <hint>`, one line, control characters
 * escaped. The position is left out where there is none (`line: 0` is about the whole file),
 * the file where the diagnostic has none.
 */
export function formatDiagnostic(diagnostic: EnvDiagnostic): string {
  const position = diagnostic.line > 0 ? [String(diagnostic.line), String(diagnostic.column)] : [];
  const where = [...(diagnostic.file === undefined ? [] : [diagnostic.file]), ...position].join(
    ":",
  );
  const hint =
    diagnostic.hint === undefined || diagnostic.hint === "" ? "" : `; ${diagnostic.hint}`;
  const text = `${where === "" ? "" : `${where}: `}${diagnostic.severity}: ${diagnostic.message}${hint}`;
  return escapeControlCharacters(text);
}
