import { SignalCoordinatorError } from "./_error.js";
import { exitCodeFor } from "./_exit-code.js";
import type {
  ProcessLike,
  ShutdownCoordinator,
  ShutdownCoordinatorOptions,
  ShutdownReason,
  ShutdownResult,
  StoppableProcess,
  TrackOptions,
} from "./_types.js";

const DEFAULT_SHUTDOWN_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
const DEFAULT_FORWARD_SIGNALS: NodeJS.Signals[] = ["SIGUSR1", "SIGUSR2"];
const DEFAULT_DUPLICATE_WINDOW_MS = 100;
const DEFAULT_KILL_TIMEOUT_MS = 2000;
// The kernel delivers these without asking the process, so a listener could never run.
const UNCATCHABLE_SIGNALS: ReadonlySet<string> = new Set(["SIGKILL", "SIGSTOP"]);

type Phase = "running" | "terminating" | "killing" | "done";

interface ResolvedOptions {
  timeoutMs: number;
  killTimeoutMs: number;
  duplicateWindowMs: number;
  shutdownSignals: NodeJS.Signals[];
  forwardSignals: NodeJS.Signals[];
  log: (message: string) => void;
  now: () => number;
  process: ProcessLike | undefined;
  onShutdown: ((reason: ShutdownReason) => void) | undefined;
}

function invalidOption(message: string, hint: string): SignalCoordinatorError {
  return new SignalCoordinatorError({ code: "SIGNAL_INVALID_OPTION", message, hint });
}

function checkDuration(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidOption(
      `createShutdownCoordinator: ${name} must be a finite number >= 0, got ${String(value)}`,
      `e.g. { ${name}: 5000 }`,
    );
  }
  return value;
}

function checkSignals(name: string, signals: NodeJS.Signals[]): NodeJS.Signals[] {
  for (const signal of signals) {
    if (UNCATCHABLE_SIGNALS.has(signal)) {
      throw invalidOption(
        `createShutdownCoordinator: ${name} contains ${signal}, which no process can catch`,
        `remove ${signal} from ${name}`,
      );
    }
  }
  return [...new Set(signals)];
}

function resolveOptions(options: ShutdownCoordinatorOptions): ResolvedOptions {
  const shutdownSignals = checkSignals(
    "shutdownSignals",
    options.shutdownSignals ?? DEFAULT_SHUTDOWN_SIGNALS,
  );
  const forwardSignals = checkSignals(
    "forwardSignals",
    options.forwardSignals ?? DEFAULT_FORWARD_SIGNALS,
  );
  const both = shutdownSignals.find((signal) => forwardSignals.includes(signal));
  if (both !== undefined) {
    throw invalidOption(
      `createShutdownCoordinator: ${both} is in both shutdownSignals and forwardSignals`,
      "a signal either stops foreman or is passed on to the processes, not both",
    );
  }
  return {
    timeoutMs: checkDuration("timeoutMs", options.timeoutMs),
    killTimeoutMs: checkDuration("killTimeoutMs", options.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS),
    duplicateWindowMs: checkDuration(
      "duplicateWindowMs",
      options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
    ),
    shutdownSignals,
    forwardSignals,
    log: options.log ?? (() => {}),
    // process.hrtime, not performance.now: the global `performance` loads perf_hooks (nine
    // modules, about half a millisecond of every start) for one subtraction at shutdown.
    now: options.now ?? monotonicMs,
    process: options.process,
    onShutdown: options.onShutdown,
  };
}

interface StopPlan {
  signal: NodeJS.Signals;
  timeoutMs: number;
  stage: number;
}

