import type { ProcfileDiagnostic } from "./_types.js";

export interface ProcfileErrorOptions {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  hint?: string;
  diagnostics?: ProcfileDiagnostic[];
  cause?: unknown;
}

/**
 * The one error this package throws. Test `error.code`, not `instanceof`: two copies of the
 * package may be loaded side by side.
 */
export class ProcfileError extends Error {
  readonly code: string;
  declare readonly file?: string;
  declare readonly line?: number;
  declare readonly column?: number;
  declare readonly hint?: string;
  readonly diagnostics: ProcfileDiagnostic[];

  constructor(options: ProcfileErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ProcfileError";
    this.code = options.code;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.column !== undefined) this.column = options.column;
    if (options.hint !== undefined) this.hint = options.hint;
    this.diagnostics = options.diagnostics ?? [];
  }
}
