/** Stable codes a caller can test instead of using `instanceof` (two copies of the package may be loaded). */
export type OutputMuxErrorCode = "OUTPUT_MUX_INVALID_OPTION" | "OUTPUT_MUX_WRITE_FAILED";

export interface OutputMuxErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class OutputMuxError extends Error {
  readonly code: OutputMuxErrorCode;
  readonly hint: string | undefined;

  constructor(code: OutputMuxErrorCode, message: string, options: OutputMuxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "OutputMuxError";
    this.code = code;
    this.hint = options.hint;
  }
}
