import { chmod, lstat, unlink } from "node:fs/promises";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { ControlError } from "./_error.js";
import { checkSocketPathLength, currentUid, ensureControlDirectory } from "./_paths.js";
import { findSs, lookupPeerUid, type PeerLookup, type PeerLookupOptions } from "./_peer-lookup.js";
import {
  CONTROL_PROTOCOL_VERSION,
  type ControlErrorPayload,
  type ControlMessage,
  createMessageDecoder,
  encodeMessage,
  errorPayload,
  isRequest,
} from "./_protocol.js";

/** What a handler gets besides the request: a way to send events, and the connection's fate. */
export interface ControlRequestContext {
  /** Sends an event about this request ahead of its reply. False (and nothing sent) once the connection is closed. */
  send(event: unknown): boolean;
  /** Resolves when the connection closes: the client went away, or the server is closing. */
  readonly closed: Promise<void>;
  readonly isClosed: boolean;
  /** Bytes written but not yet taken by the client: a follower that falls behind can skip output. */
  readonly pendingBytes: number;
}

export interface ControlCall {
  command: string;
  args: Record<string, unknown>;
}

/** Returns (or resolves to) the reply's result; a thrown error with a `code` becomes an error reply. */
export type ControlHandler = (call: ControlCall, context: ControlRequestContext) => unknown;

export interface ControlServerOptions {
  /** From `controlSocketPath(...).path`. Its directory is created and checked (0700, ours). */
  path: string;
  handler: ControlHandler;
  /** The owner the directory must have. Default: `process.getuid()`. */
  uid?: number;
  /** Default 1 MiB: a longer request line drops the connection. */
  maxRequestBytes?: number;
  /** Default 1000: how long a leftover socket may take to answer before it counts as live. */
  probeTimeoutMs?: number;
  /**
   * The uids whose connections are served (checked through `ss`, see `peerCheck`). Default:
   * `[process.getuid()]`, the server's own uid. root is refused like anyone else unless listed.
   */
  allowedUids?: readonly number[];
  /**
   * The iproute2 `ss` that names each connection's peer. Default: `ss` on the PATH, else
   * /usr/sbin/ss, /usr/bin/ss, /sbin/ss, /bin/ss. None found: only the filesystem check
   * (`peerCheck: "filesystem"`); found but failing: that connection gets only the filesystem check.
   */
  ssCommand?: string;
}

/**
 * How a connection's peer is checked. `uid`: its uid is read (Linux, `ss` runs) and must be in
 * `allowedUids`. `filesystem`: only the 0700 directory and the 0600 socket keep others out.
 */
export type PeerCheck = "uid" | "filesystem";

export interface ControlServer {
  readonly path: string;
  /**
   * The inode of the socket file this server created (a bigint: inode numbers may pass 2^53).
   * What a watchdog needs to remove exactly this file, and not a newer instance's, after a kill -9.
   */
  readonly inode: bigint;
  readonly connectionCount: number;
  /** `uid` when an `ss` executable is found (looked up once, at first need), else `filesystem`. */
  readonly peerCheck: PeerCheck;
  /** Stops listening, ends every connection (their `closed` resolves), removes the socket file. Idempotent. */
  close(): Promise<void>;
}

export type SocketProbe = "live" | "stale" | "absent";

/**
 * Is anyone listening at `path`? `stale` is a socket file nobody accepts on (its process died
 * without removing it); a file that answers slowly counts as `live`, so a busy instance is never
 * unlinked from under its users.
 */
export function probeControlSocket(path: string, timeoutMs = 1000): Promise<SocketProbe> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("live");
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.destroy();
      resolve("live");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ECONNREFUSED") resolve("stale");
      else if (error.code === "ENOENT") resolve("absent");
      else reject(connectError(error, path));
    });
  });
}

export function connectError(error: NodeJS.ErrnoException, path: string): ControlError {
  if (error.code === "ENOENT" || error.code === "ECONNREFUSED") {
    return new ControlError("CONTROL_NOT_RUNNING", `no instance is listening on ${path}`, {
      cause: error,
    });
  }
  if (error.code === "EACCES" || error.code === "EPERM") {
    return new ControlError(
      "CONTROL_PERMISSION_DENIED",
      `permission denied connecting to ${path}; the instance belongs to another user`,
      { hint: "run the command as the user who started it", cause: error },
    );
  }
  return new ControlError(
    "CONTROL_CONNECT_FAILED",
    `cannot connect to ${path} (${error.code ?? error.message})`,
    { cause: error },
  );
}

