import { ControlError } from "./_error.js";

/** Sent in every request; a server answers a request of another version with an error. */
export const CONTROL_PROTOCOL_VERSION = 1;

/** One line from client to server. */
export interface ControlRequest {
  v: number;
  /** Chosen by the client, unique per connection; every message about the request repeats it. */
  id: number;
  command: string;
  args: Record<string, unknown>;
}

export interface ControlErrorPayload {
  code: string;
  message: string;
  hint?: string;
}

/** The last message about a request: its result or its error. */
export type ControlReply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: ControlErrorPayload };

/** Any number of these may come before the reply (progress, followed log lines). */
export interface ControlEvent {
  id: number;
  event: unknown;
}

export type ControlMessage = ControlReply | ControlEvent;

/** One message as one line: JSON escapes every newline inside strings, so `\n` only ends it. */
export function encodeMessage(message: ControlRequest | ControlMessage): string {
  return `${JSON.stringify(message)}\n`;
}

export interface MessageDecoder {
  push(chunk: Buffer): void;
}

/**
 * Splits a byte stream into JSON lines. A line longer than `maxMessageBytes`, or one that is not
 * JSON, calls `onError` once; the caller then drops the connection (there is no way to resync).
 */
export function createMessageDecoder(options: {
  maxMessageBytes: number;
  onMessage: (message: unknown) => void;
  onError: (error: ControlError) => void;
}): MessageDecoder {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let failed = false;
  const fail = (error: ControlError): void => {
    failed = true;
    pending = [];
    pendingBytes = 0;
    options.onError(error);
  };
  return {
    push(chunk: Buffer): void {
      if (failed) return;
      let start = 0;
      for (;;) {
        const newline = chunk.indexOf(0x0a, start);
        if (newline === -1) break;
        const piece = chunk.subarray(start, newline);
        const line =
          pendingBytes === 0
            ? piece
            : Buffer.concat([...pending, piece], pendingBytes + piece.length);
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        if (line.length > options.maxMessageBytes) {
          fail(tooLong(options.maxMessageBytes));
          return;
        }
        if (line.length === 0) continue;
        let message: unknown;
        try {
          message = JSON.parse(line.toString("utf8"));
        } catch (error) {
          fail(
            new ControlError(
              "CONTROL_BAD_MESSAGE",
              "the control connection sent a line that is not JSON",
              {
                cause: error,
              },
            ),
          );
          return;
        }
        options.onMessage(message);
        if (failed) return;
      }
      if (start < chunk.length) {
        const rest = chunk.subarray(start);
        pending.push(rest);
        pendingBytes += rest.length;
        if (pendingBytes > options.maxMessageBytes) fail(tooLong(options.maxMessageBytes));
      }
    },
  };
}

function tooLong(maxMessageBytes: number): ControlError {
  return new ControlError(
    "CONTROL_BAD_MESSAGE",
    `a control message is longer than ${maxMessageBytes} bytes`,
    { hint: "messages are one JSON object per line" },
  );
}

export function isRequest(value: unknown): value is ControlRequest {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<ControlRequest>;
  return (
    typeof r.id === "number" &&
    typeof r.command === "string" &&
    (r.args === undefined ||
      (typeof r.args === "object" && r.args !== null && !Array.isArray(r.args)))
  );
}

/** The wire form of a thrown error: its own `code`, `message` and `hint` when it has them. */
export function errorPayload(error: unknown): ControlErrorPayload {
  if (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  ) {
    const coded = error as { code: string; message: string; hint?: unknown };
    return typeof coded.hint === "string"
      ? { code: coded.code, message: coded.message, hint: coded.hint }
      : { code: coded.code, message: coded.message };
  }
  return {
    code: "CONTROL_HANDLER_FAILED",
    message: error instanceof Error ? error.message : String(error),
  };
}
