import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { EnvError } from "./_error.js";
import { escapeControlCharacters, shellQuote } from "./_escape.js";
import { findInvalidUtf8Offset, lineOfByteOffset } from "./_utf8.js";

/** An env file is a few KiB; anything near this is the wrong file. */
export const DEFAULT_MAX_ENV_BYTES: number = 1024 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

export interface EnvFileText {
  text: string;
  /** `stat.mode` of the file. */
  mode: number;
}

interface Where {
  /** Absolute path. */
  path: string;
  /** The path as the caller named it. */
  shown: string;
}

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function fail(
  where: Where,
  code: string,
  message: string,
  hint: string,
  extra: { cause?: unknown; line?: number } = {},
): EnvError {
  return new EnvError({
    code,
    message: `${escapeControlCharacters(where.shown)}: ${message}`,
    file: where.shown,
    path: where.path,
    hint,
    ...extra,
  });
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

const NOT_A_FILE_HINT =
  "an env file is read once, whole, before anything starts: name a regular file";

function isDirectory(where: Where, cause?: unknown): EnvError {
  return fail(
    where,
    "ENV_FILE_IS_DIRECTORY",
    "is a directory, not an env file",
    `name the file inside it, e.g. ${escapeControlCharacters(where.shown.replace(/\/*$/, ""))}/.env`,
    { cause },
  );
}

function unreadable(where: Where, cause: unknown): EnvError {
  const code = errnoCode(cause);
  const permission = code === "EACCES" || code === "EPERM";
  return fail(
    where,
    "ENV_FILE_UNREADABLE",
    `cannot read the file (${permission ? "permission denied" : (code ?? String(cause))})`,
    permission
      ? `check its owner and permissions (ls -l ${escapeControlCharacters(shellQuote(where.shown))})`
      : "check that the path is a readable file",
    { cause },
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const [amount, unit] = bytes < 1024 * 1024 ? [bytes / 1024, "KiB"] : [bytes / 1024 / 1024, "MiB"];
  return `${Number.isInteger(amount) ? amount : amount.toFixed(1)} ${unit}`;
}

function tooLarge(where: Where, bytes: number, maxBytes: number, atLeast: boolean): EnvError {
  return fail(
    where,
    "ENV_FILE_TOO_LARGE",
    `${atLeast ? "more than " : ""}${formatBytes(bytes)} is larger than the ${formatBytes(maxBytes)} limit`,
    "an env file holds a few KiB of KEY=value lines: is this the right file?",
  );
}

async function openFile(where: Where, optional: boolean): Promise<FileHandle | undefined> {
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    return await open(where.path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") {
      if (optional) return undefined;
      throw fail(
        where,
        "ENV_FILE_NOT_FOUND",
        "file not found",
        `check the path (it resolved to ${escapeControlCharacters(where.path)})`,
        { cause: error },
      );
    }
    if (code === "EISDIR") throw isDirectory(where, error);
    // Linux refuses open() on a UNIX socket with ENXIO.
    if (code === "ENXIO" || code === "EOPNOTSUPP") {
      throw fail(
        where,
        "ENV_FILE_NOT_A_FILE",
        "is a socket or device, not a regular file",
        NOT_A_FILE_HINT,
        {
          cause: error,
        },
      );
    }
    throw unreadable(where, error);
  }
}

async function readBytes(
  handle: FileHandle,
  where: Where,
  maxBytes: number,
): Promise<{ bytes: Buffer; mode: number }> {
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (error) {
    throw unreadable(where, error);
  }
  if (stats.isDirectory()) throw isDirectory(where);
  if (!stats.isFile()) {
    throw fail(
      where,
      "ENV_FILE_NOT_A_FILE",
      `is ${kindOf(stats)}, not a regular file`,
      NOT_A_FILE_HINT,
    );
  }
  if (stats.size > maxBytes) throw tooLarge(where, stats.size, maxBytes, false);

  // Read to the end rather than trusting `size`: the file may grow (or lie, as /proc files do).
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, maxBytes + 1 - total));
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, 0, buffer.length, null));
    } catch (error) {
      throw errnoCode(error) === "EISDIR" ? isDirectory(where, error) : unreadable(where, error);
    }
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) throw tooLarge(where, maxBytes, maxBytes, true);
  }
  return { bytes: Buffer.concat(chunks, total), mode: stats.mode };
}

function decode(bytes: Buffer, where: Where): string {
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const line = lineOfByteOffset(bytes, nul);
    const utf16 =
      bytes.length >= 2 &&
      ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
    throw fail(
      where,
      "ENV_FILE_BINARY",
      `contains a NUL byte at line ${line}; it is not a text file`,
      utf16
        ? "it looks like UTF-16: re-save it as UTF-8"
        : "an env file is text (KEY=value lines): is this the right file?",
      { line },
    );
  }
  try {
    // ignoreBOM keeps a BOM in the text, so that parseEnv can warn about it.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    const offset = findInvalidUtf8Offset(bytes);
    const line = offset === -1 ? undefined : lineOfByteOffset(bytes, offset);
    throw fail(
      where,
      "ENV_FILE_INVALID_UTF8",
      `not valid UTF-8${line === undefined ? "" : ` at line ${line}`}`,
      `re-save it as UTF-8, e.g. iconv -f latin1 -t utf-8 ${escapeControlCharacters(shellQuote(where.shown))}`,
      line === undefined ? { cause: error } : { cause: error, line },
    );
  }
}

/**
 * Reads an env file as UTF-8 text without ever blocking on a FIFO or device, or `undefined`
 * when an optional file does not exist. Throws an {@link EnvError} for anything else.
 */
export async function readEnvFile(
  path: string,
  shown: string,
  options: { optional: boolean; maxBytes: number },
): Promise<EnvFileText | undefined> {
  const where = { path, shown };
  const handle = await openFile(where, options.optional);
  if (handle === undefined) return undefined;
  let read: { bytes: Buffer; mode: number };
  try {
    read = await readBytes(handle, where, options.maxBytes);
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { text: decode(read.bytes, where), mode: read.mode };
}