const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
const SS_CANDIDATES = ["ss", "/usr/sbin/ss", "/usr/bin/ss", "/sbin/ss", "/bin/ss"];
// One `ss -xp` takes a few ms; a machine so busy that it takes seconds gets the filesystem check.
const SS_TIMEOUT_MS = 3000;

/**
 * Listens on `options.path` for newline-delimited JSON requests. A socket file left by a dead
 * process is replaced; one that answers means another instance is running
 * (`CONTROL_ALREADY_RUNNING`). The socket is made 0600 and its directory must be 0700 and ours.
 * Where `ss` runs, each connection's peer uid is also checked before any of its requests is read.
 */
export async function listenControl(options: ControlServerOptions): Promise<ControlServer> {
  const { path } = options;
  const maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  checkSocketPathLength(path);
  // Looked up at the first connection, not here: listening is on every `foreman start`'s path,
  // and most runs are never asked anything (the PATH walk costs about half a millisecond).
  let ssFound: { path: string | undefined } | undefined;
  const ss = (): string | undefined => {
    ssFound ??= {
      path: findSs(options.ssCommand === undefined ? SS_CANDIDATES : [options.ssCommand]),
    };
    return ssFound.path;
  };
  await ensureControlDirectory(
    dirname(path),
    "uid" in options ? { uid: options.uid } : { uid: currentUid() },
  );
  const ownUid = currentUid();
  const allowedUids = options.allowedUids ?? (ownUid === undefined ? [] : [ownUid]);

  const sockets = new Set<Socket>();
  const endSession = new Map<Socket, () => void>();
  let closing = false;
  // Paused: nothing a connection sends is read until its peer is admitted.
  const server = createServer({ allowHalfOpen: false, pauseOnConnect: true }, (socket) => {
    if (closing) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    const ssPath = ss();
    const admission =
      ssPath === undefined
        ? Promise.resolve(undefined)
        : admit(
            socketFd(socket),
            { ss: ssPath, timeoutMs: SS_TIMEOUT_MS, serverPath: path },
            allowedUids,
            ownUid,
          );
    serve(socket, admission, options.handler, maxRequestBytes, (end) =>
      endSession.set(socket, end),
    );
    socket.once("close", () => {
      sockets.delete(socket);
      endSession.delete(socket);
    });
  });
  // A live server's errors after listen (EMFILE on accept) must not crash the host.
  server.on("error", () => {});

  const inode = await bindReplacingStale(server, path, options.probeTimeoutMs ?? 1000);
  // The 0700 directory already keeps others out; 0600 also covers a directory someone widens.
  await chmod(path, 0o600);

  let closed: Promise<void> | undefined;
  return {
    path,
    inode,
    get peerCheck(): PeerCheck {
      return ss() === undefined ? "filesystem" : "uid";
    },
    get connectionCount(): number {
      return sockets.size;
    },
    close(): Promise<void> {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) {
          endSession.get(socket)?.();
          socket.end();
          // A client that stopped reading must not hold us open.
          setTimeout(() => socket.destroy(), 1000).unref();
        }
        await stopped;
        // Only our own file: a newer instance may have replaced it after declaring ours stale.
        try {
          if ((await lstat(path, { bigint: true })).ino === inode) await unlink(path);
        } catch {
          // Already gone.
        }
      })();
      return closed;
    },
  };
}

async function bindReplacingStale(
  server: Server,
  path: string,
  probeTimeoutMs: number,
): Promise<bigint> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await listenOnce(server, path);
      return (await lstat(path, { bigint: true })).ino;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EADDRINUSE" || attempt >= 3) {
        throw code === "EADDRINUSE"
          ? alreadyRunning(path)
          : new ControlError(
              "CONTROL_LISTEN_FAILED",
              `cannot listen on ${path} (${code ?? "error"})`,
              {
                cause: error,
              },
            );
      }
    }
    const before = await lstat(path, { bigint: true }).catch(() => undefined);
    const state = await probeControlSocket(path, probeTimeoutMs);
    if (state === "live") throw alreadyRunning(path);
    if (state === "stale" && before !== undefined) {
      // Unlink only the file we probed; if it changed meanwhile, another instance won the race.
      const now = await lstat(path, { bigint: true }).catch(() => undefined);
      if (now !== undefined && now.ino === before.ino) await unlink(path).catch(() => {});
    }
  }
}

