import type { ControlClient } from "@foreman/control";
import { formatClock, nameWidthFor, prefixText, processColor } from "@foreman/output-mux";
import type { InstanceSnapshot, OperationReport } from "@foreman/supervisor";
import { shouldColor } from "../_color.js";
import type { CommandContext } from "../_context.js";
import { connectToInstance, decodeLogLine, type LogsMessage } from "../_control.js";
import { CliError, escapeControl, formatErrorLine, usageError } from "../_errors.js";

/**
 * The verbs that talk to a running `foreman start` over its control socket. Each connects, sends
 * one request, prints the answer and exits; with no instance running each says so in one line and
 * exits 1.
 */

interface PsReply {
  procfile: string;
  pid: number;
  startedAtMs: number;
  processes: InstanceSnapshot[];
}

export async function psCommand(context: CommandContext): Promise<number> {
  rejectPositionals(context, "ps");
  return withClient(context, async (client) => {
    const reply = (await client.request("ps")) as PsReply;
    if (context.options.json === true) {
      context.io.stdout.write(`${JSON.stringify(reply, null, 2)}\n`);
      return 0;
    }
    context.io.stdout.write(formatPsTable(reply.processes));
    return 0;
  });
}

export function formatPsTable(processes: readonly InstanceSnapshot[]): string {
  const header = ["NAME", "PID", "STATE", "UPTIME", "RESTARTS", "PORT", "READY"];
  const rows = processes.map((p) => [
    p.name,
    p.pid === undefined ? "-" : String(p.pid),
    p.state === "exited" || p.state === "failed"
      ? `${p.state}${p.lastExitCode === undefined ? "" : ` (${p.lastExitCode})`}`
      : p.state,
    p.uptimeMs === undefined ? "-" : formatUptime(p.uptimeMs),
    String(p.restarts),
    String(p.port),
    p.ready ? "yes" : "no",
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] as string).length)),
  );
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] as number))).join("  ");
  return `${[header, ...rows].map((r) => escapeControl(line(r))).join("\n")}\n`;
}

