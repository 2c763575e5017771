import { createOutputMux, nameWidthFor } from "@foreman/output-mux";
import { createShutdownCoordinator, startWatchdog } from "@foreman/signal-coordinator";
import { type ExitInfo, type ManagedProcess, spawnProcess } from "@foreman/spawner";
import { shouldColor } from "../_color.js";
import type { CommandContext } from "../_context.js";
import { CliError, formatErrorLine } from "../_errors.js";
import {
  checkFormationLimits,
  type ProcessInstance,
  parseFormation,
  parsePort,
  parseTimeoutSeconds,
  planInstances,
} from "../_formation.js";
import { checkFileDescriptors, openFileLimit } from "../_limits.js";
import {
  type Diagnostic,
  describeDiagnostic,
  loadEnvironment,
  loadProcfile,
  resolvePaths,
  throwIfErrors,
} from "../_project.js";

const DEFAULT_TIMEOUT_SECONDS = 5;
const DEFAULT_PORT = 5000;
// After every process group is gone its pipes are closed too, unless a grandchild escaped its
// group (setsid) holding one; do not wait forever for such a pipe to finish the log.
const PIPE_DRAIN_AFTER_STOP_MS = 1000;

interface StartPlan {
  instances: ProcessInstance[];
  root: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

/**
 * `foreman start`: everything is read and validated before the first process is spawned, so bad
 * input never leaves half an app running.
 */
export async function startCommand(context: CommandContext): Promise<number> {
  const plan = await prepare(context);
  return run(context, plan);
}

async function prepare(context: CommandContext): Promise<StartPlan> {
  const { io, options, positionals } = context;
  const timeoutSeconds =
    options.timeout === undefined
      ? DEFAULT_TIMEOUT_SECONDS
      : parseTimeoutSeconds(String(options.timeout));
  const paths = resolvePaths(options, io.cwd);
  const procfile = await loadProcfile(paths.procfile, io.cwd);
  throwIfErrors(procfile.diagnostics, io.cwd);
  const loaded = await loadEnvironment(paths, io.cwd, io.env);
  throwIfErrors(loaded.diagnostics, io.cwd);
  printWarnings([...procfile.diagnostics, ...loaded.diagnostics], context);

  const names = procfile.entries.map((e) => e.name);
  const formation = parseFormation(
    typeof options.formation === "string" ? options.formation : "",
    names,
  );
  const basePort =
    typeof options.port === "string"
      ? parsePort(options.port, "--port")
      : loaded.vars.PORT !== undefined
        ? parsePort(loaded.vars.PORT, `PORT in ${loaded.sources.PORT?.file ?? ".env"}`)
        : io.env.PORT !== undefined && io.env.PORT !== ""
          ? parsePort(io.env.PORT, "the environment variable PORT")
          : DEFAULT_PORT;
  const instances = planInstances({
    entries: procfile.entries,
    formation,
    only: positionals,
    basePort,
  });
  if (instances.length === 0) {
    throw new CliError("CLI_NOTHING_TO_START", "the formation starts no process", {
      kind: "usage",
      hint: "give at least one process a count above 0, e.g. --formation all=1",
    });
  }
  checkFormationLimits(instances, options.force === true);
  checkFileDescriptors(instances.length, openFileLimit());
  return {
    instances,
    root: paths.root,
    env: loaded.env,
    timeoutMs: Math.round(timeoutSeconds * 1000),
  };
}

function printWarnings(diagnostics: readonly Diagnostic[], context: CommandContext): void {
  for (const d of diagnostics) {
    if (d.severity === "warning")
      context.io.stderr.write(`${formatErrorLine(describeDiagnostic(d, context.io.cwd))}\n`);
  }
}

async function run(context: CommandContext, plan: StartPlan): Promise<number> {
  const { io, options } = context;
  const stdout = io.stdout as NodeJS.WriteStream;
  const mux = createOutputMux({
    output: io.stdout,
    color: shouldColor(
      typeof options.color === "boolean" ? options.color : undefined,
      io.env,
      stdout.isTTY === true,
    ),
    timestamp: options.timestamp !== false,
    raw: options.raw === true,
    nameWidth: nameWidthFor([...plan.instances.map((i) => i.name), "system"]),
  });
  const coordinator = createShutdownCoordinator({
    timeoutMs: plan.timeoutMs,
    log: (message) => mux.system(message),
  });
  const uninstall = coordinator.install();
  const watchdog = startWatchdog();

  // `foreman start | head -1`: the reader went away; stop everything quietly and exit 0.
  mux.on("error", () => {
    void coordinator.shutdown({ kind: "error", exitCode: 0, message: "output closed" });
  });

  const logsComplete: Array<{ name: string; done: Promise<void> }> = [];
  for (const instance of plan.instances) {
    if (coordinator.shuttingDown) break;
    const child = spawnProcess({
      name: instance.name,
      command: instance.command,
      cwd: plan.root,
      env: { ...plan.env, PORT: String(instance.port), PS: instance.name },
    });
    logsComplete.push({
      name: instance.name,
      done: supervise(child, instance, { mux, coordinator, watchdog }),
    });
  }

  const result = await coordinator.done;
  await reportEscapes(logsComplete, mux);
  await mux.flush();
  watchdog.close();
  uninstall();
  return result.exitCode;
}

/**
 * Every process group is empty by now, so its pipes are closed, unless a descendant left the
 * group (setsid, a daemonizing double fork) still holding one. Such a process cannot be reached
 * through its group; say so instead of hanging or staying silent.
 */
async function reportEscapes(
  logs: ReadonlyArray<{ name: string; done: Promise<void> }>,
  mux: ReturnType<typeof createOutputMux>,
): Promise<void> {
  const finished = new Set<string>();
  const tracked = logs.map(({ name, done }) => done.then(() => finished.add(name)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(tracked),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PIPE_DRAIN_AFTER_STOP_MS);
    }),
  ]);
  clearTimeout(timer);
  for (const { name } of logs) {
    if (!finished.has(name)) {
      mux.system(
        `${name}: its output is still open after its process group stopped; a process that left the group (setsid) may still be running`,
      );
    }
  }
}

