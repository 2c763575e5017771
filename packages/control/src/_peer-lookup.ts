import { execFile } from "node:child_process";
import { accessSync, constants, readlinkSync, statSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { parseSocketInode, parseSsUnixOutput, resolvePeer } from "./_peer.js";

/**
 * Who is at the other end of an accepted Unix socket, on Linux, without a native addon: Node has
 * no SO_PEERCRED, but the kernel's sock_diag (through `ss -xp`, iproute2) tells which socket ours
 * is connected to and which processes hold that one, and /proc tells who created it.
 */
export type PeerLookup =
  /** `ss` cannot tell (not runnable, failed, timed out, or does not list our socket). */
  | { kind: "unavailable"; reason: string }
  /** A process holds the peer socket, checked in /proc; `uid` created that socket. */
  | { kind: "verified"; uid: number; pid: number }
  /**
   * No process we can inspect holds the peer: another user's (when we are not root), or one that
   * is gone. `uid` is the owner of a holder `ss` named but we could not inspect, when there is one.
   */
  | { kind: "unattributed"; uid?: number };

export interface PeerLookupOptions {
  /** The `ss` to run (from `findSs`). */
  ss: string;
  timeoutMs: number;
  /**
   * The server's socket path: our end is then looked up with `ss -xH src <path>`, a listing of
   * the sockets bound to that path alone (without `-p`: no process names, and no walk of /proc),
   * which no one else's socket or process name can add a line to. Used only when the path is
   * plain enough for ss's filter (see FILTER_SAFE_PATH).
   */
  serverPath?: string;
}

// ss parses its filter from words and matches Unix addresses as glob patterns: a path with
// blanks, quotes, brackets, `*` or `?` could mean something else there. Such paths are left to
// the full listing.
const FILTER_SAFE_PATH = /^\/[A-Za-z0-9/._+-]+$/;

// `ss -xp` reads every /proc/<pid>/fd: on a big machine its output can be large.
const SS_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

function run(command: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        encoding: "utf8",
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: SS_MAX_OUTPUT_BYTES,
        windowsHide: true,
      },
      (error, stdout) => (error === null ? resolve(stdout) : reject(error)),
    );
  });
}

/**
 * The first of `candidates` that is an executable file, or `undefined` (not Linux, iproute2
 * missing). A bare name is looked up in `PATH`; the others are tried as they are. Nothing is run:
 * this is on `foreman start`'s path, where starting `ss -V` would cost a fork of the whole
 * manager. An `ss` that is found but fails later leaves that connection to the filesystem check.
 */
export function findSs(
  candidates: readonly string[],
  searchPath: string | undefined = process.env.PATH,
): string | undefined {
  if (process.platform !== "linux") return undefined;
  for (const candidate of candidates) {
    const paths = candidate.includes("/")
      ? [candidate]
      : (searchPath ?? "")
          .split(":")
          .filter((dir) => dir.startsWith("/"))
          .map((dir) => join(dir, candidate));
    for (const path of paths) if (isExecutableFile(path)) return path;
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Looks up the peer of the connected Unix socket `fd` (ours). The fd's inode is read at once, so
 * call it right after accept; the rest (one `ss` run, a few stats) is asynchronous.
 *
 * Nothing `ss` prints is believed on its own (socket and process names are printed raw, and
 * another user chooses them): a holder counts only if /proc/<pid>/fd/<fd> really is the peer
 * socket (same inode), and the uid is that socket inode's owner, the uid that created it.
 */
export async function lookupPeerUid(fd: number, options: PeerLookupOptions): Promise<PeerLookup> {
  let ownInode: number | undefined;
  try {
    ownInode = parseSocketInode(readlinkSync(`/proc/self/fd/${fd}`));
  } catch {
    ownInode = undefined;
  }
  if (ownInode === undefined) return { kind: "unavailable", reason: "no socket inode for the fd" };

  const path = options.serverPath;
  const ownListing =
    path !== undefined && FILTER_SAFE_PATH.test(path)
      ? run(options.ss, ["-xH", "src", path], options.timeoutMs).catch(() => undefined)
      : Promise.resolve(undefined);
  let output: string;
  try {
    output = await run(options.ss, ["-xpH"], options.timeoutMs);
  } catch (error) {
    return { kind: "unavailable", reason: `ss failed: ${(error as Error).message}` };
  }
  const own = await ownListing;
  const resolution = resolvePeer(
    parseSsUnixOutput(output),
    ownInode,
    own === undefined ? undefined : parseSsUnixOutput(own),
  );
  if (resolution.kind === "own-missing") {
    return { kind: "unavailable", reason: "ss does not list this process's socket" };
  }
  if (resolution.kind === "no-peer-info") {
    return { kind: "unavailable", reason: "ss shows no socket's peer (no sock_diag)" };
  }
  if (resolution.kind !== "found") return { kind: "unattributed" };

  let uninspectableOwner: number | undefined;
  for (const holder of resolution.holders) {
    try {
      const socket = await stat(`/proc/${holder.pid}/fd/${holder.fd}`);
      if (socket.isSocket() && socket.ino === resolution.peerInode) {
        return { kind: "verified", uid: socket.uid, pid: holder.pid };
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Only to name the uid we refuse: an fd we may not look at proves nothing.
      if ((code === "EACCES" || code === "EPERM") && uninspectableOwner === undefined) {
        uninspectableOwner = await stat(`/proc/${holder.pid}`).then(
          (entry) => entry.uid,
          () => undefined,
        );
      }
    }
  }
  return uninspectableOwner === undefined
    ? { kind: "unattributed" }
    : { kind: "unattributed", uid: uninspectableOwner };
}
