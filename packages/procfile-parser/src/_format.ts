import { ProcfileError } from "./_error.js";
import { escapeControlCharacters } from "./_escape.js";
import { PROCESS_NAME } from "./_parse.js";
import type { ProcfileDiagnostic } from "./_types.js";

const LINE_BREAK_CHARACTER = /[\r\n]/;
const SURROUNDING_WHITESPACE = /^[ \t\f\v]+|[ \t\f\v]+$/g;

/**
 * Writes entries as Procfile text, one `name: command` line each, ending with a newline. The
 * inverse of {@link parseProcfile}: parsing the result gives back the same names and commands.
 * Leading and trailing whitespace of a command is dropped, as the parser would drop it.
 * @throws ProcfileError `PROCFILE_INVALID_ENTRY` for a name outside `[A-Za-z0-9_-]+` or a command
 *   that is empty, contains a line break, a NUL or U+FFFD; `PROCFILE_DUPLICATE_NAME` for a name
 *   given twice.
 */
export function formatProcfile(entries: ReadonlyArray<{ name: string; command: string }>): string {
  const seen = new Set<string>();
  let text = "";
  for (const [index, entry] of entries.entries()) {
    const { name, command } = entry;
    const where = `entry ${index + 1}`;
    const invalid = (message: string, hint: string): ProcfileError =>
      new ProcfileError({ code: "PROCFILE_INVALID_ENTRY", message: `${where}: ${message}`, hint });
    if (typeof name !== "string" || !PROCESS_NAME.test(name)) {
      throw invalid(
        `invalid process name "${escapeControlCharacters(String(name))}"`,
        "a process name uses only letters, digits, `_` and `-`, e.g. `web`",
      );
    }
    if (typeof command !== "string") {
      throw invalid(`command of "${name}" is not a string`, "pass the shell command as a string");
    }
    const trimmed = command.replace(SURROUNDING_WHITESPACE, "");
    if (trimmed === "") {
      throw invalid(`command of "${name}" is empty`, "give it a command, e.g. `node server.js`");
    }
    if (LINE_BREAK_CHARACTER.test(trimmed)) {
      throw invalid(
        `command of "${name}" contains a line break`,
        "a Procfile entry is one line: join the commands with `&&`, or move them into a script",
      );
    }
    if (trimmed.includes("\u0000") || trimmed.includes("\uFFFD")) {
      throw invalid(
        `command of "${name}" contains a NUL or U+FFFD character`,
        "the parser rejects these as binary or broken UTF-8; remove them",
      );
    }
    if (seen.has(name)) {
      throw new ProcfileError({
        code: "PROCFILE_DUPLICATE_NAME",
        message: `${where}: duplicate process name "${name}"`,
        hint: "each process name may appear once",
      });
    }
    seen.add(name);
    text += `${name}: ${trimmed}\n`;
  }
  return text;
}

/** `<file>:<line>:<column>` or `<line>:<column>` when the diagnostic names no file. */
export function formatLocation(
  diagnostic: Pick<ProcfileDiagnostic, "file" | "line" | "column">,
): string {
  const position = `${diagnostic.line}:${diagnostic.column}`;
  return diagnostic.file === undefined ? position : `${diagnostic.file}:${position}`;
}

/**
 * One line for a terminal: `<file>:<line>:<column>: <severity>: <message>; <hint>`. The file
 * part is left out when absent, the hint part when there is no hint. Control characters are
 * escaped, so untrusted Procfile text cannot drive the terminal.
 */
export function formatDiagnostic(diagnostic: ProcfileDiagnostic): string {
  const hint =
    diagnostic.hint === undefined || diagnostic.hint === "" ? "" : `; ${diagnostic.hint}`;
  return escapeControlCharacters(
    `${formatLocation(diagnostic)}: ${diagnostic.severity}: ${diagnostic.message}${hint}`,
  );
}
