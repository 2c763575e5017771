import { resolve } from "node:path";
import { escapeControlCharacters, quoteKey, shellQuote } from "./_escape.js";
import { expandValue, hasReference, type Lookup, resolveEscapes } from "./_expand.js";
import { type EnvScan, scanEnv } from "./_parse.js";
import { DEFAULT_MAX_ENV_BYTES, readEnvFile } from "./_read.js";
import type {
  EnvDiagnostic,
  EnvFileSpec,
  EnvSource,
  LoadEnvOptions,
  LoadEnvResult,
} from "./_types.js";

/** `record[key] = value`, also for the one key a plain assignment cannot create. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(record, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else record[key] = value;
}

function permissionsWarning(shown: string, mode: number): EnvDiagnostic | undefined {
  // Windows has no such bits worth reading.
  if (process.platform === "win32" || (mode & 0o044) === 0) return undefined;
  const who =
    (mode & 0o040) !== 0 && (mode & 0o004) !== 0
      ? "its group and all users"
      : (mode & 0o040) !== 0
        ? "its group"
        : "all users";
  return {
    severity: "warning",
    code: "ENV_FILE_PERMISSIONS",
    message: `${escapeControlCharacters(shown)} can be read by ${who} (mode ${(mode & 0o777).toString(8).padStart(3, "0")}); env files often hold secrets`,
    file: shown,
    line: 0,
    column: 0,
    hint: `chmod 600 ${escapeControlCharacters(shellQuote(shown))}`,
  };
}

interface Precedence {
  inherit: Map<string, string>;
  /** Expanded values from the files so far (across files): dotenv-expand's `runningParsed`. */
  fileValues: Map<string, string>;
  override: boolean;
  expand: boolean;
  maxBytes: number;
}

/** Expands one file's values in dotenv's key order, as dotenv-expand's `expand` loop does. */
function applyFile(
  scan: EnvScan,
  shown: string,
  state: Precedence,
  report: (d: EnvDiagnostic) => void,
): void {
  const { inherit, fileValues, override } = state;
  const running: Lookup = (name) => fileValues.get(name);
  // dotenv-expand looks names up in `{ ...runningParsed, ...processEnv }`: the environment wins.
  // With override (our default) the files win, as they do for the values themselves.
  const lookup: Lookup = override
    ? (name) => fileValues.get(name) ?? inherit.get(name)
    : (name) => (inherit.has(name) ? inherit.get(name) : fileValues.get(name));

  for (const key of Object.keys(scan.vars)) {
    const raw = scan.vars[key]!;
    const definition = scan.definitions.get(key);
    const where = {
      file: shown,
      line: definition?.line ?? 0,
      column: definition?.column ?? 0,
      key,
    };
    const inherited = inherit.get(key);
    let value: string;
    if (!override && inherited && inherited !== raw) {
      // dotenv-expand's short-circuit: a non-empty inherited value wins, unexpanded.
      value = state.expand ? resolveEscapes(inherited) : inherited;
    } else if (!state.expand) {
      value = raw;
    } else {
      const expanded = expandValue(raw, lookup, running, state.maxBytes);
      value = resolveEscapes(expanded.looped ? raw : expanded.value);
      if (expanded.looped) {
        report({
          severity: "error",
          code: "ENV_EXPANSION_LOOP",
          message: `expanding the value of ${quoteKey(key)} does not settle (a variable keeps expanding into itself); it was left unexpanded`,
          ...where,
          hint: 'look for a value that contains an escaped "\\$" reference to itself',
        });
      } else if (expanded.undefinedReferences > 0) {
        const count = expanded.undefinedReferences;
        report({
          severity: "warning",
          code: "ENV_UNDEFINED_VARIABLE",
          message: `the value of ${quoteKey(key)} refers to ${count === 1 ? "a variable that is" : `${count} variables that are`} not set; ${count === 1 ? "it expands" : "they expand"} to an empty string`,
          ...where,
          hint: 'define it earlier (above, in an earlier file or in the environment), give a default with ${NAME:-default}, or write \\$ for a literal "$"',
        });
      }
      if (definition?.quote === "'" && hasReference(raw)) {
        report({
          severity: "warning",
          code: "ENV_SINGLE_QUOTE_EXPANDED",
          message: `the value of ${quoteKey(key)} is in single quotes but holds a "$" reference, which is expanded anyway (unlike in a shell)`,
          ...where,
          hint: 'write \\$ for a literal "$"',
        });
      }
    }
    fileValues.set(key, value);
  }
}