function checkTrackOptions(options: TrackOptions, defaultTimeoutMs: number): StopPlan {
  const timeoutMs = options.stopTimeoutMs ?? defaultTimeoutMs;
  const stage = options.stage ?? 0;
  if (typeof timeoutMs !== "number" || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw invalidOption(
      `add: stopTimeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`,
      "e.g. { stopTimeoutMs: 10000 }",
    );
  }
  if (!Number.isInteger(stage) || stage < 0) {
    throw invalidOption(
      `add: stage must be an integer >= 0, got ${String(stage)}`,
      "e.g. { stage: 1 }",
    );
  }
  return { signal: options.stopSignal ?? "SIGTERM", timeoutMs, stage };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function createShutdownCoordinator(
  options: ShutdownCoordinatorOptions,
): ShutdownCoordinator {
  const config = resolveOptions(options);
  const { log } = config;
  // Only processes whose group has not been seen gone; shutdown is complete when it is empty.
  const tracked = new Set<StoppableProcess>();
  const killed = new Set<StoppableProcess>();
  const plans = new Map<StoppableProcess, StopPlan>();
  // Staged mode: some process has its own signal, timeout or stage, so each is stopped on its own
  // schedule, stage by stage, instead of all at once.
  let staged = false;
  let currentStage = -1;
  const processTimers = new Map<StoppableProcess, NodeJS.Timeout>();
  let phase: Phase = "running";
  let reason: ShutdownReason | undefined;
  let lastShutdownEventMs = 0;
  let escalationTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let uninstallCurrent: (() => void) | undefined;
  let resolveDone: (result: ShutdownResult) => void = () => {};
  const done = new Promise<ShutdownResult>((resolve) => {
    resolveDone = resolve;
  });

  // One misbehaving process must not stop the others from being signalled.
  const sendSignal = (process: StoppableProcess, signal: NodeJS.Signals): void => {
    try {
      if (process.isGroupAlive()) process.signal(signal);
    } catch (error) {
      log(`failed to send ${signal} to ${process.name}: ${describe(error)}`);
    }
  };

  const sendKill = (process: StoppableProcess): void => {
    try {
      if (!process.isGroupAlive()) return;
      killed.add(process);
      process.kill();
    } catch (error) {
      log(`failed to send SIGKILL to ${process.name}: ${describe(error)}`);
    }
  };

  const clearProcessTimers = (): void => {
    for (const timer of processTimers.values()) clearTimeout(timer);
    processTimers.clear();
  };

  const finish = (): void => {
    if (phase === "done" || reason === undefined) return;
    phase = "done";
    clearProcessTimers();
    clearTimeout(escalationTimer);
    clearTimeout(killTimer);
    escalationTimer = undefined;
    killTimer = undefined;
    resolveDone({
      reason,
      exitCode: exitCodeFor(reason),
      killed: [...killed].map((process) => process.name),
    });
  };

  const finishIfEmpty = (): void => {
    if ((phase === "terminating" || phase === "killing") && tracked.size === 0) finish();
  };

  const killAll = (): void => {
    clearTimeout(escalationTimer);
    escalationTimer = undefined;
    clearProcessTimers();
    phase = "killing";
    for (const process of tracked) sendKill(process);
    // SIGKILL cannot be ignored, but a process in uninterruptible sleep outlives it for a while;
    // waiting forever would leave foreman hanging with its output unflushed.
    killTimer ??= setTimeout(() => {
      const left = [...tracked].map((process) => process.name).join(", ");
      if (left !== "") log(`still running after SIGKILL, giving up on: ${left}`);
      finish();
    }, config.killTimeoutMs);
    finishIfEmpty();
  };

  const planOf = (process: StoppableProcess): StopPlan =>
    plans.get(process) ?? { signal: "SIGTERM", timeoutMs: config.timeoutMs, stage: 0 };

  /** Staged mode: this process's own signal now, SIGKILL after its own timeout. */
  const stopOne = (process: StoppableProcess): void => {
    const plan = planOf(process);
    if (plan.signal === "SIGKILL") {
      sendKill(process);
      giveUpLater(process);
      return;
    }
    sendSignal(process, plan.signal);
    // Ref'd for the same reason as the escalation timer of the classic shutdown.
    processTimers.set(
      process,
      setTimeout(() => {
        if (phase !== "terminating" || !tracked.has(process)) return;
        log(
          `sending SIGKILL to ${process.name} (still running ${seconds(plan.timeoutMs)} after ${plan.signal})`,
        );
        sendKill(process);
        giveUpLater(process);
      }, plan.timeoutMs),
    );
  };

  /** Staged mode: a process that outlives SIGKILL must not hold back the later stages forever. */
  const giveUpLater = (process: StoppableProcess): void => {
    processTimers.set(
      process,
      setTimeout(() => {
        if (!tracked.has(process)) return;
        log(`still running after SIGKILL, giving up on: ${process.name}`);
        untrack(process);
      }, config.killTimeoutMs),
    );
  };

  /** Staged mode: once every process of the stages so far is gone, signal the next stage. */
  const advanceStage = (): void => {
    while (phase === "terminating") {
      const left = [...tracked];
      if (left.some((p) => planOf(p).stage <= currentStage)) return;
      if (left.length === 0) return;
      currentStage = Math.min(...left.map((p) => planOf(p).stage));
      const group = left.filter((p) => planOf(p).stage === currentStage);
      const bySignal = new Map<NodeJS.Signals, string[]>();
      for (const p of group) {
        const names = bySignal.get(planOf(p).signal) ?? [];
        names.push(p.name);
        bySignal.set(planOf(p).signal, names);
      }
      for (const [signal, names] of bySignal) log(`sending ${signal} to ${names.join(", ")}`);
      for (const p of group) stopOne(p);
    }
  };

  const untrack = (process: StoppableProcess): void => {
    if (!tracked.delete(process)) return;
    const timer = processTimers.get(process);
    if (timer !== undefined) clearTimeout(timer);
    processTimers.delete(process);
    plans.delete(process);
    if (staged) advanceStage();
    finishIfEmpty();
  };

  const add = (process: StoppableProcess, options: TrackOptions = {}): (() => void) => {
    const remove = (): void => untrack(process);
    if (tracked.has(process)) return remove;
    const plan = checkTrackOptions(options, config.timeoutMs);
    tracked.add(process);
    if (plan.signal !== "SIGTERM" || plan.timeoutMs !== config.timeoutMs || plan.stage !== 0)
      plans.set(process, plan);
    // A rejected groupGone means the spawner can no longer watch the group; waiting on it would
    // hang the shutdown, so it counts as gone.
    process.groupGone.then(remove, remove);
    // Started in a race with the shutdown: it must not be left running behind it.
    if (phase === "terminating" && staged) {
      if (plan.stage <= currentStage) stopOne(process);
    } else if (phase === "terminating") sendSignal(process, "SIGTERM");
    else if (phase === "killing") sendKill(process);
    else if (phase === "done") {
      log(`${process.name} started after shutdown completed, sending SIGKILL`);
      sendKill(process);
    }
    return remove;
  };

  const shutdown = (why: ShutdownReason): Promise<ShutdownResult> => {
    if (phase !== "running") return done;
    reason = why;
    phase = "terminating";
    lastShutdownEventMs = config.now();
    if (why.kind === "signal") log(`${why.signal ?? "signal"} received, starting shutdown`);
    try {
      config.onShutdown?.(why);
    } catch (error) {
      log(`onShutdown failed: ${describe(error)}`);
    }
    if (phase !== "terminating") return done;
    staged = [...tracked].some((p) => plans.has(p));
    if (staged) {
      advanceStage();
      finishIfEmpty();
      return done;
    }
    log("sending SIGTERM to all processes");
    for (const process of tracked) sendSignal(process, "SIGTERM");
    // Deliberately ref'd: with every child detached and unref'd, this timer may be the only
    // thing keeping node alive until the SIGKILL is due.
    escalationTimer = setTimeout(() => {
      escalationTimer = undefined;
      if (phase !== "terminating") return;
      log("sending SIGKILL to all processes");
      killAll();
    }, config.timeoutMs);
    finishIfEmpty();
    return done;
  };

  const onShutdownSignal = (signal: NodeJS.Signals): void => {
    // Still listening after completion so a late Ctrl-C cannot kill foreman (default handler)
    // before it has flushed its output; there is nothing left to do with it.
    if (phase === "done") return;
    if (phase === "running") {
      void shutdown({ kind: "signal", signal });
      return;
    }
    const nowMs = config.now();
    if (nowMs - lastShutdownEventMs < config.duplicateWindowMs) return;
    lastShutdownEventMs = nowMs;
    const again = signal === reason?.signal ? "again" : "during shutdown";
    log(`${signal} received ${again}, sending SIGKILL to all processes`);
    killAll();
  };

  const onForwardSignal = (signal: NodeJS.Signals): void => {
    if (tracked.size === 0) return;
    log(`forwarding ${signal} to all processes`);
    for (const process of tracked) sendSignal(process, signal);
  };

  const install = (): (() => void) => {
    if (uninstallCurrent !== undefined) {
      throw new SignalCoordinatorError({
        code: "SIGNAL_ALREADY_INSTALLED",
        message:
          "install() was called twice without uninstalling: every signal would be handled twice",
        hint: "call the function the first install() returned before installing again",
      });
    }
    const target: ProcessLike = config.process ?? globalThis.process;
    const registered: Array<[NodeJS.Signals, () => void]> = [];
    const uninstall = (): void => {
      for (const [signal, listener] of registered.splice(0)) target.off(signal, listener);
      if (uninstallCurrent === uninstall) uninstallCurrent = undefined;
    };
    const register = (signal: NodeJS.Signals, listener: () => void): void => {
      try {
        target.on(signal, listener);
      } catch (error) {
        uninstall();
        throw new SignalCoordinatorError({
          code: "SIGNAL_INSTALL_FAILED",
          message: `could not listen for ${signal}: ${describe(error)}`,
          hint: `leave ${signal} out of shutdownSignals / forwardSignals on this platform`,
          cause: error,
        });
      }
      registered.push([signal, listener]);
    };
    // The listener ignores its argument: the signal it was registered for is the truth, even
    // when a fake emitter is called without one.
    for (const signal of config.shutdownSignals) register(signal, () => onShutdownSignal(signal));
    for (const signal of config.forwardSignals) register(signal, () => onForwardSignal(signal));
    uninstallCurrent = uninstall;
    return uninstall;
  };

  return {
    add,
    install,
    shutdown,
    get shuttingDown(): boolean {
      return phase !== "running";
    },
    done,
  };
}
