export interface EnvErrorOptions {
  code: string;
  message: string;
  /** The file as the caller named it. */
  file?: string;
  /** The absolute path. */
  path?: string;
  line?: number;
  hint?: string;
  cause?: unknown;
}

/**
 * The one error this package throws (only `loadEnv` throws, and only when a file cannot be
 * read as text). Test `error.code`, not `instanceof`: two copies of the package may be loaded.
 */
export class EnvError extends Error {
  readonly code: string;
  // `declare`: an absent field stays absent (a class field would be an own `undefined`).
  declare readonly file?: string;
  declare readonly path?: string;
  declare readonly line?: number;
  declare readonly hint?: string;

  constructor(options: EnvErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "EnvError";
    this.code = options.code;
    const self = this as { file?: string; path?: string; line?: number; hint?: string };
    if (options.file !== undefined) self.file = options.file;
    if (options.path !== undefined) self.path = options.path;
    if (options.line !== undefined) self.line = options.line;
    if (options.hint !== undefined) self.hint = options.hint;
  }
}