interface Wiring {
  mux: ReturnType<typeof createOutputMux>;
  coordinator: ReturnType<typeof createShutdownCoordinator>;
  watchdog: ReturnType<typeof startWatchdog>;
}

/** Connects one process to the log, the shutdown rule and the watchdog; resolves after its exit line. */
function supervise(
  child: ManagedProcess,
  instance: ProcessInstance,
  { mux, coordinator, watchdog }: Wiring,
): Promise<void> {
  const colorIndex = instance.entryIndex;
  coordinator.add(child);
  const pid = child.pid;
  if (pid !== undefined) {
    watchdog.track(pid);
    void child.groupGone.then(() => watchdog.untrack(pid));
    mux.line(instance.name, `started with pid ${pid}`, colorIndex);
  }
  const stdoutDone = mux.addSource(child.stdout, { name: instance.name, colorIndex });
  const stderrDone = mux.addSource(child.stderr, { name: instance.name, colorIndex });

  // Ruby foreman's rule: when any process ends on its own, everything stops.
  void child.exited.then((info) => {
    if (!coordinator.shuttingDown) {
      void coordinator.shutdown({ kind: "exit", processName: instance.name, exitCode: info.code });
    }
  });
  return Promise.all([child.closed, stdoutDone, stderrDone]).then(([info]) => {
    mux.line(instance.name, describeExit(info), colorIndex);
  });
}

export function describeExit(info: ExitInfo): string {
  if (info.error !== undefined) {
    return `failed to start: ${info.error.message}${info.error.hint === undefined ? "" : ` (${info.error.hint})`}`;
  }
  if (info.signal !== null) return `terminated by ${info.signal}`;
  return `exited with code ${info.exitCode ?? info.code}`;
}
