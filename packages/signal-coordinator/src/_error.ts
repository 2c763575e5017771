export interface SignalCoordinatorErrorOptions {
  code: string;
  message: string;
  hint?: string;
  cause?: unknown;
}

/**
 * The one error this package throws. Test `error.code`, not `instanceof`: two copies of the
 * package may be loaded side by side.
 */
export class SignalCoordinatorError extends Error {
  readonly code: string;
  readonly hint?: string;

  constructor(options: SignalCoordinatorErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SignalCoordinatorError";
    this.code = options.code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
