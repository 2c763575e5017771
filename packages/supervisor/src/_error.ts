export type SupervisorErrorCode =
  | "SUPERVISOR_UNKNOWN_PROCESS"
  | "SUPERVISOR_NOT_READY"
  | "SUPERVISOR_SHUTTING_DOWN"
  | "SUPERVISOR_BAD_SCALE";

export interface SupervisorErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** The one error class of this package. Test `error.code`, not `instanceof` (two copies may be loaded). */
export class SupervisorError extends Error {
  override readonly name: string = "SupervisorError";
  readonly code: string;
  readonly hint?: string;

  constructor(code: SupervisorErrorCode, message: string, options: SupervisorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
