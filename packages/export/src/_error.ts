export type ExportErrorCode =
  | "EXPORT_UNKNOWN_FORMAT"
  | "EXPORT_NOT_SINGLE_FILE"
  | "EXPORT_BAD_TEMPLATE"
  | "EXPORT_UNKNOWN_TEMPLATE"
  | "EXPORT_BAD_ENV_KEY"
  | "EXPORT_UNREPRESENTABLE_VALUE"
  | "EXPORT_BAD_PATH"
  | "EXPORT_BAD_USER"
  | "EXPORT_BAD_NAME"
  | "EXPORT_NAME_COLLISION"
  | "EXPORT_BAD_OPTION"
  | "EXPORT_NO_PROCESSES";

export interface ExportErrorOptions {
  hint?: string;
  /** The template, as `<format>/<file>`, for template errors. */
  template?: string;
  /** 1-based line in the template. */
  line?: number;
  cause?: unknown;
}

/** The one error class of this package. Test `error.code`, not `instanceof` (two copies may be loaded). */
export class ExportError extends Error {
  override readonly name: string = "ExportError";
  readonly code: ExportErrorCode;
  readonly hint?: string;
  readonly template?: string;
  readonly line?: number;

  constructor(code: ExportErrorCode, message: string, options: ExportErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
    if (options.template !== undefined) this.template = options.template;
    if (options.line !== undefined) this.line = options.line;
  }
}
