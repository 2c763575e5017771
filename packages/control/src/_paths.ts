import { lstat, mkdir } from "node:fs/promises";
import { tmpdir as systemTmpdir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { ControlError } from "./_error.js";

export interface ControlSocketLocation {
  /** The owner-only directory that holds the socket. */
  directory: string;
  /** The socket itself: `<directory>/<hash of the key>.sock`. */
  path: string;
}

export interface ControlSocketPathOptions {
  /** Where `XDG_RUNTIME_DIR` is read. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Default: `process.getuid()`. Names the directory under the temp dir. */
  uid?: number;
  /** Default: `os.tmpdir()`. */
  tmpdir?: string;
}

// sun_path is 108 bytes on Linux and 104 on macOS, both counting the terminating NUL.
export const MAX_SOCKET_PATH_BYTES = 103;

export function currentUid(): number | undefined {
  return typeof process.getuid === "function" ? process.getuid() : undefined;
}

/**
 * Where the control socket for `key` (the absolute path of a Procfile) lives:
 * `$XDG_RUNTIME_DIR/foreman/` when that variable names an absolute directory (it is private to
 * the user by the XDG spec), else `<tmpdir>/foreman-<uid>/`. The file name is a hash of the key,
 * so any path length fits in `sun_path` and the name does not spell out the project's path.
 */
export function controlSocketPath(
  key: string,
  options: ControlSocketPathOptions = {},
): ControlSocketLocation {
  const env = options.env ?? process.env;
  const runtimeDir = env.XDG_RUNTIME_DIR;
  const directory =
    runtimeDir !== undefined && runtimeDir !== "" && isAbsolute(runtimeDir)
      ? join(runtimeDir, "foreman")
      : join(options.tmpdir ?? systemTmpdir(), `foreman-${options.uid ?? currentUid() ?? "user"}`);
  return { directory, path: join(directory, `${socketNameHash(resolve(key))}.sock`) };
}

const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;
// FNV-1a 64's offset basis, and a second lane started elsewhere: 96 bits of name.
const LANE_OFFSETS = [0xcbf29ce484222325n, 0x84222325cbf29ce4n] as const;

/**
 * 24 hex digits naming the socket of `key`. FNV-1a, not SHA-256: the name needs to be short and
 * unique per Procfile, not secret (the directory is the user's alone), and node:crypto alone
 * costs `foreman start` 3 ms of loading.
 */
export function socketNameHash(key: string): string {
  const bytes = Buffer.from(key, "utf8");
  let hex = "";
  for (const offset of LANE_OFFSETS) {
    let hash: bigint = offset;
    for (const byte of bytes) hash = ((hash ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
    hex += hash.toString(16).padStart(16, "0");
  }
  return hex.slice(0, 24);
}

export function checkSocketPathLength(path: string): void {
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_SOCKET_PATH_BYTES) {
    throw new ControlError(
      "CONTROL_PATH_TOO_LONG",
      `the control socket path is ${bytes} bytes, more than a Unix socket allows (${MAX_SOCKET_PATH_BYTES}): ${path}`,
      { hint: "set XDG_RUNTIME_DIR or TMPDIR to a shorter directory" },
    );
  }
}

export interface EnsureDirectoryOptions {
  /** The owner the directory must have. Default: `process.getuid()`; `undefined` skips the check where there are no uids. */
  uid?: number;
}

/**
 * Creates `directory` with mode 0700 if it is missing, then refuses it unless it is a real
 * directory (not a symlink), owned by `uid`, and closed to group and others. The kernel checks
 * search permission on every directory of a socket's path on connect, so this directory is what
 * keeps other users away from the socket (see the README on peer checks).
 */
export async function ensureControlDirectory(
  directory: string,
  options: EnsureDirectoryOptions = {},
): Promise<void> {
  const uid = "uid" in options ? options.uid : currentUid();
  try {
    await mkdir(directory, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EEXIST") {
      throw new ControlError(
        "CONTROL_DIRECTORY_FAILED",
        `cannot create the control directory ${directory} (${code ?? "error"})`,
        {
          hint: "check that its parent exists and is writable, or set XDG_RUNTIME_DIR",
          cause: error,
        },
      );
    }
  }
  const stats = await lstat(directory);
  const unsafe = (why: string, hint: string): ControlError =>
    new ControlError("CONTROL_UNSAFE_DIRECTORY", `the control directory ${directory} ${why}`, {
      hint,
    });
  if (stats.isSymbolicLink() || !stats.isDirectory()) {
    throw unsafe("is not a directory", `remove it (rm ${directory}) and start again`);
  }
  if (uid !== undefined && stats.uid !== uid) {
    throw unsafe(
      `belongs to uid ${stats.uid}, not to you (uid ${uid}); someone else may be listening there`,
      `remove it as its owner or root, or set XDG_RUNTIME_DIR to a directory of yours`,
    );
  }
  if ((stats.mode & 0o077) !== 0) {
    throw unsafe(
      `has mode ${(stats.mode & 0o777).toString(8).padStart(4, "0")}; other users could reach the socket`,
      `make it private: chmod 700 ${directory}`,
    );
  }
}
