export type SpawnErrorCode =
  | "SPAWN_CWD_NOT_FOUND"
  | "SPAWN_CWD_NOT_DIRECTORY"
  | "SPAWN_CWD_NOT_ACCESSIBLE"
  | "SPAWN_SHELL_NOT_FOUND"
  | "SPAWN_SHELL_NOT_EXECUTABLE"
  | "SPAWN_LIMIT"
  | "SPAWN_INVALID_SPEC"
  | "SPAWN_UNKNOWN_SIGNAL"
  | "SPAWN_FAILED";

export interface SpawnErrorOptions {
  processName: string;
  hint?: string;
  cause?: unknown;
}

/** The one error class of this package. Test `error.code`, not `instanceof` (two copies may be loaded). */
export class SpawnError extends Error {
  override readonly name: string = "SpawnError";
  readonly code: string;
  readonly processName: string;
  readonly hint?: string;

  constructor(code: SpawnErrorCode, message: string, options: SpawnErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.processName = options.processName;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
