import { type ControlHandler, listenControl } from "@foreman/control";
import { createOutputMux, nameWidthFor } from "@foreman/output-mux";
import {
  createShutdownCoordinator,
  removeStalePins,
  startWatchdog,
} from "@foreman/signal-coordinator";
import { type ExitInfo, type ManagedProcess, spawnProcess } from "@foreman/spawner";
import {
  createSupervisor,
  type ProcessPolicy,
  type StopSettings,
  type Supervisor,
} from "@foreman/supervisor";
import { shouldColor } from "../_color.js";
import type { CommandContext } from "../_context.js";
import { controlLocation, createControlHandler } from "../_control.js";
import { CliError, formatErrorLine, isCodedError } from "../_errors.js";
import {
  checkFormationLimits,
  type Formation,
  type ProcessInstance,
  parseFormation,
  planInstances,
  portFor,
  timeoutSecondsOption,
} from "../_formation.js";
import { checkFileDescriptors, openFileLimit } from "../_limits.js";
import { keepCompilerAtBaseline, limitYoungGeneration } from "../_memory.js";
import { loadPolicies } from "../_policies.js";
import { basePortFor } from "../_ports.js";
import {
  type Diagnostic,
  describeDiagnostic,
  displayPath,
  loadEnvironment,
  loadProcfile,
  resolvePaths,
  throwIfErrors,
} from "../_project.js";
import { checkRootDirectory } from "../_root.js";

// After every process group is gone its pipes are closed too, unless a grandchild escaped its
// group (setsid) holding one; do not wait forever for such a pipe to finish the log.
const PIPE_DRAIN_AFTER_STOP_MS = 1000;

interface StartPlan {
  instances: ProcessInstance[];
  root: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
  /** Every Procfile entry, in order: `foreman scale` may start any of them. */
  entries: ReadonlyArray<{ name: string; command: string }>;
  basePort: number;
  policies: Record<string, ProcessPolicy>;
  force: boolean;
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
  const timeoutSeconds = timeoutSecondsOption(options.timeout);
  const paths = resolvePaths(options, io.cwd);
  checkRootDirectory(paths.root, io.cwd);
  const procfile = await loadProcfile(paths.procfile, io.cwd);
  throwIfErrors(procfile.diagnostics, io.cwd);
  const loaded = await loadEnvironment(paths, io.cwd, io.env);
  throwIfErrors(loaded.diagnostics, io.cwd);
  const names = procfile.entries.map((e) => e.name);
  const policies = loadPolicies(context.dotForeman, names);
  throwIfErrors(policies.diagnostics, io.cwd);
  printWarnings([...procfile.diagnostics, ...loaded.diagnostics], context);

  const formation = parseFormation(
    typeof options.formation === "string" ? options.formation : "",
    names,
  );
  const basePort = basePortFor(options.port, loaded, io.env);
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
  warnAboutMissingDependencies(instances, policies.policies, context);
  return {
    instances,
    root: paths.root,
    env: loaded.env,
    timeoutMs: Math.round(timeoutSeconds * 1000),
    entries: procfile.entries,
    basePort,
    policies: policies.policies,
    force: options.force === true,
  };
}

/** `depends_on` a process this formation does not start is not waited for; say so once. */
function warnAboutMissingDependencies(
  instances: readonly ProcessInstance[],
  policies: Record<string, ProcessPolicy>,
  context: CommandContext,
): void {
  const started = new Set(instances.map((i) => i.type));
  for (const type of started) {
    for (const dep of policies[type]?.dependsOn ?? []) {
      if (started.has(dep)) continue;
      context.io.stderr.write(
        `${formatErrorLine(`warning: ${type} depends on ${dep}, which this formation does not start; not waiting for it`)}\n`,
      );
    }
  }
}

function printWarnings(diagnostics: readonly Diagnostic[], context: CommandContext): void {
  for (const d of diagnostics) {
    if (d.severity === "warning")
      context.io.stderr.write(`${formatErrorLine(describeDiagnostic(d, context.io.cwd))}\n`);
  }
}

