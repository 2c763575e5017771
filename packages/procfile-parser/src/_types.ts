export type Severity = "error" | "warning";

export interface ProcfileEntry {
  name: string;
  command: string;
  /** 1-based line number of the entry in the source. */
  line: number;
}

export interface ProcfileDiagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `PROCFILE_MISSING_COLON`; see {@link ProcfileCode}. */
  code: string;
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based, counted in Unicode code points. */
  column: number;
  hint?: string;
  file?: string;
}

export interface ParseProcfileOptions {
  /** Used in error messages and set as `diagnostic.file`. */
  filename?: string;
}

export interface ParseProcfileResult {
  entries: ProcfileEntry[];
  diagnostics: ProcfileDiagnostic[];
}

export interface ReadProcfileOptions {
  /** Refuse files larger than this. Default 1 MiB (1_048_576). */
  maxBytes?: number;
}

export type ReadProcfileResult = { path: string; source: string } & ParseProcfileResult;

/** Every code this package emits, as a diagnostic or as a thrown {@link ProcfileError}. */
export type ProcfileCode =
  | "PROCFILE_MISSING_COLON"
  | "PROCFILE_SPACE_BEFORE_COLON"
  | "PROCFILE_EMPTY_COMMAND"
  | "PROCFILE_INVALID_NAME"
  | "PROCFILE_MERGE_CONFLICT"
  | "PROCFILE_TEMPLATE_TAG"
  | "PROCFILE_YAML_BLOCK"
  | "PROCFILE_LINE_CONTINUATION"
  | "PROCFILE_DUPLICATE_NAME"
  | "PROCFILE_NO_PROCESSES"
  | "PROCFILE_BINARY"
  | "PROCFILE_INDENTED_ENTRY"
  | "PROCFILE_LONG_NAME"
  | "PROCFILE_INVALID_ENTRY"
  | "PROCFILE_NOT_FOUND"
  | "PROCFILE_IS_DIRECTORY"
  | "PROCFILE_NOT_A_FILE"
  | "PROCFILE_UNREADABLE"
  | "PROCFILE_TOO_LARGE"
  | "PROCFILE_INVALID_UTF8";
