import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { CliError } from "./_errors.js";

export interface TextFileOptions {
  /** Prefix of the error codes, e.g. `DOTFOREMAN` → `DOTFOREMAN_NOT_A_FILE`. */
  codePrefix: string;
  /** How messages name the file, e.g. `.foreman`. */
  label: string;
  maxBytes: number;
  /** What the file should hold, for the hints, e.g. "a YAML file of flag defaults". */
  expected: string;
}

/**
 * Reads a small text file that must not hang or exhaust memory whatever it is: a FIFO would block
 * `readFile` until a writer comes (forever), `/dev/zero` would be read until memory runs out. So:
 * open non-blocking, refuse anything but a regular file, read at most `maxBytes + 1` bytes, and
 * decode strict UTF-8 without NUL. Errors from open() (ENOENT, EISDIR, EACCES…) are thrown as
 * they are, for the caller to word; every other refusal is a CliError.
 */
export async function readTextFile(path: string, options: TextFileOptions): Promise<string> {
  const { codePrefix, label, maxBytes, expected } = options;
  const fail = (code: string, what: string, hint: string): CliError =>
    new CliError(`${codePrefix}_${code}`, `${label} ${what}, ${path}`, { hint });
  const handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) {
      throw Object.assign(new Error(`EISDIR: ${path}`), { code: "EISDIR" });
    }
    if (!stats.isFile()) {
      throw fail(
        "NOT_A_FILE",
        "is not a regular file (a FIFO, device or socket)",
        `it must be ${expected}`,
      );
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > maxBytes) {
      throw fail(
        "TOO_LARGE",
        `is larger than ${Math.round(maxBytes / 1024)} KiB`,
        `it should be ${expected}: is this the right file?`,
      );
    }
    const bytes = buffer.subarray(0, length);
    if (bytes.includes(0)) {
      throw fail("BINARY", "contains a NUL byte: it is not a text file", `it must be ${expected}`);
    }
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw fail("INVALID_UTF8", "is not valid UTF-8", "save it as UTF-8");
    }
  } finally {
    await handle.close();
  }
}
