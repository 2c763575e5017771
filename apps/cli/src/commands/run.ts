import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import type { CommandContext } from "../_context.js";
import { CliError, formatErrorLine, usageError } from "../_errors.js";
import { loadEnvironment, loadProcfile, resolvePaths, throwIfErrors } from "../_project.js";
import { checkRootDirectory } from "../_root.js";

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

/**
 * `foreman run`: one command in the app's environment, as transparent as `exec`: the terminal's
 * stdio, forwarded signals, and the child's exit code (128+n when a signal ended it).
 */
export async function runCommand(context: CommandContext): Promise<number> {
  const { io, options, positionals } = context;
  const [command, ...args] = positionals;
  if (command === undefined) {
    throw usageError(
      "CLI_MISSING_COMMAND",
      "foreman run needs a command",
      "e.g. `foreman run node script.js`, or `foreman run web` for a Procfile entry",
    );
  }
  const paths = resolvePaths(options, io.cwd);
  // A missing -d would otherwise surface as ENOENT from spawn: "command not found".
  if (typeof options.root === "string") checkRootDirectory(paths.root, io.cwd);
  const loaded = await loadEnvironment(paths, io.cwd, io.env);
  throwIfErrors(loaded.diagnostics, io.cwd);

  // A Procfile entry by name, when there is a Procfile; `run` also works without one.
  let entryCommand: string | undefined;
  if (existsSync(paths.procfile)) {
    const procfile = await loadProcfile(paths.procfile, io.cwd);
    entryCommand = procfile.entries.find((e) => e.name === command)?.command;
  }

  const [file, argv]: [string, string[]] =
    entryCommand !== undefined
      ? ["/bin/sh", ["-c", `${entryCommand} "$@"`, command, ...args]]
      : args.length === 0
        ? ["/bin/sh", ["-c", command]]
        : [command, args];
  const cwd = typeof options.root === "string" ? paths.root : io.cwd;

  return new Promise<number>((resolve, reject) => {
    const child = spawn(file, argv, { cwd, env: loaded.env, stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const cleanup = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      if (error.code === "ENOENT") {
        reject(
          new CliError("CLI_COMMAND_NOT_FOUND", `command not found: ${command}`, {
            hint: "check the spelling and your PATH (the .env files may set PATH)",
          }),
        );
      } else if (error.code === "EACCES") {
        reject(
          new CliError("CLI_COMMAND_NOT_EXECUTABLE", `permission denied: ${command}`, {
            hint: `make it executable (chmod +x ${command})`,
          }),
        );
      } else {
        reject(error);
      }
    });
    child.once("exit", (code, signal) => {
      cleanup();
      if (signal !== null) resolve(128 + (constants.signals[signal] ?? 0));
      else resolve(code ?? 1);
    });
  }).catch((error: unknown) => {
    if (error instanceof CliError) {
      // Shells use 127 and 126 for these; keep the one-line message and that exit code.
      const code =
        error.code === "CLI_COMMAND_NOT_FOUND"
          ? 127
          : error.code === "CLI_COMMAND_NOT_EXECUTABLE"
            ? 126
            : 1;
      io.stderr.write(`${formatErrorLine(error.message, error.hint)}\n`);
      return code;
    }
    throw error;
  });
}
