import { realpathSync } from "node:fs";
import {
  type ControlClient,
  type ControlHandler,
  type ControlSocketLocation,
  connectControl,
  controlSocketPath,
} from "@foreman/control";
import { nameWidthFor } from "@foreman/output-mux";
import type { LogLine, LogStream, Supervisor } from "@foreman/supervisor";
import type { OptionValue } from "./_args.js";
import { CliError, isCodedError } from "./_errors.js";
import { displayPath, resolvePaths } from "./_project.js";

/**
 * The control socket of the instance running a Procfile. It is keyed by the Procfile's real path,
 * so `foreman ps` finds the instance from the same directory, another one with `-f`, or through a
 * symlinked path.
 */
export function controlLocation(
  options: Record<string, OptionValue>,
  cwd: string,
  env: Record<string, string | undefined>,
): ControlSocketLocation & { procfile: string } {
  const { procfile } = resolvePaths(options, cwd);
  let key = procfile;
  try {
    key = realpathSync(procfile);
  } catch {
    // A Procfile removed since start: its resolved path is still the key it was started with.
  }
  return { ...controlSocketPath(key, { env }), procfile };
}

/** Connects to the running instance, or fails with one clear line when there is none. */
export async function connectToInstance(
  options: Record<string, OptionValue>,
  cwd: string,
  env: Record<string, string | undefined>,
): Promise<{ client: ControlClient; procfile: string }> {
  const location = controlLocation(options, cwd, env);
  try {
    return { client: await connectControl(location.path), procfile: location.procfile };
  } catch (error) {
    if (isCodedError(error) && error.code === "CONTROL_NOT_RUNNING") {
      throw new CliError(
        "CLI_NOT_RUNNING",
        `no foreman is running for ${displayPath(location.procfile, cwd)}`,
        {
          hint: "start it with `foreman start` (from the same directory, or with the same -f)",
          cause: error,
        },
      );
    }
    throw error;
  }
}

export interface InstanceInfo {
  procfile: string;
  pid: number;
  startedAtMs: number;
}

export interface ControlHandlerDeps {
  supervisor: Supervisor;
  info: InstanceInfo;
  /** Same as Ctrl-C. */
  quit(): void;
  /** Checks a scale request against the limits and port range; throws a CliError to refuse it. */
  checkScale(counts: Record<string, number>): void;
  /** After a scale: new names may need a wider log prefix. */
  afterScale(): void;
  /** The colour index `foreman start` gives this instance's prefix. Default: no colour. */
  colorIndexOf?(name: string): number | undefined;
  /** How start prints lines. Default: a timestamp and a prefix. */
  logFormat?: LogFormat;
}

/**
 * A line of `logs` on the wire. JSON strings cannot carry arbitrary bytes (invalid UTF-8 would
 * become U+FFFD), so the line's bytes travel as base64, which loses none.
 */
export interface WireLogLine {
  seq: number;
  timeMs: number;
  name: string;
  stream: LogStream;
  /** The line's bytes, without its `\n`, in base64. */
  data: string;
  /** Its prefix's colour in `foreman start`; absent: none. */
  colorIndex?: number;
}

/** How `foreman start` prints its lines, so that `foreman logs` prints them the same way. */
export interface LogFormat {
  /** The clock before each line (false with `--no-timestamp`). */
  timestamp: boolean;
  /** No prefix at all (`--raw`). */
  raw: boolean;
}

/** Every `logs` message with lines: the lines, the width `start` pads names to, its format. */
export interface LogsMessage extends Partial<LogFormat> {
  lines: WireLogLine[];
  nameWidth: number;
}

export function decodeLogLine(line: WireLogLine): {
  name: string;
  timeMs: number;
  data: Buffer;
  colorIndex?: number;
} {
  return {
    name: line.name,
    timeMs: line.timeMs,
    data: Buffer.from(line.data, "base64"),
    ...(line.colorIndex === undefined ? {} : { colorIndex: line.colorIndex }),
  };
}

// Well below the client's 64 MiB message limit once in base64 (4/3) and JSON.
const MAX_LOGS_MESSAGE_DATA_BYTES = 1024 * 1024;

// A follower that stops reading loses lines instead of growing our memory without bound.
const MAX_FOLLOW_BACKLOG_BYTES = 4 * 1024 * 1024;
const FOLLOW_BATCH_MS = 20;

function badRequest(message: string): CliError {
  return new CliError("CLI_BAD_REQUEST", message);
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw badRequest(`${what} must be a list of strings`);
  return value;
}

