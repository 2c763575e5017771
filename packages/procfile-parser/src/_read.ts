import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { join } from "node:path";
import { ProcfileError } from "./_error.js";
import { escapeControlCharacters } from "./_escape.js";
import { parseProcfile } from "./_parse.js";
import type { ReadProcfileOptions, ReadProcfileResult } from "./_types.js";
import { findInvalidUtf8Offset, lineOfByteOffset } from "./_utf8.js";

/** A Procfile is a few hundred bytes; anything near this is the wrong file. */
export const DEFAULT_MAX_PROCFILE_BYTES: number = 1024 * 1024;
const READ_CHUNK_BYTES = 64 * 1024;

function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return "a FIFO (named pipe)";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a regular file";
}

function notAFile(path: string, shown: string, what: string, cause?: unknown): ProcfileError {
  return new ProcfileError({
    code: "PROCFILE_NOT_A_FILE",
    message: `${shown}: is ${what}, not a regular file`,
    file: path,
    hint: "a Procfile must be a regular text file; pass its path with -f PATH",
    cause,
  });
}

async function openProcfile(path: string, shown: string): Promise<FileHandle> {
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    return await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errnoCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new ProcfileError({
        code: "PROCFILE_NOT_FOUND",
        message: `Procfile not found: ${shown}`,
        file: path,
        hint: "create one, e.g. `web: node server.js`, or pass -f PATH",
        cause: error,
      });
    }
    // Linux refuses open() on a UNIX socket with ENXIO.
    if (code === "ENXIO" || code === "EOPNOTSUPP")
      throw notAFile(path, shown, "a socket or device", error);
    if (code === "EISDIR") throw isDirectory(path, shown, error);
    const permission = code === "EACCES" || code === "EPERM";
    throw new ProcfileError({
      code: "PROCFILE_UNREADABLE",
      message: `${shown}: cannot read the Procfile (${permission ? "permission denied" : (code ?? String(error))})`,
      file: path,
      hint: permission
        ? `check its permissions (e.g. \`ls -l ${shown}\`; \`chmod a+r\` makes it readable) or run as a user who can read it`
        : "check that the path is readable",
      cause: error,
    });
  }
}

function isDirectory(path: string, shown: string, cause?: unknown): ProcfileError {
  return new ProcfileError({
    code: "PROCFILE_IS_DIRECTORY",
    message: `${shown}: is a directory, not a Procfile`,
    file: path,
    hint: `pass the file itself, e.g. -f ${escapeControlCharacters(join(path, "Procfile"))}`,
    cause,
  });
}

function tooLarge(path: string, shown: string, maxBytes: number): ProcfileError {
  return new ProcfileError({
    code: "PROCFILE_TOO_LARGE",
    message: `${shown}: larger than ${maxBytes} bytes, too large for a Procfile`,
    file: path,
    hint: "a Procfile has one short line per process; check that the path points at the right file",
  });
}

async function readBounded(handle: FileHandle, maxBytes: number): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Read past the stat size: files such as those under /proc report 0 and still have content,
  // and a file may grow between fstat and read. One byte over the limit proves "too large".
  for (;;) {
    const buffer = new Uint8Array(Math.min(READ_CHUNK_BYTES, maxBytes + 1 - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
    if (total > maxBytes) return undefined;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

function looksLikeUtf16(bytes: Uint8Array): boolean {
  const b0 = bytes[0];
  const b1 = bytes[1];
  return (b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff);
}

/**
 * Reads a Procfile safely and parses it (with `filename` = `path`). Refuses, with one clear
 * ProcfileError, anything that is not a regular UTF-8 text file of sane size; never blocks on a
 * FIFO or reads forever from a device.
 */
export async function readProcfile(
  path: string,
  options: ReadProcfileOptions = {},
): Promise<ReadProcfileResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_PROCFILE_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new RangeError(`maxBytes must be a non-negative integer, got ${String(maxBytes)}`);
  }
  const shown = escapeControlCharacters(path);
  const handle = await openProcfile(path, shown);
  let bytes: Uint8Array | undefined;
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw isDirectory(path, shown);
    if (!stats.isFile()) throw notAFile(path, shown, kindOf(stats));
    if (stats.size > maxBytes) throw tooLarge(path, shown, maxBytes);
    try {
      bytes = await readBounded(handle, maxBytes);
    } catch (error) {
      if (errnoCode(error) === "EISDIR") throw isDirectory(path, shown, error);
      throw new ProcfileError({
        code: "PROCFILE_UNREADABLE",
        message: `${shown}: cannot read the Procfile (${errnoCode(error) ?? String(error)})`,
        file: path,
        hint: "check that the path is a readable file",
        cause: error,
      });
    }
  } finally {
    await handle.close();
  }
  if (bytes === undefined) throw tooLarge(path, shown, maxBytes);

  const nulOffset = bytes.indexOf(0);
  if (nulOffset !== -1) {
    const line = lineOfByteOffset(bytes, nulOffset);
    throw new ProcfileError({
      code: "PROCFILE_BINARY",
      message: `${shown}:${line}: NUL byte; this looks like a binary file, not a Procfile`,
      file: path,
      line,
      hint: looksLikeUtf16(bytes)
        ? "the file looks UTF-16 encoded; save it as UTF-8"
        : "a Procfile is UTF-8 text; check that the path points at the right file",
    });
  }

  let source: string;
  try {
    source = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    const offset = findInvalidUtf8Offset(bytes);
    const line = lineOfByteOffset(bytes, offset === -1 ? 0 : offset);
    throw new ProcfileError({
      code: "PROCFILE_INVALID_UTF8",
      message: `${shown}:${line}: invalid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, "0")} at offset ${offset})`,
      file: path,
      line,
      hint: "save the Procfile as UTF-8 (it may be Latin-1 or another legacy encoding)",
      cause: error,
    });
  }
  return { path, source, ...parseProcfile(source, { filename: path }) };
}
