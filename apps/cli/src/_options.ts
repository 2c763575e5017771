import type { OptionSpec, OptionValue } from "./_args.js";

export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: "procfile",
    short: "f",
    type: "string",
    valueName: "PATH",
    description: "the Procfile (default: Procfile, or ROOT/Procfile)",
  },
  {
    name: "root",
    short: "d",
    type: "string",
    valueName: "DIR",
    description: "where processes run (default: the Procfile's directory)",
  },
  {
    name: "env",
    short: "e",
    type: "list",
    valueName: "FILES",
    description: "comma-separated .env files, repeatable (default: ROOT/.env if present)",
  },
  { name: "help", short: "h", type: "boolean", description: "show help" },
  { name: "version", short: "v", type: "boolean", description: "show the version" },
];

export const START_OPTIONS: readonly OptionSpec[] = [
  {
    name: "formation",
    short: "m",
    type: "string",
    valueName: "SPEC",
    description: "how many of each process, e.g. all=1,web=2,worker=0",
  },
  {
    name: "port",
    short: "p",
    type: "string",
    valueName: "PORT",
    description: "base port (default: PORT from .env or the environment, else 5000)",
  },
  {
    name: "timeout",
    short: "t",
    type: "string",
    valueName: "SECONDS",
    description: "seconds between SIGTERM and SIGKILL on shutdown (default 5)",
  },
  {
    name: "color",
    short: "c",
    type: "boolean",
    negatable: true,
    description:
      "colour the prefixes (default: when stdout is a terminal; NO_COLOR and FORCE_COLOR honoured)",
  },
  {
    name: "timestamp",
    type: "boolean",
    negatable: true,
    description: "prefix each line with HH:MM:SS (default on)",
  },
  { name: "raw", type: "boolean", negatable: true, description: "print output without any prefix" },
  {
    name: "force",
    type: "boolean",
    description: "start a formation above the safety limits (1000 per type, 2000 in all)",
  },
];

export const CHECK_OPTIONS: readonly OptionSpec[] = [
  { name: "json", type: "boolean", description: "print the processes and diagnostics as JSON" },
];

export const PS_OPTIONS: readonly OptionSpec[] = [
  { name: "json", type: "boolean", description: "print the processes as JSON" },
];

export const LOGS_OPTIONS: readonly OptionSpec[] = [
  {
    name: "lines",
    short: "n",
    type: "string",
    valueName: "LINES",
    description: "how many recent lines to print (default 100)",
  },
  {
    name: "follow",
    short: "F",
    type: "boolean",
    description: "keep printing new lines until the instance stops (Ctrl-C to quit)",
  },
];

export const ENV_OPTIONS: readonly OptionSpec[] = [
  { name: "json", type: "boolean", description: "print the variables as a JSON object" },
  {
    name: "explain",
    type: "string",
    valueName: "KEY",
    description: "say which file and line set KEY",
  },
];

// Ruby foreman binds -t to both --template and --timeout; here -t is --template and the timeout
// is spelled out.
export const EXPORT_OPTIONS: readonly OptionSpec[] = [
  {
    name: "app",
    short: "a",
    type: "string",
    valueName: "NAME",
    description: "the app's name, prefixing every unit (default: the root directory's name)",
  },
  {
    name: "user",
    short: "u",
    type: "string",
    valueName: "USER",
    description: "run the processes as USER (default: the supervisor's own user)",
  },
  {
    name: "log",
    short: "l",
    type: "string",
    valueName: "DIR",
    description: "log directory (default /var/log/APP; systemd: the journal)",
  },
  {
    name: "run",
    short: "r",
    type: "string",
    valueName: "DIR",
    description: "pid directory, accepted for Ruby foreman compatibility (unused)",
  },
  {
    name: "port",
    short: "p",
    type: "string",
    valueName: "PORT",
    description: "base port (default: PORT from .env or the environment, else 5000)",
  },
  {
    name: "formation",
    short: "m",
    type: "string",
    valueName: "SPEC",
    description: "how many of each process, e.g. all=1,web=2,worker=0",
  },
  {
    name: "timeout",
    type: "string",
    valueName: "SECONDS",
    description: "seconds between the stop signal and SIGKILL (default 5)",
  },
  {
    name: "template",
    short: "t",
    type: "string",
    valueName: "DIR",
    description: "custom templates: DIR/FORMAT/<file>, with {{variables}} (see the README)",
  },
  {
    name: "image",
    type: "string",
    valueName: "IMAGE",
    description: "container image for docker-compose and kubernetes (default: the app name)",
  },
  { name: "force", type: "boolean", description: "overwrite files an earlier export wrote" },
];

/** Command-line values win over `.foreman`, which wins over built-in defaults. */
export function mergeOptions(
  fromCommandLine: Record<string, OptionValue>,
  fromDotForeman: Record<string, OptionValue> | undefined,
): Record<string, OptionValue> {
  return { ...(fromDotForeman ?? {}), ...fromCommandLine };
}
