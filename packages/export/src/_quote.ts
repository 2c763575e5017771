import { ExportError } from "./_error.js";

/**
 * Quoting for each format. Every value that reaches a generated file goes through one of these,
 * so no value (a `.env` secret, a command, a path) can end a line, close a quote or start a
 * directive of its own.
 */

/** POSIX shell single quotes: nothing inside is special, so only `'` itself needs care. */
export function shQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A word for systemd's `ExecStart=`: inside double quotes systemd decodes C escapes, expands
 * `%` specifiers (`%%` is a literal %) and `$VAR` (`$$` is a literal $); control characters
 * become `\xNN` so the line cannot break.
 */
export function systemdExecWord(value: string): string {
  let out = "";
  for (const ch of value) {
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "%") out += "%%";
    else if (ch === "$") out += "$$";
    else if (isControl(ch)) out += `\\x${hex2(ch)}`;
    else out += ch;
  }
  return `"${out}"`;
}

/** A plain systemd value (a path): only specifiers are special; the caller rejects control characters. */
export function systemdPlain(value: string): string {
  return value.replaceAll("%", "%%");
}

/**
 * A value in a systemd `EnvironmentFile=`: double quotes, where `\` escapes `"`, `\`, `` ` ``
 * and `$`, and a newline is kept as part of the value (systemd reads on to the closing quote).
 */
export function systemdEnvValue(value: string): string {
  return `"${value.replace(/["\\`$]/g, (ch) => `\\${ch}`)}"`;
}

/**
 * An argument in supervisord's `command=`: supervisord first expands `%(name)s` (so `%%`), its
 * INI parser then cuts the value at a `;` or `#` that follows whitespace, and finally splits the
 * command as a POSIX shell would (`shlex`). So: single quotes, with `'`, `;` and `#` written
 * outside them as `\'`, `\;` and `\#`, where no whitespace can precede them.
 */
export function supervisordArg(value: string): string {
  const quoted = `'${value.replace(/['";#]/g, (ch) => (ch === '"' ? ch : `'\\${ch}'`))}'`;
  return quoted.replaceAll("%", "%%");
}

/** A plain supervisord value (a path, a user): `%` doubled; what INI cannot hold is refused. */
export function supervisordPlain(value: string, what: string): string {
  if (/\s[;#]/.test(value) || /^\s|\s$/.test(value)) {
    throw new ExportError(
      "EXPORT_UNREPRESENTABLE_VALUE",
      `${what} "${value}" cannot be written into a supervisord file (leading or trailing spaces, or a space before ";" or "#")`,
      { hint: "choose a path without them" },
    );
  }
  return value.replaceAll("%", "%%");
}

/** Text in an XML element. XML 1.0 has no way to write most control characters, even escaped. */
export function xmlText(value: string, what: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === "&") out += "&amp;";
    else if (ch === "<") out += "&lt;";
    else if (ch === ">") out += "&gt;";
    else if (ch === '"') out += "&quot;";
    else if (ch === "'") out += "&apos;";
    // A raw CR would be read back as LF; a raw newline would take the indentation of the line
    // it lands on in a template.
    else if (ch === "\r") out += "&#13;";
    else if (ch === "\n") out += "&#10;";
    else if (ch === "\t") out += "&#9;";
    else if (
      code < 0x20 ||
      code === 0xfffe ||
      code === 0xffff ||
      (code >= 0xd800 && code <= 0xdfff)
    ) {
      throw new ExportError(
        "EXPORT_UNREPRESENTABLE_VALUE",
        `${what} holds the character U+${code.toString(16).toUpperCase().padStart(4, "0")}, which an XML property list cannot contain`,
        { hint: "remove the control character from the value" },
      );
    } else out += ch;
  }
  return out;
}

/**
 * A YAML double-quoted scalar that YAML 1.1 (PyYAML, docker-compose 1) and 1.2 readers agree on:
 * every character a reader might fold, refuse or treat as a line break is escaped.
 */
export function yamlString(value: string): string {
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === "\\") out += "\\\\";
    else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) out += `\\x${hex2(ch)}`;
    else if (code === 0x2028 || code === 0x2029 || code === 0xfeff || code >= 0xfffe) {
      if (code > 0xffff) out += ch;
      else out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      throw new ExportError(
        "EXPORT_UNREPRESENTABLE_VALUE",
        "a value holds a lone UTF-16 surrogate, which YAML cannot contain",
      );
    } else out += ch;
  }
  return `"${out}"`;
}

/** Docker Compose interpolates `$VAR` in every value of the file; `$$` is a literal `$`. */
export function composeString(value: string): string {
  return yamlString(value.replaceAll("$", () => "$$"));
}

/** Kubernetes expands `$(VAR)` in a container's command and env values; `$$` is a literal `$`. */
export function kubernetesExpandable(value: string): string {
  return yamlString(value.replaceAll("$", () => "$$"));
}

/**
 * An upstart argument (`chdir`): upstart's lexer honours double quotes and backslashes, so plain
 * safe text is written as is and anything else in double quotes.
 */
export function upstartArg(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

function isControl(ch: string): boolean {
  const code = ch.codePointAt(0) as number;
  return code < 0x20 || code === 0x7f;
}

function hex2(ch: string): string {
  return (ch.codePointAt(0) as number).toString(16).padStart(2, "0");
}
