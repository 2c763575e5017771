import { readFileSync } from "node:fs";
import { type OptionSpec, type ParsedArgs, parseArgs, renderOptions } from "./_args.js";
import type { CommandContext } from "./_context.js";
import { readDotForeman } from "./_dotforeman.js";
import { CliError, formatErrorLine, isCodedError, usageError } from "./_errors.js";
import {
  CHECK_OPTIONS,
  ENV_OPTIONS,
  EXPORT_OPTIONS,
  GLOBAL_OPTIONS,
  LOGS_OPTIONS,
  mergeOptions,
  PS_OPTIONS,
  START_OPTIONS,
} from "./_options.js";

interface CommandDefinition {
  summary: string;
  usage: string;
  options: readonly OptionSpec[];
  stopAtPositional?: boolean;
  load: () => Promise<(context: CommandContext) => Promise<number>>;
}

// Commands load lazily so that `foreman start` does not pay for what only `check` or `env` needs.
const COMMANDS: Record<string, CommandDefinition> = {
  start: {
    summary: "start every process of the Procfile (or the ones named)",
    usage: "foreman start [PROCESS...] [options]",
    options: START_OPTIONS,
    load: async () => (await import("./commands/start.js")).startCommand,
  },
  ps: {
    summary: "show the processes of the running instance: pid, state, uptime, restarts, port",
    usage: "foreman ps [--json]",
    options: PS_OPTIONS,
    load: async () => (await import("./commands/control.js")).psCommand,
  },
  status: {
    summary: "the same as ps",
    usage: "foreman status [--json]",
    options: PS_OPTIONS,
    load: async () => (await import("./commands/control.js")).psCommand,
  },
  restart: {
    summary: "restart (or start) processes of the running instance, one at a time",
    usage: "foreman restart [NAME|NAME.N|PATTERN...]   (none: all)",
    options: [],
    load: async () => (await import("./commands/control.js")).restartCommand,
  },
  stop: {
    summary: "stop processes of the running instance (and what depends on them)",
    usage: "foreman stop [NAME|NAME.N|PATTERN...]   (none: all; foreman keeps running)",
    options: [],
    load: async () => (await import("./commands/control.js")).stopCommand,
  },
  scale: {
    summary: "change how many of a process the running instance runs",
    usage: "foreman scale NAME=COUNT...   e.g. foreman scale web=3 worker=0",
    options: [],
    load: async () => (await import("./commands/control.js")).scaleCommand,
  },
  logs: {
    summary: "print the recent output of the running instance",
    usage: "foreman logs [NAME...] [-n LINES] [-F]",
    options: LOGS_OPTIONS,
    load: async () => (await import("./commands/control.js")).logsCommand,
  },
  quit: {
    summary: "stop the running instance, as Ctrl-C does",
    usage: "foreman quit",
    options: [],
    load: async () => (await import("./commands/control.js")).quitCommand,
  },
  run: {
    summary: "run a command, or a Procfile entry by name, with the app's environment",
    usage: "foreman run COMMAND [ARGS...]",
    options: [],
    stopAtPositional: true,
    load: async () => (await import("./commands/run.js")).runCommand,
  },
  check: {
    summary: "validate the Procfile and the .env files",
    usage: "foreman check [--json]",
    options: CHECK_OPTIONS,
    load: async () => (await import("./commands/check.js")).checkCommand,
  },
  env: {
    summary: "print the variables the .env files define, after expansion",
    usage: "foreman env [--json] [--explain KEY]",
    options: ENV_OPTIONS,
    load: async () => (await import("./commands/env.js")).envCommand,
  },
  export: {
    summary:
      "write the Procfile as systemd, supervisord, runit, launchd, upstart, compose or k8s config",
    usage:
      "foreman export FORMAT LOCATION [options]   (LOCATION - prints docker-compose or kubernetes)",
    options: EXPORT_OPTIONS,
    load: async () => (await import("./commands/export.js")).exportCommand,
  },
};

// `.foreman` may hold a default for any command's flag (Ruby foreman reads it for all of them).
const DOT_FOREMAN_OPTIONS: readonly OptionSpec[] = [
  ...GLOBAL_OPTIONS,
  ...START_OPTIONS,
  ...EXPORT_OPTIONS.filter((spec) => !START_OPTIONS.some((s) => s.name === spec.name)),
];

