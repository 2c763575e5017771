export { assertValidProcfile } from "./_assert.js";
export { ProcfileError, type ProcfileErrorOptions } from "./_error.js";
export { escapeControlCharacters } from "./_escape.js";
export { formatDiagnostic, formatProcfile } from "./_format.js";
export { MAX_PROCESS_NAME_LENGTH, parseProcfile } from "./_parse.js";
export { DEFAULT_MAX_PROCFILE_BYTES, readProcfile } from "./_read.js";
export type {
  ParseProcfileOptions,
  ParseProcfileResult,
  ProcfileCode,
  ProcfileDiagnostic,
  ProcfileEntry,
  ReadProcfileOptions,
  ReadProcfileResult,
  Severity,
} from "./_types.js";
