import type { CommandContext } from "../_context.js";
import { CliError, escapeControl, formatErrorLine, jsonForTerminal } from "../_errors.js";
import {
  describeDiagnostic,
  displayPath,
  loadEnvironment,
  resolvePaths,
  throwIfErrors,
} from "../_project.js";

/**
 * `foreman env`: what the `.env` files give the processes, after expansion. Printing values is
 * the point of this command (the user asked for them); every other command masks them.
 */
export async function envCommand(context: CommandContext): Promise<number> {
  const { io, options } = context;
  const paths = resolvePaths(options, io.cwd);
  const loaded = await loadEnvironment(paths, io.cwd, io.env);
  throwIfErrors(loaded.diagnostics, io.cwd);
  for (const d of loaded.diagnostics)
    io.stderr.write(`${formatErrorLine(describeDiagnostic(d, io.cwd))}\n`);

  if (typeof options.explain === "string") {
    const key = options.explain;
    const source = loaded.sources[key];
    if (source === undefined) {
      const inherited =
        io.env[key] !== undefined ? " (it comes from the inherited environment)" : "";
      throw new CliError("CLI_UNKNOWN_KEY", `no .env file sets ${escapeControl(key)}${inherited}`, {
        hint: `the files read were: ${loaded.files.map((f) => displayPath(f, io.cwd)).join(", ") || "none"}`,
      });
    }
    io.stdout.write(
      `${escapeControl(`${key} is set by ${displayPath(source.file, io.cwd)}`)}:${source.line}\n`,
    );
    return 0;
  }

  if (options.json === true) {
    io.stdout.write(`${jsonForTerminal(loaded.vars)}\n`);
    return 0;
  }
  for (const [key, value] of Object.entries(loaded.vars))
    io.stdout.write(`${key}=${quoteForDotenv(value)}\n`);
  return 0;
}

// Output that dotenv reads back to the same value. dotenv unescapes only \n and \r inside double
// quotes, so prefer quotes that need no escaping at all: single, then backticks (which keep newlines).
export function quoteForDotenv(value: string): string {
  if (/^[A-Za-z0-9_./:@%+,=-]*$/.test(value)) return value;
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  if (!value.includes("`")) return `\`${value}\``;
  if (!/["\\]/.test(value)) return `"${value.replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
  return JSON.stringify(value);
}