export interface MainIo {
  cwd: string;
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function version(): string {
  const manifest = JSON.parse(
    readFileSync(new URL("../package.json", import.meta.url), "utf8"),
  ) as { version: string };
  return manifest.version;
}

function helpText(command?: string): string {
  if (command !== undefined && COMMANDS[command] !== undefined) {
    const def = COMMANDS[command];
    const own = def.options.length > 0 ? `\n\nOptions:\n${renderOptions(def.options)}` : "";
    return `Usage: ${def.usage}\n\n${def.summary}${own}\n\nGlobal options:\n${renderOptions(GLOBAL_OPTIONS)}\n`;
  }
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  const commands = Object.entries(COMMANDS)
    .map(([name, def]) => `  ${name.padEnd(width)}${def.summary}`)
    .join("\n");
  return `Usage: foreman COMMAND [options]\n\nCommands:\n${commands}\n  ${"help".padEnd(width)}show help for a command\n\nGlobal options:\n${renderOptions(GLOBAL_OPTIONS)}\n\nRun \`foreman help COMMAND\` for a command's options.\n`;
}

export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (error) {
    if (error instanceof CliError || isCodedError(error)) {
      const hint = (error as { hint?: string }).hint;
      io.stderr.write(`${formatErrorLine(error.message, hint)}\n`);
      for (const line of error instanceof CliError ? error.extraLines : [])
        io.stderr.write(`${formatErrorLine(line)}\n`);
      return error instanceof CliError ? error.exitCode : 1;
    }
    // A bug of ours: still one line, but keep the detail reachable for a report.
    const detail = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `${formatErrorLine(`internal error: ${detail}`, "please report it with FOREMAN_DEBUG=1 output")}\n`,
    );
    if (io.env.FOREMAN_DEBUG === "1" && error instanceof Error) io.stderr.write(`${error.stack}\n`);
    return 70;
  }
}

async function dispatch(argv: readonly string[], io: MainIo): Promise<number> {
  // Global flags may come before the command: `foreman -f Procfile.dev start`.
  const leading = parseArgs(argv, GLOBAL_OPTIONS, { stopAtPositional: true, command: "COMMAND" });
  if (leading.options.version === true) {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const [commandName, ...rest] = leading.positionals;
  if (commandName === undefined || commandName === "help") {
    if (commandName === "help" && rest[0] !== undefined && COMMANDS[rest[0]] === undefined) {
      throw unknownCommand(rest[0]);
    }
    io.stdout.write(helpText(rest[0]));
    return leading.options.help === true || commandName === "help" ? 0 : 2;
  }
  const definition = COMMANDS[commandName];
  if (definition === undefined) throw unknownCommand(commandName);

  const specs = [...GLOBAL_OPTIONS, ...definition.options];
  const parsed: ParsedArgs = parseArgs(rest, specs, {
    command: commandName,
    ...(definition.stopAtPositional === true ? { stopAtPositional: true } : {}),
  });
  if (parsed.options.help === true || leading.options.help === true) {
    io.stdout.write(helpText(commandName));
    return 0;
  }
  const dotForeman = await readDotForeman(io.cwd, DOT_FOREMAN_OPTIONS);
  for (const warning of dotForeman?.warnings ?? [])
    io.stderr.write(`${formatErrorLine(`warning: ${warning}`)}\n`);
  const options = mergeOptions({ ...leading.options, ...parsed.options }, dotForeman?.options);
  const run = await definition.load();
  return run({ io, options, positionals: parsed.positionals, dotForeman });
}

function unknownCommand(name: string): CliError {
  const known = [...Object.keys(COMMANDS), "help"];
  const near = known.find((k) => k.startsWith(name.slice(0, 2)));
  return usageError(
    "CLI_UNKNOWN_COMMAND",
    `unknown command "${name}"`,
    near === undefined
      ? `the commands are: ${known.join(", ")}`
      : `did you mean \`foreman ${near}\`? (commands: ${known.join(", ")})`,
  );
}