/** `42s`, `3m07s`, `2h05m`, `3d04h`. */
export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, "0")}h`;
}

export async function restartCommand(context: CommandContext): Promise<number> {
  return operation(context, "restart", { names: context.positionals });
}

export async function stopCommand(context: CommandContext): Promise<number> {
  return operation(context, "stop", { names: context.positionals });
}

export async function scaleCommand(context: CommandContext): Promise<number> {
  const hint = "write it as NAME=COUNT, e.g. `foreman scale web=3 worker=0`";
  const specs = context.positionals.flatMap((p) => p.split(",")).filter((p) => p.trim() !== "");
  if (specs.length === 0) throw usageError("CLI_BAD_SCALE", "say what to scale", hint);
  const counts: Record<string, number> = {};
  for (const spec of specs) {
    const match = /^([A-Za-z0-9_-]+)=(\d+)$/.exec(spec.trim());
    if (match === null) throw usageError("CLI_BAD_SCALE", `bad scale "${spec}"`, hint);
    counts[match[1] as string] = Number(match[2]);
  }
  return operation(context, "scale", { counts });
}

async function operation(
  context: CommandContext,
  command: "restart" | "stop" | "scale",
  args: Record<string, unknown>,
): Promise<number> {
  return withClient(context, async (client) => {
    const report = (await client.request(command, args, {
      onEvent: (event) => {
        const progress = (event as { progress?: { name: string; message: string } }).progress;
        if (progress !== undefined)
          context.io.stderr.write(`${escapeControl(`${progress.name}: ${progress.message}`)}\n`);
      },
    })) as OperationReport;
    for (const line of report.lines) context.io.stdout.write(`${escapeControl(line)}\n`);
    return 0;
  });
}

export async function logsCommand(context: CommandContext): Promise<number> {
  const { options } = context;
  let lines = 100;
  if (options.lines !== undefined) {
    const text = String(options.lines).trim();
    if (!/^\d+$/.test(text)) {
      throw usageError("CLI_BAD_LINES", `-n "${text}" is not a number of lines`, "e.g. -n 200");
    }
    lines = Number(text);
  }
  const follow = options.follow === true;
  const stdout = context.io.stdout as NodeJS.WriteStream;
  // The clock and the prefix as the running instance prints them (its --no-timestamp, --raw);
  // colour as `foreman start` would decide here: .foreman, FORCE_COLOR, NO_COLOR, a terminal.
  const color = shouldColor(
    typeof options.color === "boolean" ? options.color : undefined,
    context.io.env,
    stdout.isTTY === true,
  );
  return withClient(context, async (client) => {
    let nameWidth = 6;
    const print = (message: LogsMessage): void => {
      if (message.lines.length === 0) return;
      const lines = message.lines.map(decodeLogLine);
      // Only ever wider, as in start: lines printed earlier stay aligned with later ones.
      nameWidth = Math.max(nameWidth, message.nameWidth, nameWidthFor(lines.map((l) => l.name)));
      const timestamp = message.timestamp !== false;
      const raw = message.raw === true;
      stdout.write(formatLogLines(lines, { nameWidth, timestamp, color, raw }));
    };
    const request = client.request(
      "logs",
      { names: context.positionals, lines, follow },
      {
        onEvent: (event) => {
          const e = event as Partial<LogsMessage> & { dropped?: number };
          if (e.dropped !== undefined)
            context.io.stderr.write(
              `${formatErrorLine(`${e.dropped} lines were skipped: this reader fell behind`)}\n`,
            );
          if (e.lines !== undefined) print(e as LogsMessage);
        },
      },
    );
    try {
      const reply = (await request) as Partial<LogsMessage>;
      if (reply.lines !== undefined) print(reply as LogsMessage);
    } catch (error) {
      // Following ends when the instance stops: that is the normal end, not an error.
      if (follow && (error as { code?: unknown }).code === "CONTROL_CONNECTION_CLOSED") return 0;
      throw error;
    }
    return 0;
  });
}

const NEWLINE = Buffer.from("\n");

/**
 * Lines as `foreman start` prints them: `HH:MM:SS name   | ` (the clock when it does), the
 * prefix in the process's colour when `color`, then the line's own bytes, untouched; with `raw`
 * (start's `--raw`), the bytes alone.
 */
export function formatLogLines(
  lines: ReadonlyArray<{ name: string; timeMs: number; data: Buffer; colorIndex?: number }>,
  options: { nameWidth: number; timestamp: boolean; color: boolean; raw?: boolean },
): Buffer {
  const parts: Buffer[] = [];
  for (const line of lines) {
    if (options.raw === true) {
      parts.push(line.data, NEWLINE);
      continue;
    }
    const prefix = prefixText({
      clock: options.timestamp ? formatClock(line.timeMs) : undefined,
      name: line.name,
      nameWidth: options.nameWidth,
      color:
        options.color && line.colorIndex !== undefined ? processColor(line.colorIndex) : undefined,
    });
    parts.push(Buffer.from(prefix), line.data, NEWLINE);
  }
  return Buffer.concat(parts);
}

export async function quitCommand(context: CommandContext): Promise<number> {
  rejectPositionals(context, "quit");
  return withClient(context, async (client) => {
    const { pid } = (await client.request("quit")) as { pid: number };
    context.io.stderr.write(`stopping foreman (pid ${pid})\n`);
    // The instance closes the connection when it has stopped every process.
    await client.closed;
    context.io.stdout.write(`foreman (pid ${pid}) has stopped\n`);
    return 0;
  });
}

function rejectPositionals(context: CommandContext, command: string): void {
  if (context.positionals.length > 0) {
    throw usageError(
      "CLI_UNEXPECTED_ARGUMENT",
      `\`foreman ${command}\` takes no arguments, got "${context.positionals[0]}"`,
      `run \`foreman help ${command}\``,
    );
  }
}

async function withClient(
  context: CommandContext,
  action: (client: ControlClient) => Promise<number>,
): Promise<number> {
  const { client } = await connectToInstance(context.options, context.io.cwd, context.io.env);
  try {
    return await action(client);
  } catch (error) {
    if ((error as { code?: unknown }).code === "CONTROL_CONNECTION_CLOSED") {
      throw new CliError("CLI_INSTANCE_GONE", "the instance stopped before it answered", {
        cause: error,
      });
    }
    throw error;
  } finally {
    client.close();
  }
}
