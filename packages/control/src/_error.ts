export type ControlErrorCode =
  | "CONTROL_NOT_RUNNING"
  | "CONTROL_ALREADY_RUNNING"
  | "CONTROL_UNSAFE_DIRECTORY"
  | "CONTROL_DIRECTORY_FAILED"
  | "CONTROL_PATH_TOO_LONG"
  | "CONTROL_PERMISSION_DENIED"
  | "CONTROL_CONNECT_FAILED"
  | "CONTROL_LISTEN_FAILED"
  | "CONTROL_CONNECTION_CLOSED"
  | "CONTROL_BAD_MESSAGE"
  | "CONTROL_PROTOCOL_MISMATCH"
  | "CONTROL_PEER_REFUSED"
  | "CONTROL_HANDLER_FAILED";

export interface ControlErrorOptions {
  hint?: string;
  cause?: unknown;
}

/**
 * The one error class of this package. A reply that carries an error from the other side keeps
 * that side's `code` (e.g. a handler's `SUPERVISOR_UNKNOWN_PROCESS`), so `code` is a string.
 * Test `error.code`, not `instanceof` (two copies may be loaded).
 */
export class ControlError extends Error {
  override readonly name: string = "ControlError";
  readonly code: string;
  readonly hint?: string;

  constructor(
    code: ControlErrorCode | (string & {}),
    message: string,
    options: ControlErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.hint !== undefined) this.hint = options.hint;
  }
}
