import { dirname, join, relative, resolve } from "node:path";
import {
  type EnvDiagnostic,
  type EnvFileSpec,
  type LoadEnvResult,
  loadEnv,
} from "@foreman/env-loader";
import {
  type ProcfileDiagnostic,
  type ProcfileEntry,
  readProcfile,
} from "@foreman/procfile-parser";
import type { PolicyDiagnostic } from "@foreman/supervisor";
import type { OptionValue } from "./_args.js";
import { CliError, escapeControl, isCodedError } from "./_errors.js";

/** Where the Procfile, the working directory of the processes and the `.env` files are. */
export interface ProjectPaths {
  procfile: string;
  root: string;
  envFiles: EnvFileSpec[];
}

export function resolvePaths(options: Record<string, OptionValue>, cwd: string): ProjectPaths {
  const rootOption = typeof options.root === "string" ? resolve(cwd, options.root) : undefined;
  // As Ruby foreman: -f wins; with only -d the Procfile is looked for in the root.
  const procfile =
    typeof options.procfile === "string"
      ? resolve(cwd, options.procfile)
      : rootOption !== undefined
        ? join(rootOption, "Procfile")
        : resolve(cwd, "Procfile");
  const root = rootOption ?? dirname(procfile);
  const named = Array.isArray(options.env)
    ? options.env
        .flatMap((value) => value.split(","))
        .map((v) => v.trim())
        .filter((v) => v !== "")
    : [];
  const envFiles: EnvFileSpec[] =
    named.length > 0
      ? named.map((file) => resolve(cwd, file))
      : [{ path: join(root, ".env"), optional: true }];
  return { procfile, root, envFiles };
}

/** A problem in the Procfile, a `.env` file, or the `processes:` settings of `.foreman`. */
export type Diagnostic = ProcfileDiagnostic | EnvDiagnostic | PolicyDiagnostic;

export function describeDiagnostic(d: Diagnostic, cwd: string): string {
  const hint = d.hint === undefined ? "" : `; ${d.hint}`;
  return escapeControl(`${diagnosticHeadline(d, cwd)}${hint}`);
}

/** `<what>, <where>` for a diagnostic; line 0 means the whole file. */
function diagnosticHeadline(d: Diagnostic, cwd: string): string {
  const file = d.file === undefined ? "" : displayPath(d.file, cwd);
  const where =
    d.line === 0 ? file : file === "" ? `line ${d.line}` : `${file}:${d.line}:${d.column}`;
  const prefix = d.severity === "warning" ? "warning: " : "";
  return `${prefix}${d.message}${where === "" ? "" : `, ${where}`}`;
}

export function displayPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== "" && !rel.startsWith("..") ? rel : path;
}

export interface LoadedProcfile {
  path: string;
  entries: ProcfileEntry[];
  diagnostics: ProcfileDiagnostic[];
}

/** Reads and parses the Procfile; file problems (missing, directory, FIFO, binary…) throw one CliError. */
export async function loadProcfile(path: string, cwd: string): Promise<LoadedProcfile> {
  try {
    const result = await readProcfile(path);
    return { path, entries: result.entries, diagnostics: result.diagnostics };
  } catch (error) {
    throw fromPackageError(error, cwd, path);
  }
}

export async function loadEnvironment(
  paths: ProjectPaths,
  cwd: string,
  inherit: Record<string, string | undefined>,
): Promise<LoadEnvResult> {
  try {
    return await loadEnv(paths.envFiles, { cwd, inherit });
  } catch (error) {
    const firstFile = paths.envFiles[0];
    throw fromPackageError(error, cwd, typeof firstFile === "string" ? firstFile : firstFile?.path);
  }
}

/** Turns the packages' coded errors into the CLI's one-line form; anything else is a bug and rethrown. */
export function fromPackageError(error: unknown, cwd: string, fallbackFile?: string): unknown {
  if (!isCodedError(error) || error instanceof CliError) return error;
  const file = (error as { file?: unknown }).file;
  const line = (error as { line?: unknown }).line;
  const shown =
    typeof file === "string"
      ? displayPath(file, cwd)
      : fallbackFile === undefined
        ? undefined
        : displayPath(fallbackFile, cwd);
  const where = shown === undefined ? "" : typeof line === "number" ? `${shown}:${line}` : shown;
  // Package messages often already name the file; do not say it twice.
  const message =
    where !== "" && !error.message.includes(shown ?? "\u0000")
      ? `${error.message}, ${where}`
      : error.message;
  return new CliError(
    error.code,
    message,
    error.hint === undefined ? { cause: error } : { hint: error.hint, cause: error },
  );
}

export function errorsIn(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === "error");
}

export function throwIfErrors(diagnostics: readonly Diagnostic[], cwd: string): void {
  const errors = errorsIn(diagnostics);
  if (errors.length === 0) return;
  // One line, as for every bad input; `foreman check` is the place that lists them all.
  const first = errors[0] as Diagnostic;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more: run \`foreman check\`)` : "";
  throw new CliError(
    first.code,
    `${escapeControl(diagnosticHeadline(first, cwd))}${more}`,
    first.hint === undefined ? {} : { hint: first.hint },
  );
}
