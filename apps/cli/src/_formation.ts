import { usageError } from "./_errors.js";

/** How many instances of each process type to run, e.g. `all=1,web=2,worker=0`. */
export type Formation = Map<string, number>;

export interface ProcessInstance {
  /** The Procfile entry's name, e.g. `web`. */
  type: string;
  /** 1-based instance number. */
  index: number;
  /** `web.1`: the name in the log and in `$PS`. */
  name: string;
  command: string;
  port: number;
  /** Position of the entry in the Procfile: selects the colour and the port block. */
  entryIndex: number;
}

// Beyond these a typo (`web=1000000`) would exhaust the machine before anything useful ran.
export const MAX_INSTANCES_PER_TYPE = 1000;
export const MAX_INSTANCES_TOTAL = 2000;

export function parseFormation(spec: string, knownNames: readonly string[]): Formation {
  const formation: Formation = new Map();
  const hint = "write it as `all=1,web=2,worker=0` (a process name or `all`, then a count)";
  for (const rawPart of spec.split(",")) {
    const part = rawPart.trim();
    if (part === "") continue;
    const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(part);
    if (match === null) {
      throw usageError(
        "CLI_BAD_FORMATION",
        `bad formation "${part}" in --formation "${spec}"`,
        hint,
      );
    }
    const name = match[1] as string;
    const count = Number(match[2]);
    if (name !== "all" && !knownNames.includes(name)) {
      throw usageError(
        "CLI_UNKNOWN_PROCESS",
        `--formation names "${name}", which is not in the Procfile`,
        `the processes are: ${knownNames.join(", ")}`,
      );
    }
    if (!Number.isSafeInteger(count)) {
      throw usageError(
        "CLI_BAD_FORMATION",
        `formation count ${match[2]} for "${name}" is too large`,
        hint,
      );
    }
    formation.set(name, count);
  }
  return formation;
}

export function countFor(formation: Formation, name: string): number {
  return formation.get(name) ?? formation.get("all") ?? 1;
}

export interface PlanOptions {
  entries: ReadonlyArray<{ name: string; command: string }>;
  formation: Formation;
  /** Process names given on the command line (`foreman start web`); empty means all. */
  only: readonly string[];
  basePort: number;
}

/**
 * Ports follow Ruby foreman: base + 100 × the entry's index in the Procfile + (instance − 1), so a
 * process keeps its port when others are filtered out or scaled.
 */
export function planInstances(options: PlanOptions): ProcessInstance[] {
  const known = options.entries.map((e) => e.name);
  for (const name of options.only) {
    if (!known.includes(name)) {
      throw usageError(
        "CLI_UNKNOWN_PROCESS",
        `no process named "${name}" in the Procfile`,
        `the processes are: ${known.join(", ")}`,
      );
    }
  }
  const instances: ProcessInstance[] = [];
  options.entries.forEach((entry, entryIndex) => {
    if (options.only.length > 0 && !options.only.includes(entry.name)) return;
    const count = countFor(options.formation, entry.name);
    for (let index = 1; index <= count; index += 1) {
      const port = portFor(options.basePort, entryIndex, entry.name, index);
      instances.push({
        type: entry.name,
        index,
        name: `${entry.name}.${index}`,
        command: entry.command,
        port,
        entryIndex,
      });
    }
  });
  return instances;
}

/** `showValue: false` for a value from a .env file: it is never echoed, whatever it holds. */
/** Ruby foreman's rule: base + 100 × the entry's position in the Procfile + (instance − 1). */
export function portFor(basePort: number, entryIndex: number, type: string, index: number): number {
  const port = basePort + 100 * entryIndex + (index - 1);
  if (port > 65535) {
    throw usageError(
      "CLI_PORT_OUT_OF_RANGE",
      `${type}.${index} would get port ${port}, above 65535`,
      "choose a lower base port with --port",
    );
  }
  return port;
}

export function parsePort(
  value: string,
  source: string,
  options: { showValue?: boolean } = {},
): number {
  const port = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    const shown = options.showValue === false ? "" : ` "${value}"`;
    throw usageError(
      "CLI_BAD_PORT",
      `port${shown} from ${source} is not a port number`,
      "use a whole number from 1 to 65535, e.g. --port 5000",
    );
  }
  return port;
}

/** Seconds between SIGTERM and SIGKILL when `--timeout` is not given, as Ruby foreman. */
export const DEFAULT_TIMEOUT_SECONDS = 5;

/** `--timeout` (start and export alike): the default when absent, else parsed. */
export function timeoutSecondsOption(value: unknown): number {
  return value === undefined ? DEFAULT_TIMEOUT_SECONDS : parseTimeoutSeconds(String(value));
}

export function parseTimeoutSeconds(value: string): number {
  const trimmed = value.trim();
  const seconds = /^\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds > 86_400) {
    throw usageError(
      "CLI_BAD_TIMEOUT",
      `timeout "${value}" is not a number of seconds`,
      "e.g. --timeout 5 (seconds before SIGKILL)",
    );
  }
  return seconds;
}

export function checkFormationLimits(instances: readonly ProcessInstance[], force: boolean): void {
  if (force) return;
  const perType = new Map<string, number>();
  for (const instance of instances)
    perType.set(instance.type, (perType.get(instance.type) ?? 0) + 1);
  for (const [type, count] of perType) {
    if (count > MAX_INSTANCES_PER_TYPE) {
      throw usageError(
        "CLI_FORMATION_TOO_LARGE",
        `formation asks for ${count} "${type}" processes, more than ${MAX_INSTANCES_PER_TYPE} per type`,
        "lower the count, or pass --force if you really mean it",
      );
    }
  }
  if (instances.length > MAX_INSTANCES_TOTAL) {
    throw usageError(
      "CLI_FORMATION_TOO_LARGE",
      `formation asks for ${instances.length} processes, more than ${MAX_INSTANCES_TOTAL} in all`,
      "lower the counts, or pass --force if you really mean it",
    );
  }
}