async function run(context: CommandContext, plan: StartPlan): Promise<number> {
  const { io, options } = context;
  await limitYoungGeneration(plan.instances.length);
  // Claimed before anything starts, so a second `foreman start` of this Procfile stops here.
  const control = await openControl(context);
  // Only now that the control socket has loaded Node's cluster module: see there why.
  await keepCompilerAtBaseline(plan.instances.length);
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
    // A pipe or terminal gets one write per turn of the event loop, not one per line: starting
    // 500 processes wrote 500 "started with pid" lines one system call at a time.
    batchWrites: true,
  });
  let supervisor: Supervisor | undefined;
  const coordinator = createShutdownCoordinator({
    timeoutMs: plan.timeoutMs,
    log: (message) => mux.system(message),
    // No restart, ready check or dependent start may begin once everything is stopping.
    onShutdown: () => supervisor?.shutdown(),
  });
  const uninstall = coordinator.install();
  // Every process gets this entry in its environment; if foreman is SIGKILLed while a process is
  // being spawned (before the watchdog heard of its group), the watchdog still finds it by it.
  const runId = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const watchdog = startWatchdog({ marker: `FOREMAN_RUN_ID=${runId}` });
  // A kill -9 must not leave the socket behind; the inode spares a newer instance's socket.
  if (control !== undefined) {
    watchdog.removeOnDeath(control.path, control.inode);
    // Pins left beside the socket by an earlier instance killed with its watchdog. After the
    // processes have started: tidying is not worth delaying anyone's first line for.
    const path = control.path;
    setImmediate(() => removeStalePins(path)).unref();
  }
  const envFor = (port: number, name: string) => ({
    ...plan.env,
    PORT: String(port),
    PS: name,
    FOREMAN_RUN_ID: runId,
  });

  // `foreman start | head -1`: the reader went away; stop everything quietly and exit 0.
  mux.on("error", () => {
    void coordinator.shutdown({ kind: "error", exitCode: 0, message: "output closed" });
  });

  const logsComplete: Array<{ name: string; done: Promise<void> }> = [];
  const entryIndexOf = (type: string): number => plan.entries.findIndex((e) => e.name === type);
  const colorIndexOf = (name: string): number => entryIndexOf(name.slice(0, name.lastIndexOf(".")));
  // Policies (restart, oneshot, can_die, depends_on, ready) decide when each instance starts and
  // what its exit means; with none set, every exit stops everything, as Ruby foreman does.
  const running: Supervisor = createSupervisor({
    types: plan.entries.map((e) => ({
      name: e.name,
      count: plan.instances.filter((i) => i.type === e.name).length,
    })),
    policies: plan.policies,
    portFor: (type, index) => portFor(plan.basePort, entryIndexOf(type), type, index),
    launch: (info) => {
      const entryIndex = entryIndexOf(info.type);
      const instance: ProcessInstance = {
        ...info,
        command: (plan.entries[entryIndex] as { command: string }).command,
        entryIndex,
      };
      const child = spawnProcess({
        name: instance.name,
        command: instance.command,
        cwd: plan.root,
        env: envFor(instance.port, instance.name),
      });
      const done = supervise(child, instance, {
        mux,
        coordinator,
        watchdog,
        stop: running.stopSettings(info.type),
        note: (name, message) => running.logs.note(name, message),
      });
      logsComplete.push({ name: instance.name, done });
      return { child, logged: done };
    },
    requestShutdown: (request) => {
      if (coordinator.shuttingDown) return;
      if (request.processName === undefined) mux.system(request.message);
      void coordinator.shutdown({
        kind: "exit",
        exitCode: request.exitCode,
        ...(request.processName === undefined ? {} : { processName: request.processName }),
      });
    },
    log: (name, message) => mux.line(name, message, colorIndexOf(name)),
    cwd: plan.root,
    envFor: (info) => envFor(info.port, info.name),
    defaultStopTimeoutMs: plan.timeoutMs,
    logBytesPerProcess: logBytesPerProcess(plan.instances.length),
  });
  supervisor = running;
  let nameWidth = nameWidthFor([...plan.instances.map((i) => i.name), "system"]);
  control?.attach(
    createControlHandler({
      supervisor: running,
      info: { procfile: control.procfile, pid: process.pid, startedAtMs: Date.now() },
      quit: () => {
        if (coordinator.shuttingDown) return;
        mux.system("foreman quit: stopping every process");
        void coordinator.shutdown({ kind: "error", exitCode: 0, message: "quit requested" });
      },
      checkScale: (counts) => checkScale(plan, running, counts),
      colorIndexOf,
      logFormat: { timestamp: options.timestamp !== false, raw: options.raw === true },
      afterScale: () => {
        // Only ever wider: lines already printed keep their alignment with the new ones.
        const wanted = nameWidthFor([...running.snapshot().map((s) => s.name), "system"]);
        if (wanted > nameWidth) {
          nameWidth = wanted;
          mux.setNameWidth(wanted);
        }
      },
    }),
  );
  running.start();
  // Node's own net.Socket#_destroy reads process.stderr, so the first pipe to close (at shutdown,
  // as a rule) creates that stream: about a millisecond, more on a terminal (the tty module). Made
  // while the app runs instead, it is not part of the time from Ctrl-C to exit.
  setTimeout(() => void io.stderr, 100).unref();

  const result = await coordinator.done;
  // Ends `foreman logs -F` and lets `foreman quit` return; removes the socket file.
  await control?.close();
  if (control !== undefined) watchdog.forgetFile(control.path);
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
  // By entry, not by name: a restarted process has one entry per run.
  const finished = new Set<object>();
  const tracked = logs.map((entry) => entry.done.then(() => finished.add(entry)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(tracked),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, PIPE_DRAIN_AFTER_STOP_MS);
    }),
  ]);
  clearTimeout(timer);
  for (const entry of logs) {
    const { name } = entry;
    if (!finished.has(entry)) {
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
  /** How the shutdown stops it: its stop_signal, stop_timeout and dependency stage. */
  stop: StopSettings;
  /** Also keeps foreman's own lines about it for `foreman logs`. */
  note: (name: string, message: string) => void;
}

/**
 * Connects one process to the log, the shutdown and the watchdog; resolves after its exit line.
 * What its exit means (stop everything, restart, nothing) is the supervisor's decision.
 */
function supervise(
  child: ManagedProcess,
  instance: ProcessInstance,
  { mux, coordinator, watchdog, stop, note }: Wiring,
): Promise<void> {
  const colorIndex = instance.entryIndex;
  coordinator.add(child, {
    stopSignal: stop.signal,
    stopTimeoutMs: stop.timeoutMs,
    stage: stop.stage,
  });
  const pid = child.pid;
  if (pid !== undefined) {
    watchdog.track(pid);
    void child.groupGone.then(() => watchdog.untrack(pid));
    mux.line(instance.name, `started with pid ${pid}`, colorIndex);
    note(instance.name, `started with pid ${pid}`);
  }
  const stdoutDone = mux.addSource(child.stdout, { name: instance.name, colorIndex });
  const stderrDone = mux.addSource(child.stderr, { name: instance.name, colorIndex });
  return Promise.all([child.closed, stdoutDone, stderrDone]).then(([info]) => {
    const line = describeExit(info);
    mux.line(instance.name, line, colorIndex);
    note(instance.name, line);
  });
}

/**
 * What `foreman logs` keeps of each process: 256 KiB, less when there are many processes, so the
 * ring buffers stay within about 64 MiB in all.
 */
function logBytesPerProcess(processCount: number): number {
  return Math.max(16 * 1024, Math.min(256 * 1024, Math.floor((64 * 1024 * 1024) / processCount)));
}

/** `foreman scale` obeys the same limits as `foreman start`: ports, counts per type and in all. */
function checkScale(plan: StartPlan, supervisor: Supervisor, counts: Record<string, number>): void {
  const formation: Formation = new Map(plan.entries.map((e) => [e.name, 0]));
  for (const s of supervisor.snapshot()) formation.set(s.type, (formation.get(s.type) ?? 0) + 1);
  for (const [type, count] of Object.entries(counts))
    if (formation.has(type)) formation.set(type, count);
  const instances = planInstances({
    entries: plan.entries,
    formation,
    only: [],
    basePort: plan.basePort,
  });
  checkFormationLimits(instances, plan.force);
  checkFileDescriptors(instances.length, openFileLimit());
}

interface ControlChannel {
  procfile: string;
  path: string;
  /** Of the socket file this instance created. */
  inode: bigint;
  attach(handler: ControlHandler): void;
  close(): Promise<void>;
}

/**
 * Listens on the control socket of this Procfile. A live one means foreman already runs it: that
 * is an error. Any other problem (an unsafe directory, a path too long) only costs the control
 * verbs, so it is a warning and the app runs anyway.
 */
async function openControl(context: CommandContext): Promise<ControlChannel | undefined> {
  const { io, options } = context;
  const location = controlLocation(options, io.cwd, io.env);
  let handler: ControlHandler | undefined;
  try {
    const server = await listenControl({
      path: location.path,
      handler: (call, requestContext) => {
        if (handler === undefined) {
          throw new CliError("CLI_STARTING", "the instance is still starting", {
            hint: "try again in a moment",
          });
        }
        return handler(call, requestContext);
      },
    });
    return {
      procfile: location.procfile,
      path: server.path,
      inode: server.inode,
      attach: (h) => {
        handler = h;
      },
      close: async () => {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          server.close(),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, PIPE_DRAIN_AFTER_STOP_MS * 2);
          }),
        ]);
        clearTimeout(timer);
      },
    };
  } catch (error) {
    if (isCodedError(error) && error.code === "CONTROL_ALREADY_RUNNING") {
      throw new CliError(
        "CLI_ALREADY_RUNNING",
        `foreman is already running for ${displayPath(location.procfile, io.cwd)}`,
        { hint: "see it with `foreman ps`, stop it with `foreman quit`", cause: error },
      );
    }
    if (!isCodedError(error)) throw error;
    io.stderr.write(
      `${formatErrorLine(
        `warning: ${error.message}; foreman ps, restart, stop, scale, logs and quit will not reach this instance`,
        error.hint,
      )}\n`,
    );
    return undefined;
  }
}

export function describeExit(info: ExitInfo): string {
  if (info.error !== undefined) {
    return `failed to start: ${info.error.message}${info.error.hint === undefined ? "" : ` (${info.error.hint})`}`;
  }
  if (info.signal !== null) return `terminated by ${info.signal}`;
  return `exited with code ${info.exitCode ?? info.code}`;
}
