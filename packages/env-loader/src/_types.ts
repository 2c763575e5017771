export type Severity = "error" | "warning";

/**
 * One problem found in an env file. Nothing here ever holds a value from the file: keys are
 * quoted, values are masked (see README "Secrets").
 */
export interface EnvDiagnostic {
  severity: Severity;
  /** Stable identifier, e.g. `ENV_DUPLICATE_KEY`; see {@link EnvDiagnosticCode}. */
  code: string;
  message: string;
  /** The file as the caller named it (set by `loadEnv`, or by `parseEnv` from `options.filename`). */
  file?: string;
  /** 1-based; 0 when the diagnostic is about the whole file (e.g. its permissions). */
  line: number;
  /** 1-based, counted in Unicode code points; 0 with `line: 0`. */
  column: number;
  hint?: string;
  /** The key the diagnostic is about, when there is one. */
  key?: string;
}

export interface ParseEnvOptions {
  /** Set as `diagnostic.file`. */
  filename?: string;
}

export interface ParseEnvResult {
  /** Exactly what `dotenv.parse` returns for the same text (unexpanded). */
  vars: Record<string, string>;
  diagnostics: EnvDiagnostic[];
  /** 1-based line where each key's winning (last) definition starts. */
  lines: Record<string, number>;
}

/** A path (resolved against `cwd`), or `{ path, optional: true }` for a default file that may be absent. */
export type EnvFileSpec = string | { path: string; optional?: boolean };

export interface LoadEnvOptions {
  /** Relative paths resolve against this. */
  cwd: string;
  /** The environment the child would inherit (e.g. `process.env`). Default `{}`. `undefined` values count as unset. */
  inherit?: Record<string, string | undefined>;
  /** Expand `$VAR`, `${VAR}`, `${VAR:-default}`… as dotenv-expand 12 does. Default `true`. */
  expand?: boolean;
  /**
   * Default `true`: file values beat inherited ones (as Ruby foreman). `false`: an inherited
   * non-empty value wins (as dotenv + dotenv-expand; an empty inherited value counts as unset).
   */
  override?: boolean;
  /** Refuse a file larger than this. Default 1 MiB (1_048_576). */
  maxBytes?: number;
}

export interface EnvSource {
  key: string;
  /** Absolute path. */
  file: string;
  /** 1-based line where the winning definition starts. */
  line: number;
}

export interface LoadEnvResult {
  /** `inherit` merged with the files' variables per precedence, expanded: what a child process gets. */
  env: Record<string, string>;
  /** Only the keys the files define, after expansion and precedence; `vars[k] === env[k]` always. */
  vars: Record<string, string>;
  /** For every key in `vars`: the file and line of its winning definition (even when `override: false` let an inherited value win). */
  sources: Record<string, EnvSource>;
  /** Absolute paths actually read, in order (missing optional files excluded). */
  files: string[];
  /** From every file, each with `file` set. */
  diagnostics: EnvDiagnostic[];
}

/** Codes of diagnostics (results, never thrown). */
export type EnvDiagnosticCode =
  | "ENV_BOM"
  | "ENV_SPACE_AROUND_EQUALS"
  | "ENV_COLON_SEPARATOR"
  | "ENV_VALUE_ON_NEXT_LINE"
  | "ENV_UNTERMINATED_QUOTE"
  | "ENV_TEXT_AFTER_QUOTE"
  | "ENV_INLINE_HASH"
  | "ENV_SUSPICIOUS_MULTILINE"
  | "ENV_INVALID_KEY"
  | "ENV_NONPORTABLE_KEY"
  | "ENV_MISSING_EQUALS"
  | "ENV_MERGE_CONFLICT_MARKER"
  | "ENV_DUPLICATE_KEY"
  | "ENV_FILE_PERMISSIONS"
  | "ENV_UNDEFINED_VARIABLE"
  | "ENV_SINGLE_QUOTE_EXPANDED"
  | "ENV_EXPANSION_LOOP";

/** Codes of thrown {@link EnvError}s. */
export type EnvErrorCode =
  | "ENV_FILE_NOT_FOUND"
  | "ENV_FILE_IS_DIRECTORY"
  | "ENV_FILE_NOT_A_FILE"
  | "ENV_FILE_UNREADABLE"
  | "ENV_FILE_TOO_LARGE"
  | "ENV_FILE_INVALID_UTF8"
  | "ENV_FILE_BINARY";
