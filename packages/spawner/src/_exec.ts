/**
 * dash (Debian's /bin/sh) forks for `sh -c "node server.js"` instead of replacing itself, so
 * SIGTERM to the group kills the shell at once and the process's own exit code is lost (the
 * report says "terminated by SIGTERM" although node exited 0). Ruby foreman avoids the shell for
 * such commands; we keep the shell (so quoting and `$VAR` work the same everywhere) and prefix
 * `exec` where that cannot change the meaning: a single simple command.
 */
const OPERATORS = /[;&|\n\r()`]/;
const NOT_EXECABLE = new Set([
  "!",
  "{",
  "}",
  "case",
  "do",
  "done",
  "elif",
  "else",
  "esac",
  "fi",
  "for",
  "function",
  "if",
  "in",
  "select",
  "then",
  "until",
  "while",
  "time",
  ".",
  ":",
  "alias",
  "break",
  "cd",
  "command",
  "continue",
  "eval",
  "exec",
  "exit",
  "export",
  "readonly",
  "return",
  "set",
  "shift",
  "source",
  "trap",
  "ulimit",
  "umask",
  "unset",
  "wait",
  "test",
  "[",
  "[[",
  "echo",
  "printf",
  "true",
  "false",
]);

export function withExec(command: string): string {
  const trimmed = command.trim();
  if (trimmed === "" || OPERATORS.test(trimmed)) return command;
  const firstWord = trimmed.split(/[\s<>]/, 1)[0] ?? "";
  // An assignment prefix (`FOO=1 node x`) or an expanded first word (`$CMD`, which may be
  // empty): leave it to the shell. A quoted path is fine: `exec "/opt/my app/bin" x`.
  if (firstWord === "" || firstWord.includes("=") || firstWord.includes("$")) return command;
  if (NOT_EXECABLE.has(firstWord)) return command;
  return `exec ${trimmed}`;
}
