import { parse as dotenvParse } from "dotenv";
import {
  escapeControlCharacters,
  maskedPreview,
  quoteCharacter,
  quoteKey,
  quoteKeyCandidate,
} from "./_escape.js";
import { LineIndex } from "./_lines.js";
import type {
  EnvDiagnostic,
  EnvDiagnosticCode,
  ParseEnvOptions,
  ParseEnvResult,
  Severity,
} from "./_types.js";

/*
 * dotenv's LINE pattern, copied verbatim from dotenv 18.0.10 (`parse`, the default parser).
 * dotenv is BSD-2-Clause, Copyright (c) 2015, Scott Motte.
 *
 * We run the very same pattern, with the `d` flag added for match indices, so we learn exactly
 * which line dotenv read each key from and which lines it matched nothing on. The values we hand
 * out still come from `dotenv.parse` itself; the tests check that this scanner agrees with it.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

type Quote = "'" | '"' | "`";

const QUOTE_NAMES: Record<Quote, string> = { "'": "single", '"': "double", "`": "backtick" };

/** A whole value group that dotenv read with its quoted alternative (not the unquoted fallback). */
const QUOTED_VALUE: Record<Quote, RegExp> = {
  "'": /^\s*'(?:\\'|[^'])*'$/,
  '"': /^\s*"(?:\\"|[^"])*"$/,
  "`": /^\s*`(?:\\`|[^`])*`$/,
};

const PORTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTENV_KEY_CHAR = /[\w.-]/;
/** A line inside a quoted value that looks like the next definition: the quote was probably left open. */
const LOOKS_LIKE_DEFINITION = /^\s*(?:export\s+)?[A-Z_][A-Z0-9_]*=/;
const MERGE_CONFLICT_MARKER = /^(?:<{7}|\|{7}|={7}|>{7})(?:\s|$)/;

function isQuote(char: string | undefined): char is Quote {
  return char === "'" || char === '"' || char === "`";
}

/** What dotenv's `parse` does to a matched value group (ported so the scanner can be checked against it). */
function dotenvValue(raw: string | undefined): { value: string; quote: Quote | undefined } {
  const trimmed = (raw || "").trim();
  const maybeQuote = trimmed[0];
  let value = trimmed.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
  const quote = value !== trimmed && isQuote(maybeQuote) ? maybeQuote : undefined;
  if (maybeQuote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
  return { value, quote };
}

/** The winning definition of a key, as the scanner saw it. */
export interface EnvDefinition {
  key: string;
  value: string;
  line: number;
  column: number;
  /** The quote dotenv removed around the value, if any. */
  quote: Quote | undefined;
}

export interface EnvScan extends ParseEnvResult {
  /** The winning definition of each key in `vars`. */
  definitions: Map<string, EnvDefinition>;
}

interface DiagnosticInput {
  severity: Severity;
  code: EnvDiagnosticCode;
  message: string;
  line: number;
  column: number;
  hint?: string;
  key?: string;
}

/** `parseEnv` plus what `loadEnv` needs to know about each definition. Never throws. */
export function scanEnv(source: string, options: ParseEnvOptions = {}): EnvScan {
  const diagnostics: EnvDiagnostic[] = [];
  const report = (input: DiagnosticInput): void => {
    const diagnostic: EnvDiagnostic = {
      severity: input.severity,
      code: input.code,
      message: input.message,
      line: input.line,
      column: input.column,
    };
    if (options.filename !== undefined) diagnostic.file = options.filename;
    if (input.hint !== undefined) diagnostic.hint = input.hint;
    if (input.key !== undefined) diagnostic.key = input.key;
    diagnostics.push(diagnostic);
  };

  let text = typeof source === "string" ? source : String(source);
  if (text.startsWith("\ufeff")) {
    // dotenv happens to cope (JavaScript's \s matches U+FEFF), but Ruby foreman and shells read
    // the first key as "\ufeffKEY" and lose it, so say so; stripping it changes no dotenv value.
    text = text.slice(1);
    report({
      severity: "warning",
      code: "ENV_BOM",
      message: "the file starts with a UTF-8 byte-order mark (BOM); it was ignored",
      line: 1,
      column: 1,
      hint: 'save the file as UTF-8 without a BOM: Ruby foreman and shells read the first key as "\\ufeffKEY" and lose it',
    });
  }

  const vars = dotenvParse(text);
  // dotenv turns CRLF and lone CR into LF before matching; lines are counted on that text.
  const normalized = text.replace(/\r\n?/g, "\n");
  const index = new LineIndex(normalized);
  const covered = new Uint8Array(index.lineCount + 2);
  const definitions = new Map<string, EnvDefinition>();
  const lines: Record<string, number> = {};
  const pattern = new RegExp(DOTENV_LINE.source, "dgm");

  for (let match = pattern.exec(normalized); match !== null; match = pattern.exec(normalized)) {
    const lastLine = index.lineOf(match.index + match[0].length - 1);
    for (let line = index.lineOf(match.index); line <= lastLine; line += 1) covered[line] = 1;

    const key = match[1]!;
    const [keyStart, keyEnd] = match.indices![1]!;
    const keyLine = index.lineOf(keyStart);
    const keyColumn = index.columnOf(keyStart);
    const raw = match[2];
    const valueRange = match.indices![2];
    const shownKey = quoteKey(key);
    const at = (offset: number): { line: number; column: number } => ({
      line: index.lineOf(offset),
      column: index.columnOf(offset),
    });

    if (key === "__proto__") {
      report({
        severity: "error",
        code: "ENV_INVALID_KEY",
        message: `the key ${shownKey} is ignored: dotenv cannot store it`,
        line: keyLine,
        column: keyColumn,
        hint: "rename the variable",
        key,
      });
      continue;
    }

    if (!PORTABLE_KEY.test(key)) {
      report({
        severity: "warning",
        code: "ENV_NONPORTABLE_KEY",
        message: `the key ${shownKey} is not a portable variable name: dotenv accepts it, but a shell cannot use it and "$" expansion cannot refer to it`,
        line: keyLine,
        column: keyColumn,
        hint: 'use letters, digits and "_", not starting with a digit',
        key,
      });
    }

    // The separator: `\s*=` when it matches right after the key, else `:` plus whitespace.
    const equals = /\s*=/y;
    equals.lastIndex = keyEnd;
    const equalsMatch = equals.exec(normalized);
    const separator = equalsMatch === null ? ":" : "=";
    const separatorOffset = equalsMatch === null ? keyEnd : keyEnd + equalsMatch[0].length - 1;
    const separatorLine = index.lineOf(separatorOffset);

    const content =
      raw !== undefined && valueRange !== undefined && raw.trim() !== ""
        ? valueRange[0] + raw.length - raw.trimStart().length
        : undefined;
    const contentLine = content === undefined ? undefined : index.lineOf(content);

    let spaces = separator === "=" && separatorOffset > keyEnd;
    if (separatorLine > keyLine) {
      report({
        severity: "error",
        code: "ENV_VALUE_ON_NEXT_LINE",
        message: `${shownKey} has no "=" on its line; dotenv took the "=" on line ${separatorLine} as its separator`,
        line: keyLine,
        column: keyColumn,
        hint: 'put the key, the "=" and the value on one line (KEY=value)',
        key,
      });
      spaces = false;
    } else if (contentLine !== undefined && contentLine > separatorLine) {
      report({
        severity: "error",
        code: "ENV_VALUE_ON_NEXT_LINE",
        message: `${shownKey} has no value on its line; dotenv read line ${contentLine} as its value`,
        ...at(separatorOffset),
        hint: `write the value on the same line; for an empty value write ${escapeControlCharacters(key)}= and nothing after it`,
        key,
      });
    } else if (separator === "=" && content !== undefined && content > separatorOffset + 1) {
      spaces = true;
    }
    if (spaces) {
      report({
        severity: "warning",
        code: "ENV_SPACE_AROUND_EQUALS",
        message: `${shownKey} has spaces around "="; dotenv ignores them, but a shell that sources the file does not`,
        ...at(separatorOffset),
        hint: `write ${escapeControlCharacters(key)}=value, and quote a value that must keep its spaces`,
        key,
      });
    }
    if (separator === ":") {
      report({
        severity: "warning",
        code: "ENV_COLON_SEPARATOR",
        message: `${shownKey} uses "KEY: value" syntax; dotenv accepts it, most other tools do not`,
        ...at(separatorOffset),
        hint: `write ${escapeControlCharacters(key)}=value`,
        key,
      });
    }

    let quoteProblem = false;
    const opening = content === undefined ? undefined : normalized[content];
    if (content !== undefined && raw !== undefined && isQuote(opening)) {
      const quoteName = QUOTE_NAMES[opening];
      if (!QUOTED_VALUE[opening].test(raw)) {
        // dotenv fell back to the unquoted alternative: the rest of the line, quote included.
        quoteProblem = true;
        const lineEnd = index.endOf(index.lineOf(content));
        const closing = normalized.slice(content + 1, lineEnd).indexOf(opening);
        if (closing === -1) {
          report({
            severity: "error",
            code: "ENV_UNTERMINATED_QUOTE",
            message: `the value of ${shownKey} opens a ${quoteName} quote that is not closed on its line; dotenv read the value literally, quote included`,
            ...at(content),
            hint: "close the quote (a value may span lines only between a matching pair of quotes)",
            key,
          });
        } else {
          report({
            severity: "warning",
            code: "ENV_TEXT_AFTER_QUOTE",
            message: `the value of ${shownKey} has text after its closing ${quoteName} quote; dotenv read the whole value literally, up to a "#" or the end of the line`,
            ...at(content + 1 + closing + 1),
            hint: 'keep the whole value inside the quotes; put a space before "#" to start a comment',
            key,
          });
        }
      } else if (valueRange !== undefined) {
        const lastValueLine = index.lineOf(valueRange[1] - 1);
        for (let line = index.lineOf(content) + 1; line <= lastValueLine; line += 1) {
          if (LOOKS_LIKE_DEFINITION.test(index.textOf(line))) {
            report({
              severity: "warning",
              code: "ENV_SUSPICIOUS_MULTILINE",
              message: `the ${quoteName}-quoted value of ${shownKey} runs from line ${index.lineOf(content)} to line ${lastValueLine}, and line ${line} inside it looks like a definition; is a closing quote missing?`,
              ...at(content),
              hint: "close the quote where the value should end; until then dotenv reads the following lines into the value",
              key,
            });
            break;
          }
        }
      }
    }

    if (!quoteProblem) {
      const hashHint =
        'put the value in quotes to keep the "#"; put a space before "#" to make it a comment';
      if (
        content !== undefined &&
        raw !== undefined &&
        valueRange !== undefined &&
        !isQuote(opening) &&
        normalized[valueRange[1]] === "#" &&
        /\S$/.test(raw)
      ) {
        report({
          severity: "warning",
          code: "ENV_INLINE_HASH",
          message: `the value of ${shownKey} stops at the "#" in column ${index.columnOf(valueRange[1])}: dotenv reads the rest of the line as a comment`,
          ...at(valueRange[1]),
          hint: hashHint,
          key,
        });
      } else if (
        content === undefined &&
        separator === "=" &&
        normalized[separatorOffset + 1] === "#"
      ) {
        report({
          severity: "warning",
          code: "ENV_INLINE_HASH",
          message: `the value of ${shownKey} starts with "#", so dotenv reads it as a comment and the value is empty`,
          ...at(separatorOffset + 1),
          hint: hashHint,
          key,
        });
      }
    }

    const previous = definitions.get(key);
    if (previous !== undefined) {
      report({
        severity: "warning",
        code: "ENV_DUPLICATE_KEY",
        message: `${shownKey} is defined on line ${previous.line} and again on line ${keyLine}; the later value wins`,
        line: keyLine,
        column: keyColumn,
        hint: "delete one of the two definitions",
        key,
      });
    }
    const { value, quote } = dotenvValue(raw);
    definitions.delete(key); // keep the map in order of winning definitions
    definitions.set(key, { key, value, line: keyLine, column: keyColumn, quote });
    lines[key] = keyLine;
  }

  for (let line = 1; line <= index.lineCount; line += 1) {
    if (covered[line] === 1) continue;
    const lineText = index.textOf(line);
    const body = lineText.trim();
    if (body === "" || body.startsWith("#")) continue;
    diagnoseSkippedLine(lineText, line, report);
  }

  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { vars, diagnostics, lines, definitions };
}

/** A line dotenv matched nothing on (and that is neither blank nor a comment): say why. */
function diagnoseSkippedLine(
  lineText: string,
  line: number,
  report: (input: DiagnosticInput) => void,
): void {
  const indent = lineText.length - lineText.trimStart().length;
  const body = lineText.trim();
  const columnAt = (offset: number): number => Array.from(lineText.slice(0, offset)).length + 1;
  const column = columnAt(indent);

  if (MERGE_CONFLICT_MARKER.test(body)) {
    report({
      severity: "error",
      code: "ENV_MERGE_CONFLICT_MARKER",
      message:
        "a merge-conflict marker; dotenv ignores the line but reads both sides of the conflict",
      line,
      column,
      hint: "resolve the conflict: keep one side and delete the markers",
    });
    return;
  }

  const exported = /^export\s+/.exec(body);
  const rest = exported === null ? body : body.slice(exported[0].length);
  const restOffset = indent + (exported === null ? 0 : exported[0].length);
  const equals = rest.indexOf("=");

  if (equals === -1) {
    if (exported !== null && /^[\w.-]+$/.test(rest)) {
      report({
        severity: "error",
        code: "ENV_MISSING_EQUALS",
        message: `${quoteKeyCandidate(`export ${rest}`)} has no "="; dotenv ignores the line`,
        line,
        column,
        hint: `write ${quoteKeyCandidate(rest) === quoteKey(rest) ? escapeControlCharacters(rest) : "KEY"}=value, or delete the line (an inherited variable is passed on anyway)`,
        key: rest,
      });
    } else {
      // This could be a pasted secret: show only its first few characters.
      report({
        severity: "error",
        code: "ENV_MISSING_EQUALS",
        message: `the line ${maskedPreview(body)} has no "="; dotenv ignores it`,
        line,
        column,
        hint: 'write KEY=value; start a comment with "#"',
      });
    }
    return;
  }

  const candidate = rest.slice(0, equals).trimEnd();
  if (candidate === "") {
    report({
      severity: "error",
      code: "ENV_INVALID_KEY",
      message: 'the line starts with "=": the key is missing; dotenv ignores the line',
      line,
      column,
      hint: "write KEY=value",
    });
    return;
  }
  let bad = 0;
  for (const char of candidate) {
    if (!DOTENV_KEY_CHAR.test(char)) break;
    bad += char.length;
  }
  const badChar = candidate.slice(bad).codePointAt(0);
  if (badChar === undefined) {
    // Not reachable with dotenv's pattern as we know it, but never stay silent about a lost line.
    report({
      severity: "error",
      code: "ENV_INVALID_KEY",
      message: "dotenv could not read a definition on this line and ignores it",
      line,
      column,
      hint: "write KEY=value",
    });
    return;
  }
  const shownChar = quoteCharacter(String.fromCodePoint(badChar));
  const where = `column ${columnAt(restOffset + bad)}`;
  report({
    severity: "error",
    code: "ENV_INVALID_KEY",
    message:
      bad === 0
        ? `invalid key: it starts with ${shownChar} (${where}), which a key may not contain; dotenv ignores the line`
        : `invalid key: ${quoteKeyCandidate(candidate.slice(0, bad))} is followed by ${shownChar} (${where}), which a key may not contain; dotenv ignores the line`,
    line,
    column,
    hint: 'a key is letters, digits and "_" (dotenv also allows "." and "-"), e.g. MY_KEY=value',
  });
}

/**
 * Parses .env text exactly as `dotenv.parse` does (values unexpanded), and reports every line
 * dotenv ignores or reads in a surprising way. Never throws. A leading BOM is ignored (with a
 * warning). Diagnostics never contain a value.
 */
export function parseEnv(source: string, options: ParseEnvOptions = {}): ParseEnvResult {
  const { vars, diagnostics, lines } = scanEnv(source, options);
  return { vars, diagnostics, lines };
}