function listenOnce(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(path);
  });
}

function alreadyRunning(path: string): ControlError {
  return new ControlError("CONTROL_ALREADY_RUNNING", `another instance is listening on ${path}`, {
    hint: "stop it first, or talk to it",
  });
}

// Node has no public accessor for it; `_handle.fd` is the libuv pipe's descriptor on POSIX.
function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/**
 * Resolves to the refusal to send, or `undefined` to serve the connection. Where `ss` cannot tell
 * (it fails, or does not see our socket), the filesystem permissions alone decide, as on a
 * system without `ss`: nothing is logged, a CLI command must not print noise about it.
 */
async function admit(
  fd: number | undefined,
  options: PeerLookupOptions,
  allowedUids: readonly number[],
  ownUid: number | undefined,
): Promise<ControlErrorPayload | undefined> {
  if (fd === undefined) return undefined;
  let peer: PeerLookup;
  try {
    peer = await lookupPeerUid(fd, options);
  } catch {
    return undefined;
  }
  if (peer.kind === "unavailable") return undefined;
  if (peer.kind === "verified" && allowedUids.includes(peer.uid)) return undefined;
  // An unverified uid (the owner of a process whose fds we may not read) only names a refusal.
  const uid =
    peer.kind === "verified" || !allowedUids.includes(peer.uid ?? -1) ? peer.uid : undefined;
  const owner = `this instance belongs to uid ${String(ownUid)}`;
  return {
    code: "CONTROL_PEER_REFUSED",
    message:
      uid === undefined
        ? `refused a connection from a process it cannot identify (another user's, or one already gone): ${owner}`
        : `refused a connection from uid ${uid}: ${owner}`,
    hint: `run the command as the user who started the instance (uid ${String(ownUid)})`,
  };
}

function serve(
  socket: Socket,
  admission: Promise<ControlErrorPayload | undefined>,
  handler: ControlHandler,
  maxRequestBytes: number,
  registerEnd: (end: () => void) => void,
): void {
  let isClosed = false;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const markClosed = (): void => {
    if (isClosed) return;
    isClosed = true;
    resolveClosed();
  };
  let admitted = false;
  registerEnd(() => {
    markClosed();
    // Still paused for the check: read (and drop) what it sent, so its end is seen at once.
    if (!admitted) socket.resume();
  });
  socket.on("close", markClosed);
  socket.on("error", markClosed);

  const write = (message: ControlMessage): boolean => {
    if (isClosed || socket.destroyed || !socket.writable) return false;
    socket.write(encodeMessage(message));
    return true;
  };

  const decoder = createMessageDecoder({
    maxMessageBytes: maxRequestBytes,
    onError: (error) => {
      write({ id: 0, ok: false, error: errorPayload(error) });
      socket.end();
    },
    onMessage: (message) => {
      if (!isRequest(message)) {
        write({
          id:
            typeof (message as { id?: unknown })?.id === "number"
              ? (message as { id: number }).id
              : 0,
          ok: false,
          error: {
            code: "CONTROL_BAD_MESSAGE",
            message: "a request needs a numeric id and a command",
          },
        });
        return;
      }
      const { id } = message;
      if (message.v !== CONTROL_PROTOCOL_VERSION) {
        write({
          id,
          ok: false,
          error: {
            code: "CONTROL_PROTOCOL_MISMATCH",
            message: `the running instance speaks control protocol ${CONTROL_PROTOCOL_VERSION}, the request protocol ${String(message.v)}`,
            hint: "use the same version of the command that started it",
          },
        });
        return;
      }
      const context: ControlRequestContext = {
        send: (event) => write({ id, event }),
        closed,
        get isClosed() {
          return isClosed;
        },
        get pendingBytes() {
          return socket.writableLength;
        },
      };
      void (async () => {
        try {
          const result = await handler(
            { command: message.command, args: message.args ?? {} },
            context,
          );
          write({ id, ok: true, result: result ?? null });
        } catch (error) {
          write({ id, ok: false, error: errorPayload(error) });
        }
      })();
    },
  });
  // The socket is paused until then: requests sent meanwhile wait, in order, in the socket.
  void admission.then((refusal) => {
    if (isClosed || socket.destroyed) return;
    admitted = true;
    if (refusal !== undefined) {
      write({ id: 0, ok: false, error: refusal });
      socket.end();
      // Read and drop whatever it sent, so its end is seen; one that never ends is cut off.
      socket.resume();
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
    socket.resume();
  });
}
