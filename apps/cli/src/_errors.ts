/**
 * Every failure the CLI reports is one line: `foreman: <what>, <where>; <hint>`.
 * Usage errors (the command line itself is wrong) exit 2; everything else exits 1.
 */
export type CliErrorKind = "usage" | "input";

export class CliError extends Error {
  readonly code: string;
  readonly kind: CliErrorKind;
  readonly hint: string | undefined;
  /** Further problems found at the same time (every error of a Procfile), one line each. */
  readonly extraLines: readonly string[];

  constructor(
    code: string,
    message: string,
    options: {
      kind?: CliErrorKind;
      hint?: string;
      cause?: unknown;
      extraLines?: readonly string[];
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.code = code;
    this.kind = options.kind ?? "input";
    this.hint = options.hint;
    this.extraLines = options.extraLines ?? [];
  }

  get exitCode(): number {
    return this.kind === "usage" ? 2 : 1;
  }
}

export function usageError(code: string, message: string, hint?: string): CliError {
  return new CliError(
    code,
    message,
    hint === undefined ? { kind: "usage" } : { kind: "usage", hint },
  );
}

/** Errors from the packages carry `code`, `message` and maybe `hint`; compare by shape, not class. */
export interface CodedError {
  code: string;
  message: string;
  hint?: string | undefined;
}

export function isCodedError(error: unknown): error is CodedError {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { message?: unknown }).message === "string"
  );
}

// Untrusted text (file lines, names) must not drive the user's terminal.
export function escapeControl(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code === 0x1b ? "\\x1b" : `\\x${code.toString(16).padStart(2, "0")}`;
  });
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls in strings but leaves DEL and the C1
 * controls (U+0080–U+009F, e.g. U+009B, a one-character CSI) raw; escape those too. Still JSON.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\u007f-\u009f]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function formatErrorLine(message: string, hint?: string): string {
  const text = escapeControl(message.replace(/\s*\n\s*/g, " "));
  return hint === undefined || hint === ""
    ? `foreman: ${text}`
    : `foreman: ${text}; ${escapeControl(hint)}`;
}
