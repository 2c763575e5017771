import { quote } from "./_escape.js";
import type {
  ParseProcfileOptions,
  ParseProcfileResult,
  ProcfileDiagnostic,
  ProcfileEntry,
  Severity,
} from "./_types.js";

// Ruby foreman's grammar is `^([A-Za-z0-9_-]+):\s*(.+)$` on each line. We read the same lines the
// same way, and additionally accept leading whitespace (Heroku runs indented entries) and trim
// trailing whitespace of the command. `\s` in Ruby is [ \t\n\v\f\r]; newlines cannot occur
// inside a line here, so horizontal ASCII whitespace is the set that matters.
export const PROCESS_NAME: RegExp = /^[A-Za-z0-9_-]+$/;
const ENTRY = /^([A-Za-z0-9_-]+):[ \t\f\v]*(.*)$/s;
const LEADING_WHITESPACE = /^[ \t\f\v]*/;
const TRAILING_WHITESPACE = /[ \t\f\v]+$/;
const LINE_BREAK = /\r\n|\r|\n/;
const MERGE_CONFLICT_MARKER = /^(?:<{7}|={7}|>{7}|\|{7})/;
const TEMPLATE_TAG = /<%|\{\{|\{%|\{#/;
// A YAML block scalar header (`|`, `>-`, `|2`...): someone wrote the Procfile as if it were YAML.
const YAML_BLOCK_HEADER = /^[|>](?:[-+]?[1-9]?|[1-9][-+])$/;
const INVALID_NAME_CHARACTER = /[^A-Za-z0-9_-]/;
// Longer names do not fit a DNS label, which some exporters and hosts derive from the name.
export const MAX_PROCESS_NAME_LENGTH = 63;

const EXAMPLE_ENTRY = "`web: node server.js`";
const NOTE_HINT = 'if the line is a note, start it with "#"';

function multiLineHint(name: string): string {
  return `a Procfile entry is exactly one line: join the commands with \`&&\` on the entry's line, or move them into a script, e.g. \`${name}: ./bin/${name}.sh\``;
}

interface YamlBlock {
  line: number;
  name: string;
  header: string;
}

interface Continuation {
  line: number;
  name: string;
}

/** 1-based column of the UTF-16 index `index`, counted in code points. */
function columnAt(text: string, index: number): number {
  let column = 1;
  for (let i = 0; i < index; i += 1) {
    const code = text.charCodeAt(i);
    // The high half of a surrogate pair starts a code point; the low half does not.
    if (code < 0xdc00 || code > 0xdfff) column += 1;
  }
  return column;
}

function suggestName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}

/**
 * Parses Procfile text into entries and diagnostics. Never throws: every line that is not an
 * entry, blank, or a comment is reported, with line, column, the quoted line, and a hint.
 */
export function parseProcfile(
  source: string,
  options: ParseProcfileOptions = {},
): ParseProcfileResult {
  const file = options.filename;
  const entries: ProcfileEntry[] = [];
  const diagnostics: ProcfileDiagnostic[] = [];
  const report = (
    severity: Severity,
    code: string,
    line: number,
    column: number,
    message: string,
    hint: string,
  ): void => {
    const diagnostic: ProcfileDiagnostic = { severity, code, message, line, column, hint };
    if (file !== undefined) diagnostic.file = file;
    diagnostics.push(diagnostic);
  };

  const text = typeof source === "string" ? source.replace(/^\uFEFF/, "") : "";
  const lines = text.split(LINE_BREAK);

  // A NUL never appears in a text file; parsing one line by line would only produce noise.
  const nulIndex = text.indexOf("\u0000");
  if (nulIndex !== -1) {
    const before = text.slice(0, nulIndex).split(LINE_BREAK);
    const line = before.length;
    const lineText = lines[line - 1] ?? "";
    report(
      "error",
      "PROCFILE_BINARY",
      line,
      columnAt(lineText, before[before.length - 1]?.length ?? 0),
      `NUL byte on line ${line}: this looks like a binary file, not a Procfile`,
      "a Procfile is UTF-8 text; check that the path points at the right file (and, if it is UTF-16, save it as UTF-8)",
    );
    return { entries, diagnostics };
  }

  const firstLineByName = new Map<string, number>();
  let yamlBlock: YamlBlock | undefined;
  // Set while the previous line ended with a backslash, i.e. its author expected it to continue.
  let continuation: Continuation | undefined;

  for (const [index, lineText] of lines.entries()) {
    const line = index + 1;
    const indent = LEADING_WHITESPACE.exec(lineText)?.[0].length ?? 0;
    const rest = lineText.slice(indent);
    const continues = continuation;
    continuation = undefined;

    if (rest === "" || rest.startsWith("#")) continue;

    // A non-indented line ends a YAML block, as it would in YAML.
    if (indent === 0) yamlBlock = undefined;

    const replacementIndex = lineText.indexOf("\uFFFD");
    if (replacementIndex !== -1) {
      report(
        "error",
        "PROCFILE_BINARY",
        line,
        columnAt(lineText, replacementIndex),
        `invalid UTF-8 (U+FFFD replacement character) in ${quote(lineText)}`,
        "save the Procfile as UTF-8 text",
      );
      continue;
    }

    const match = ENTRY.exec(rest);
    const name = match?.[1];
    const rawCommand = match?.[2];
    const command = rawCommand?.replace(TRAILING_WHITESPACE, "");
    if (name !== undefined && rawCommand !== undefined && command !== undefined && command !== "") {
      if (command.endsWith("\\")) continuation = { line, name };
      const firstLine = firstLineByName.get(name);
      if (firstLine !== undefined) {
        report(
          "error",
          "PROCFILE_DUPLICATE_NAME",
          line,
          indent + 1,
          `duplicate process name "${name}" on line ${line} (first defined on line ${firstLine}, which is the one used): ${quote(lineText)}`,
          `rename one of them, e.g. ${quote(`${name}-2: ${command}`)}, or delete one`,
        );
        continue;
      }
      firstLineByName.set(name, line);
      entries.push({ name, command, line });
      if (indent > 0) {
        report(
          "warning",
          "PROCFILE_INDENTED_ENTRY",
          line,
          1,
          `indented entry ${quote(lineText)} is read as process "${name}" (Heroku runs it; Ruby foreman ignores indented lines)`,
          `remove the leading whitespace: ${quote(`${name}: ${command}`)}`,
        );
      }
      if (name.length > MAX_PROCESS_NAME_LENGTH) {
        report(
          "warning",
          "PROCFILE_LONG_NAME",
          line,
          indent + 1,
          `process name "${name}" is ${name.length} characters long, more than the ${MAX_PROCESS_NAME_LENGTH} a DNS label (and so some hosts' process names) can hold`,
          `shorten it, e.g. ${quote(`${name.slice(0, MAX_PROCESS_NAME_LENGTH)}: ${command}`)}`,
        );
      }
      if (YAML_BLOCK_HEADER.test(command)) {
        yamlBlock = { line, name, header: `${name}: ${command}` };
        report(
          "error",
          "PROCFILE_YAML_BLOCK",
          line,
          columnAt(lineText, lineText.length - rawCommand.length),
          `${quote(lineText)} starts a YAML block, but Procfile entries are single lines (the command would be "${command}")`,
          multiLineHint(name),
        );
      }
      continue;
    }

    const column = indent + 1;
    const mergeMarker = MERGE_CONFLICT_MARKER.exec(rest)?.[0];
    if (mergeMarker !== undefined) {
      report(
        "error",
        "PROCFILE_MERGE_CONFLICT",
        line,
        column,
        `leftover merge-conflict marker: ${quote(lineText)}`,
        "resolve the conflict: keep the entries you want and delete the `<<<<<<<`, `=======` and `>>>>>>>` lines",
      );
      continue;
    }

    const colonIndex = rest.indexOf(":");
    // A tag before the first colon (or at the start) means the line itself is template code; a
    // tag later in a command may be legitimate shell, e.g. `docker inspect -f '{{.Name}}'`.
    const templateTag = TEMPLATE_TAG.exec(
      colonIndex === -1 ? rest.slice(0, 2) : rest.slice(0, colonIndex),
    );
    if (templateTag !== null) {
      report(
        "error",
        "PROCFILE_TEMPLATE_TAG",
        line,
        columnAt(lineText, indent + templateTag.index),
        `template tag "${templateTag[0]}" in ${quote(lineText)}: this looks like an ERB/Jinja template of a Procfile, not a Procfile`,
        "render the template first and run the rendered file (-f PATH)",
      );
      continue;
    }

    if (yamlBlock !== undefined && indent > 0) {
      report(
        "error",
        "PROCFILE_YAML_BLOCK",
        line,
        column,
        `${quote(lineText)} is inside the YAML block \`${yamlBlock.header}\` begun on line ${yamlBlock.line}; Procfile entries cannot span lines`,
        multiLineHint(yamlBlock.name),
      );
      continue;
    }

    if (continues !== undefined) {
      if (rest.endsWith("\\")) continuation = { line, name: continues.name };
      report(
        "error",
        "PROCFILE_LINE_CONTINUATION",
        line,
        column,
        `${quote(lineText)} continues line ${continues.line} (which ends with "\\"), but Procfile entries cannot span lines`,
        multiLineHint(continues.name),
      );
      continue;
    }

    if (colonIndex === -1) {
      const firstWord = rest.split(/[ \t\f\v]/, 1)[0] ?? "";
      const remainder = rest
        .slice(firstWord.length)
        .replace(LEADING_WHITESPACE, "")
        .replace(TRAILING_WHITESPACE, "");
      const hint =
        PROCESS_NAME.test(firstWord) && remainder !== ""
          ? `did you mean ${quote(`${firstWord}: ${remainder}`)}? ${NOTE_HINT}`
          : `write each entry as \`name: command\`, e.g. ${EXAMPLE_ENTRY}; ${NOTE_HINT}`;
      report(
        "error",
        "PROCFILE_MISSING_COLON",
        line,
        column,
        `missing ":" in ${quote(lineText)}; an entry is \`name: command\``,
        hint,
      );
      continue;
    }

    const namePart = rest.slice(0, colonIndex);
    const trimmedName = namePart.replace(TRAILING_WHITESPACE, "");
    const commandPart = rest
      .slice(colonIndex + 1)
      .replace(LEADING_WHITESPACE, "")
      .replace(TRAILING_WHITESPACE, "");
    const shownCommand = commandPart === "" ? "<command>" : commandPart;
    if (trimmedName !== namePart && PROCESS_NAME.test(trimmedName)) {
      report(
        "error",
        "PROCFILE_SPACE_BEFORE_COLON",
        line,
        columnAt(lineText, indent + trimmedName.length),
        `space before ":" in ${quote(lineText)} (Ruby foreman silently ignores this line)`,
        `did you mean ${quote(`${trimmedName}: ${shownCommand}`)}?`,
      );
      continue;
    }

    if (!PROCESS_NAME.test(namePart)) {
      const badIndex = namePart === "" ? 0 : namePart.search(INVALID_NAME_CHARACTER);
      const suggested = suggestName(namePart);
      const suggestion =
        suggested === ""
          ? `write each entry as \`name: command\`, e.g. ${EXAMPLE_ENTRY};`
          : `did you mean ${quote(`${suggested}: ${shownCommand}`)}?`;
      report(
        "error",
        "PROCFILE_INVALID_NAME",
        line,
        columnAt(lineText, indent + badIndex),
        namePart === ""
          ? `missing process name before ":" in ${quote(lineText)}`
          : `invalid process name ${quote(namePart)} in ${quote(lineText)}: use only letters, digits, "_" and "-"`,
        `${suggestion} ${NOTE_HINT}`,
      );
      continue;
    }

    report(
      "error",
      "PROCFILE_EMPTY_COMMAND",
      line,
      columnAt(lineText, indent + colonIndex + 1),
      `process "${namePart}" has no command: ${quote(lineText)}`,
      `give it a command, e.g. \`${namePart}: node server.js\`, or comment the line out with "#"`,
    );
  }

  if (entries.length === 0) {
    report(
      "error",
      "PROCFILE_NO_PROCESSES",
      1,
      1,
      "no processes defined",
      `add one line per process, e.g. ${EXAMPLE_ENTRY}`,
    );
  }
  return { entries, diagnostics };
}