/** A file's text as read, with what `combineEnvFiles` needs to describe it. */
export interface LoadedEnvFile {
  /** As the caller named it (used in diagnostics). */
  shown: string;
  /** Absolute path (used in `sources`). */
  path: string;
  text: string;
  /** `stat.mode`, for the permissions warning; leave out to skip it. */
  mode?: number;
}

export type CombineEnvOptions = Omit<LoadEnvOptions, "cwd">;

/** Everything `loadEnv` does after reading: parse, precedence, expansion, sources. Pure. */
export function combineEnvFiles(
  files: LoadedEnvFile[],
  options: CombineEnvOptions = {},
): LoadEnvResult {
  const inherit = new Map<string, string>();
  for (const [key, value] of Object.entries(options.inherit ?? {})) {
    if (value !== undefined) inherit.set(key, value);
  }
  const state: Precedence = {
    inherit,
    fileValues: new Map(),
    override: options.override ?? true,
    expand: options.expand ?? true,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_ENV_BYTES,
  };
  const sources = new Map<string, EnvSource>();
  const diagnostics: EnvDiagnostic[] = [];

  for (const file of files) {
    const fileDiagnostics: EnvDiagnostic[] = [];
    const permissions =
      file.mode === undefined ? undefined : permissionsWarning(file.shown, file.mode);
    if (permissions !== undefined) fileDiagnostics.push(permissions);
    const scan = scanEnv(file.text, { filename: file.shown });
    fileDiagnostics.push(...scan.diagnostics);
    applyFile(scan, file.shown, state, (diagnostic) => fileDiagnostics.push(diagnostic));
    fileDiagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    diagnostics.push(...fileDiagnostics);
    for (const key of Object.keys(scan.vars)) {
      sources.set(key, { key, file: file.path, line: scan.lines[key] ?? 0 });
    }
  }

  const vars: Record<string, string> = {};
  const env: Record<string, string> = {};
  for (const [key, value] of inherit) setOwn(env, key, value);
  for (const [key, value] of state.fileValues) {
    setOwn(vars, key, value);
    setOwn(env, key, value);
  }
  const sourcesRecord: Record<string, EnvSource> = {};
  for (const [key, source] of sources) setOwn(sourcesRecord, key, source);
  return { env, vars, sources: sourcesRecord, files: files.map((file) => file.path), diagnostics };
}

/**
 * Reads env files in order (a later file wins), expands `$VAR`, `${VAR}`, `${VAR:-default}`…
 * as dotenv-expand 12 does, and says which file and line set every variable. Never touches
 * `process.env`. Throws an {@link EnvError} only when a file cannot be read as text.
 */
export async function loadEnv(
  files: EnvFileSpec[],
  options: LoadEnvOptions,
): Promise<LoadEnvResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_ENV_BYTES;
  const loaded: LoadedEnvFile[] = [];
  for (const spec of files) {
    const shown = typeof spec === "string" ? spec : spec.path;
    const optional = typeof spec === "string" ? false : (spec.optional ?? false);
    const path = resolve(options.cwd, shown);
    const file = await readEnvFile(path, shown, { optional, maxBytes });
    if (file !== undefined) loaded.push({ shown, path, text: file.text, mode: file.mode });
  }
  const { cwd: _cwd, ...rest } = options;
  return combineEnvFiles(loaded, rest);
}
