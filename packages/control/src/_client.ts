import { createConnection, type Socket } from "node:net";
import { ControlError } from "./_error.js";
import {
  CONTROL_PROTOCOL_VERSION,
  type ControlReply,
  createMessageDecoder,
  encodeMessage,
} from "./_protocol.js";
import { connectError } from "./_server.js";

export interface ControlClientOptions {
  /** Default 5000: give up connecting after this long. */
  timeoutMs?: number;
  /** Default 64 MiB: a longer reply line drops the connection. */
  maxMessageBytes?: number;
}

export interface ControlRequestOptions {
  /** Receives each event the server sends about this request before its reply. */
  onEvent?: (event: unknown) => void;
}

export interface ControlClient {
  /** Sends one request; resolves with the reply's result, rejects with a `ControlError` carrying the server's code. */
  request(
    command: string,
    args?: Record<string, unknown>,
    options?: ControlRequestOptions,
  ): Promise<unknown>;
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>;
  close(): void;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: ControlError) => void;
  onEvent: ((event: unknown) => void) | undefined;
}

/** Connects to a control socket; a missing or dead one rejects with `CONTROL_NOT_RUNNING`. */
export function connectControl(
  path: string,
  options: ControlClientOptions = {},
): Promise<ControlClient> {
  const timeoutMs = options.timeoutMs ?? 5000;
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ControlError(
          "CONTROL_CONNECT_FAILED",
          `no answer from ${path} within ${timeoutMs} ms`,
          {
            hint: "the instance may be overloaded or stopped; try again",
          },
        ),
      );
    }, timeoutMs);
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectError(error, path));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(createClient(socket, options.maxMessageBytes ?? 64 * 1024 * 1024));
    });
  });
}

function createClient(socket: Socket, maxMessageBytes: number): ControlClient {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let isClosed = false;
  // Why the server ended the connection as a whole (an error with id 0), if it said: the
  // requests that follow, or were pending when it closed, fail with that and not a bare "closed".
  let connectionError: ControlError | undefined;
  const failAll = (error: ControlError): void => {
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  const onClose = (): void => {
    if (isClosed) return;
    isClosed = true;
    failAll(
      connectionError ??
        new ControlError(
          "CONTROL_CONNECTION_CLOSED",
          "the instance closed the connection before answering",
          {
            hint: "it may have stopped meanwhile",
          },
        ),
    );
    resolveClosed();
  };
  socket.on("close", onClose);
  socket.on("error", () => onClose());
  const decoder = createMessageDecoder({
    maxMessageBytes,
    onError: (error) => {
      failAll(error);
      socket.destroy();
    },
    onMessage: (message) => {
      if (typeof message !== "object" || message === null) return;
      const id = (message as { id?: unknown }).id;
      const entry = typeof id === "number" ? pending.get(id) : undefined;
      if (entry === undefined) {
        // id 0: the server rejected the connection as a whole (a malformed line, a peer of
        // another uid); it may come before any request was sent.
        const reply = message as Partial<ControlReply & { ok: false }>;
        if (id === 0 && reply.ok === false && reply.error !== undefined) {
          connectionError ??= new ControlError(
            reply.error.code,
            reply.error.message,
            typeof reply.error.hint === "string" ? { hint: reply.error.hint } : {},
          );
          failAll(connectionError);
        }
        return;
      }
      if ("event" in message) {
        entry.onEvent?.((message as { event: unknown }).event);
        return;
      }
      pending.delete(id as number);
      const reply = message as ControlReply;
      if (reply.ok) entry.resolve(reply.result);
      else
        entry.reject(
          new ControlError(
            reply.error.code,
            reply.error.message,
            reply.error.hint === undefined ? {} : { hint: reply.error.hint },
          ),
        );
    },
  });
  socket.on("data", (chunk: Buffer) => decoder.push(chunk));

  return {
    request(command, args = {}, options = {}) {
      return new Promise((resolve, reject) => {
        if (connectionError !== undefined || isClosed) {
          reject(
            connectionError ??
              new ControlError("CONTROL_CONNECTION_CLOSED", "the control connection is closed"),
          );
          return;
        }
        const id = nextId++;
        pending.set(id, { resolve, reject, onEvent: options.onEvent });
        socket.write(encodeMessage({ v: CONTROL_PROTOCOL_VERSION, id, command, args }));
      });
    },
    closed,
    close() {
      socket.end();
      // Do not wait for a server that keeps writing (a followed log) to notice.
      socket.destroy();
    },
  };
}