/** The requests `foreman start` answers on its control socket. */
export function createControlHandler(deps: ControlHandlerDeps): ControlHandler {
  const { supervisor } = deps;
  const format: LogFormat = deps.logFormat ?? { timestamp: true, raw: false };
  const logsMessages = (lines: readonly LogLine[]): LogsMessage[] => {
    // As start pads: every name it has shown (scaled-away ones too) and "system".
    const nameWidth = nameWidthFor([
      ...supervisor.snapshot().map((s) => s.name),
      ...supervisor.logs.names(),
      "system",
    ]);
    const messages: LogsMessage[] = [];
    let batch: WireLogLine[] = [];
    let bytes = 0;
    for (const line of lines) {
      if (bytes > 0 && bytes + line.data.length > MAX_LOGS_MESSAGE_DATA_BYTES) {
        messages.push({ lines: batch, nameWidth, ...format });
        batch = [];
        bytes = 0;
      }
      const colorIndex = deps.colorIndexOf?.(line.name);
      batch.push({
        seq: line.seq,
        timeMs: line.timeMs,
        name: line.name,
        stream: line.stream,
        data: line.data.toString("base64"),
        ...(colorIndex === undefined ? {} : { colorIndex }),
      });
      bytes += line.data.length;
    }
    messages.push({ lines: batch, nameWidth, ...format });
    return messages;
  };
  return async (call, context) => {
    const args = call.args;
    const progress = (event: { name: string; message: string }): void => {
      context.send({ progress: event });
    };
    switch (call.command) {
      case "ps":
        return { ...deps.info, processes: supervisor.snapshot() };
      case "restart":
        return supervisor.restart(stringList(args.names, "names"), progress);
      case "stop":
        return supervisor.stop(stringList(args.names, "names"), progress);
      case "scale": {
        const counts = args.counts;
        if (typeof counts !== "object" || counts === null || Array.isArray(counts))
          throw badRequest("counts must be a map of process types to numbers");
        const checked: Record<string, number> = {};
        for (const [type, count] of Object.entries(counts)) {
          if (typeof count !== "number") throw badRequest(`the count of ${type} must be a number`);
          checked[type] = count;
        }
        deps.checkScale(checked);
        const report = await supervisor.scale(checked, progress);
        deps.afterScale();
        return report;
      }
      case "logs": {
        const names = logNames(supervisor, stringList(args.names, "names"));
        const lines = typeof args.lines === "number" ? Math.max(0, Math.floor(args.lines)) : 100;
        const tail = supervisor.logs.tail(names === undefined ? { lines } : { names, lines });
        const messages = logsMessages(tail);
        const last = messages.pop() as LogsMessage;
        for (const message of messages) context.send(message);
        if (args.follow !== true) return last;
        context.send(last);
        await follow(supervisor, names, context, logsMessages);
        return { ended: true };
      }
      case "quit":
        // Answer first: the shutdown closes this connection.
        setImmediate(() => deps.quit());
        return { pid: deps.info.pid };
      default:
        throw new CliError("CLI_UNKNOWN_REQUEST", `unknown request "${call.command}"`, {
          hint: "use the same version of foreman that started the instance",
        });
    }
  };
}

/** Instance names for `logs`: the running ones and those that only left output behind (scaled away). */
function logNames(supervisor: Supervisor, patterns: readonly string[]): string[] | undefined {
  if (patterns.length === 0) return undefined;
  const known = [
    ...new Set([...supervisor.snapshot().map((s) => s.name), ...supervisor.logs.names()]),
  ];
  const chosen = new Set<string>();
  for (const pattern of patterns) {
    const glob = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
    const matched = known.filter((name) => {
      const type = name.slice(0, name.lastIndexOf("."));
      return name === pattern || type === pattern || glob.test(name) || glob.test(type);
    });
    if (matched.length === 0) {
      throw new CliError("CLI_UNKNOWN_PROCESS", `no process matches "${pattern}"`, {
        hint: `the processes are: ${known.join(", ") || "(none)"}`,
      });
    }
    for (const name of matched) chosen.add(name);
  }
  return [...chosen];
}

function follow(
  supervisor: Supervisor,
  names: readonly string[] | undefined,
  context: Parameters<ControlHandler>[1],
  logsMessages: (lines: readonly LogLine[]) => LogsMessage[],
): Promise<void> {
  let batch: LogLine[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    if (context.isClosed) return;
    if (dropped > 0) {
      context.send({ dropped });
      dropped = 0;
    }
    if (batch.length > 0) for (const message of logsMessages(batch)) context.send(message);
    batch = [];
  };
  const unsubscribe = supervisor.logs.follow(names, (line) => {
    if (context.pendingBytes > MAX_FOLLOW_BACKLOG_BYTES) {
      dropped += 1;
      return;
    }
    batch.push(line);
    timer ??= setTimeout(flush, FOLLOW_BATCH_MS);
  });
  return context.closed.then(() => {
    unsubscribe();
    if (timer !== undefined) clearTimeout(timer);
  });
}
