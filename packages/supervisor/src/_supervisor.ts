import { RestartBudget, restartDelayMs } from "./_backoff.js";
import { SupervisorError } from "./_error.js";
import { dependentsOf, startLevels, stopStages } from "./_graph.js";
import { createLogBuffer } from "./_log-buffer.js";
import { DEFAULT_POLICY, type ProcessPolicy, type ReadyCheck } from "./_policy-types.js";
import { describeReadyCheck, waitForReady } from "./_ready.js";
import type {
  ChildExit,
  InstanceInfo,
  InstanceSnapshot,
  InstanceState,
  OperationReport,
  ProgressEvent,
  ShutdownRequest,
  StopSettings,
  SupervisedChild,
  Supervisor,
  SupervisorClock,
  SupervisorOptions,
} from "./_types.js";

interface Instance {
  info: InstanceInfo;
  policy: ProcessPolicy;
  state: InstanceState;
  child: SupervisedChild | undefined;
  /** Bumped on every launch and every requested stop: callbacks of an older run are ignored. */
  generation: number;
  everStarted: boolean;
  startedAtMs: number | undefined;
  ready: boolean;
  restarts: number;
  /** Automatic restarts since the last run that stayed up `stableAfterMs`. */
  consecutive: number;
  budget: RestartBudget;
  lastExit: ChildExit | undefined;
  reason: string | undefined;
  /** The backoff timer or the ready timeout, whichever is pending. */
  timer: unknown;
  readyAbort: AbortController | undefined;
  lineListeners: Set<(line: string) => void>;
  /** Called on every change of state or readiness. */
  waiters: Set<() => void>;
}

type Progress = ((event: ProgressEvent) => void) | undefined;

const REAL_CLOCK: SupervisorClock = {
  // process.hrtime, not performance.now: the first touch of the global `performance` loads
  // perf_hooks (several modules, about half a millisecond) in the middle of starting the processes.
  now: () => Number(process.hrtime.bigint()) / 1e6,
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

// How long a oneshot's dependents wait for its exit line to be logged before starting anyway.
const LOGGED_WAIT_MS = 1000;

// How long a request to stop everything waits for the exit line of the process that caused it,
// so that the log reads "worker.1 exited with code 3", then "sending SIGTERM to all processes",
// as Ruby foreman's does. The line is out within a turn of the event loop or two; only a pipe
// held open by a grandchild that left the process group makes the stop wait this long.
const SHUTDOWN_LOGGED_WAIT_MS = 250;

// A log ready check looks at whole lines; a "line" without a newline is cut here.
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Runs the instances of a Procfile under their policies: start order from `depends_on` and ready
 * checks, restarts with backoff, oneshot and can_die exits, and the Procfile rule for every other
 * exit (`requestShutdown`). It never stops everything itself: its owner does, using
 * `stopSettings()` for the order and signals, after calling `shutdown()`.
 */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const clock = options.clock ?? REAL_CLOCK;
  const readyCheck = options.readyCheck ?? waitForReady;
  const defaultStopSignal = options.defaultStopSignal ?? "SIGTERM";
  const defaultStopTimeoutMs = options.defaultStopTimeoutMs ?? 5000;
  const typeNames = options.types.map((t) => t.name);
  const typeOrder = new Map(typeNames.map((name, i) => [name, i]));
  const policyOf = (type: string): ProcessPolicy => options.policies?.[type] ?? DEFAULT_POLICY;
  // Dependencies on names outside the Procfile were reported by the parser; ignore them here.
  const graph = new Map(
    typeNames.map((t) => [t, policyOf(t).dependsOn.filter((d) => typeOrder.has(d) && d !== t)]),
  );
  const levels = startLevels(graph);
  const stages = stopStages(graph);
  const dependedUpon = new Set([...graph.values()].flat());
  const logs = createLogBuffer(
    options.logBytesPerProcess === undefined
      ? {}
      : { maxBytesPerProcess: options.logBytesPerProcess },
  );
  let instances: Instance[] = [];
  let shuttingDown = false;
  let started = false;
  let queue: Promise<unknown> = Promise.resolve();

  const say = (name: string, message: string): void => {
    logs.note(name, message);
    options.log?.(name, message);
  };

  const createInstance = (type: string, index: number): Instance => {
    const policy = policyOf(type);
    return {
      info: { name: `${type}.${index}`, type, index, port: options.portFor(type, index) },
      policy,
      state: "pending",
      child: undefined,
      generation: 0,
      everStarted: false,
      startedAtMs: undefined,
      ready: false,
      restarts: 0,
      consecutive: 0,
      budget: new RestartBudget(policy.maxRestarts, policy.restartWindowMs),
      lastExit: undefined,
      reason: undefined,
      timer: undefined,
      readyAbort: undefined,
      lineListeners: new Set(),
      waiters: new Set(),
    };
  };

  const sortInstances = (): void => {
    instances.sort(
      (a, b) =>
        (typeOrder.get(a.info.type) ?? 0) - (typeOrder.get(b.info.type) ?? 0) ||
        a.info.index - b.info.index,
    );
  };

  for (const { name, count } of options.types) {
    for (let index = 1; index <= count; index += 1) instances.push(createInstance(name, index));
  }

  const notify = (inst: Instance): void => {
    for (const waiter of [...inst.waiters]) waiter();
  };

  const stopOptions = (inst: Instance): { signal: NodeJS.Signals; timeoutMs: number } => ({
    signal: inst.policy.stopSignal ?? defaultStopSignal,
    timeoutMs: inst.policy.stopTimeoutMs ?? defaultStopTimeoutMs,
  });

  const cancelPending = (inst: Instance): void => {
    if (inst.timer !== undefined) clock.clearTimeout(inst.timer);
    inst.timer = undefined;
    inst.readyAbort?.abort();
    inst.readyAbort = undefined;
  };

  const effectiveCheck = (inst: Instance): ReadyCheck =>
    inst.policy.ready ??
    (dependedUpon.has(inst.info.type) ? { kind: "port" } : { kind: "started" });

  // ---- starting ----

  const tap = (inst: Instance, child: SupervisedChild, gen: number): void => {
    for (const stream of ["stdout", "stderr"] as const) {
      let carry = "";
      child[stream].on("data", (chunk: Buffer | string) => {
        logs.write(inst.info.name, chunk, stream);
        if (inst.lineListeners.size === 0 || gen !== inst.generation) {
          carry = "";
          return;
        }
        const parts = (carry + String(chunk)).split("\n");
        carry = (parts.pop() as string).slice(-MAX_LINE_CHARS);
        for (const line of parts) for (const listener of [...inst.lineListeners]) listener(line);
      });
    }
  };

  const launchInstance = (inst: Instance): void => {
    if (shuttingDown) return;
    inst.generation += 1;
    const gen = inst.generation;
    inst.everStarted = true;
    inst.ready = false;
    inst.reason = undefined;
    inst.state = "starting";
    inst.startedAtMs = clock.now();
    const { child, logged } = options.launch(inst.info);
    inst.child = child;
    tap(inst, child, gen);
    void child.exited.then((info) => onExit(inst, gen, info, logged));
    beginReadiness(inst, gen);
    notify(inst);
  };

  const beginReadiness = (inst: Instance, gen: number): void => {
    // A oneshot is ready when it has exited 0.
    if (inst.policy.oneshot) return;
    const check = effectiveCheck(inst);
    if (check.kind === "started") {
      markReady(inst, undefined);
      return;
    }
    const abort = new AbortController();
    inst.readyAbort = abort;
    inst.timer = clock.setTimeout(
      () => void onReadyTimeout(inst, gen, check),
      inst.policy.readyTimeoutMs,
    );
    readyCheck(check, {
      port: inst.info.port,
      cwd: options.cwd,
      env: options.envFor?.(inst.info) ?? { PORT: String(inst.info.port), PS: inst.info.name },
      signal: abort.signal,
      onLine: (listener) => {
        inst.lineListeners.add(listener);
        return () => inst.lineListeners.delete(listener);
      },
    }).then(
      (description) => {
        if (gen !== inst.generation || inst.state !== "starting") return;
        cancelPending(inst);
        markReady(inst, description);
      },
      () => {},
    );
  };

  const markReady = (inst: Instance, description: string | undefined): void => {
    inst.state = "running";
    inst.ready = true;
    if (description !== undefined) say(inst.info.name, `is ready: ${description}`);
    notify(inst);
    advance();
  };

  const onReadyTimeout = async (inst: Instance, gen: number, check: ReadyCheck): Promise<void> => {
    if (gen !== inst.generation || inst.state !== "starting") return;
    inst.timer = undefined;
    inst.readyAbort?.abort();
    inst.readyAbort = undefined;
    const reason = `was not ready within ${formatDuration(inst.policy.readyTimeoutMs)} (waited until ${describeReadyCheck(check, inst.info.port)})`;
    say(inst.info.name, `${reason}; stopping it`);
    inst.generation += 1;
    inst.state = "stopping";
    inst.reason = reason;
    notify(inst);
    const child = inst.child;
    if (child !== undefined) {
      await child.stop(stopOptions(inst));
      inst.lastExit = await child.exited;
    }
    if (inst.generation !== gen + 1) return; // restarted or stopped on request meanwhile
    inst.state = "failed";
    inst.ready = false;
    notify(inst);
    fail(inst, 1, reason);
  };

  /**
   * Asks the owner to stop everything once `logged` (the exit line of the process that caused it)
   * has resolved, or after SHUTDOWN_LOGGED_WAIT_MS. While one request waits, later ones are
   * dropped: the first exit decides the exit code, as when the request went out at once.
   */
  let shutdownPending = false;
  const askShutdown = (request: ShutdownRequest, logged: Promise<unknown> | undefined): void => {
    if (shutdownPending) return;
    if (logged === undefined) {
      options.requestShutdown(request);
      return;
    }
    shutdownPending = true;
    let timer: unknown;
    const send = (): void => {
      if (!shutdownPending) return;
      shutdownPending = false;
      clock.clearTimeout(timer);
      // Stopping began meanwhile (Ctrl-C, quit): the owner is already doing what we would ask.
      if (!shuttingDown) options.requestShutdown(request);
    };
    timer = clock.setTimeout(send, SHUTDOWN_LOGGED_WAIT_MS);
    after(logged, send);
  };

  /** A failure that is not a plain exit: the Procfile rule applies unless the process may die. */
  const fail = (
    inst: Instance,
    exitCode: number,
    reason: string,
    logged?: Promise<unknown>,
  ): void => {
    if (shuttingDown) return;
    if (inst.policy.canDie) {
      advance();
      checkFinished();
      return;
    }
    askShutdown(
      { processName: inst.info.name, exitCode, message: `${inst.info.name} ${reason}` },
      logged,
    );
  };

  // ---- exits ----

  const onExit = (
    inst: Instance,
    gen: number,
    info: ChildExit,
    logged: Promise<unknown> | undefined,
  ): void => {
    if (gen !== inst.generation) return;
    cancelPending(inst);
    inst.lastExit = info;
    if (shuttingDown) {
      inst.state = "exited";
      inst.ready = false;
      inst.reason = describeExit(info);
      notify(inst);
      return;
    }
    const policy = inst.policy;
    const failed = info.code !== 0;
    if (policy.restart === "always" || (policy.restart === "on-failure" && failed)) {
      scheduleRestart(inst, gen, info, logged);
      return;
    }
    if (policy.oneshot && !failed) {
      inst.state = "exited";
      inst.reason = "completed";
      notify(inst);
      // Its dependents start after its exit line, so the log reads in order; a pipe held open by
      // an escaped grandchild delays them by at most LOGGED_WAIT_MS.
      let timer: unknown;
      const becomeReady = (): void => {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        if (gen !== inst.generation || inst.ready) return;
        inst.ready = true;
        notify(inst);
        advance();
        checkFinished();
      };
      if (logged === undefined) becomeReady();
      else {
        timer = clock.setTimeout(becomeReady, LOGGED_WAIT_MS);
        after(logged, becomeReady);
      }
      return;
    }
    inst.state = failed ? "failed" : "exited";
    inst.ready = false;
    inst.reason = describeExit(info);
    notify(inst);
    if (policy.canDie) {
      after(logged, () => say(inst.info.name, "can_die is set: the others keep running"));
      advance();
      checkFinished();
      return;
    }
    // The Procfile rule: any exit stops everything, with that exit's code.
    askShutdown(
      {
        processName: inst.info.name,
        exitCode: info.code,
        message: `${inst.info.name} ${describeExit(info)}`,
      },
      logged,
    );
  };

  const scheduleRestart = (
    inst: Instance,
    gen: number,
    info: ChildExit,
    logged: Promise<unknown> | undefined,
  ): void => {
    const policy = inst.policy;
    const nowMs = clock.now();
    if (inst.startedAtMs !== undefined && nowMs - inst.startedAtMs >= policy.stableAfterMs)
      inst.consecutive = 0;
    if (!inst.budget.tryTake(nowMs)) {
      const reason = `restarted ${policy.maxRestarts} time${policy.maxRestarts === 1 ? "" : "s"} within ${formatDuration(policy.restartWindowMs)}; giving up`;
      inst.state = "failed";
      inst.ready = false;
      inst.reason = reason;
      notify(inst);
      after(logged, () => say(inst.info.name, reason));
      fail(inst, info.code === 0 ? 1 : info.code, reason, logged);
      return;
    }
    const delayMs = restartDelayMs(
      inst.consecutive,
      policy.restartDelayMs,
      policy.restartDelayMaxMs,
    );
    inst.consecutive += 1;
    const used = inst.budget.used(nowMs);
    inst.state = "backoff";
    inst.ready = false;
    inst.reason = `${describeExit(info)}; restarting in ${formatDuration(delayMs)}`;
    notify(inst);
    let announced = false;
    const announce = (): void => {
      if (announced) return;
      announced = true;
      say(
        inst.info.name,
        `restarting in ${formatDuration(delayMs)} (restart ${used} of at most ${policy.maxRestarts} within ${formatDuration(policy.restartWindowMs)})`,
      );
    };
    after(logged, () => {
      if (gen === inst.generation && inst.state === "backoff") announce();
    });
    // What is left of its process group must be gone before the next run takes its port.
    const leftovers = inst.child?.stop(stopOptions(inst)).catch(() => {});
    inst.timer = clock.setTimeout(() => {
      inst.timer = undefined;
      void Promise.resolve(leftovers).then(() => {
        if (gen !== inst.generation || inst.state !== "backoff" || shuttingDown) return;
        announce();
        inst.restarts += 1;
        launchInstance(inst);
      });
    }, delayMs);
  };

  const checkFinished = (): void => {
    // A request waiting for an exit line is already on its way, with that exit's code.
    if (shuttingDown || shutdownPending || instances.length === 0) return;
    if (instances.every((i) => i.state === "exited" || i.state === "failed")) {
      options.requestShutdown({
        processName: undefined,
        exitCode: 0,
        message: "every process has finished",
      });
    }
  };

  // ---- dependencies ----

  /** A oneshot that succeeded becomes ready once its exit line is out: wait for it. */
  const completing = (inst: Instance): boolean =>
    inst.state === "exited" && !inst.ready && inst.policy.oneshot && inst.lastExit?.code === 0;

  type Verdict = { kind: "ready" } | { kind: "wait" } | { kind: "failed"; reason: string };

  const dependencyVerdict = (inst: Instance): Verdict => {
    for (const dep of graph.get(inst.info.type) ?? []) {
      for (const d of instances) {
        if (d.info.type !== dep || d.ready) continue;
        if (!completing(d) && (d.state === "failed" || d.state === "exited"))
          return {
            kind: "failed",
            reason: `its dependency ${d.info.name} ${d.state === "failed" ? "failed" : "exited"}`,
          };
        return { kind: "wait" };
      }
    }
    return { kind: "ready" };
  };

  let advancing = false;
  let again = false;
  /** Starts every pending instance whose dependencies are ready; fails those whose never will be. */
  const advance = (): void => {
    if (advancing) {
      again = true;
      return;
    }
    advancing = true;
    try {
      do {
        again = false;
        for (const inst of [...instances]) {
          if (inst.state !== "pending" || shuttingDown) continue;
          const verdict = dependencyVerdict(inst);
          if (verdict.kind === "ready") launchInstance(inst);
          else if (verdict.kind === "failed") {
            inst.state = "failed";
            inst.reason = verdict.reason;
            say(inst.info.name, `not started: ${verdict.reason}`);
            notify(inst);
            fail(inst, 1, `was not started: ${verdict.reason}`);
          }
        }
      } while (again);
    } finally {
      advancing = false;
    }
  };

  // ---- requested operations ----

  const enqueue = <T>(operation: () => Promise<T>): Promise<T> => {
    const run = queue.then(operation, operation);
    queue = run.catch(() => {});
    return run;
  };

  const ensureRunning = (): void => {
    if (shuttingDown) {
      throw new SupervisorError("SUPERVISOR_SHUTTING_DOWN", "the processes are being stopped", {
        hint: "wait for the instance to exit, then start it again",
      });
    }
  };

  const settle = (inst: Instance): Promise<{ ok: boolean; reason: string }> =>
    new Promise((resolve) => {
      const check = (): void => {
        let outcome: { ok: boolean; reason: string } | undefined;
        if (inst.ready) outcome = { ok: true, reason: "ready" };
        else if (shuttingDown)
          outcome = { ok: false, reason: "was stopped: everything is stopping" };
        else if (completing(inst)) return;
        else if (
          inst.state === "failed" ||
          inst.state === "exited" ||
          inst.state === "stopped" ||
          inst.state === "backoff"
        )
          outcome = { ok: false, reason: inst.reason ?? inst.state };
        if (outcome === undefined) return;
        inst.waiters.delete(check);
        resolve(outcome);
      };
      inst.waiters.add(check);
      check();
    });

  const stopInstance = async (inst: Instance, progress: Progress): Promise<string> => {
    cancelPending(inst);
    const name = inst.info.name;
    const child = inst.child;
    if (inst.state === "pending") {
      inst.state = "stopped";
      inst.reason = "stopped on request before it started";
      notify(inst);
      return `${name} stopped (it had not started yet)`;
    }
    const active =
      inst.state === "starting" ||
      inst.state === "running" ||
      inst.state === "stopping" ||
      inst.state === "backoff";
    inst.generation += 1;
    if (!active) {
      // Whatever is left of its group (a daemonized grandchild) goes too.
      if (child !== undefined) await child.stop(stopOptions(inst));
      return `${name} was not running (${inst.state})`;
    }
    const wasRunning = inst.state !== "backoff";
    inst.state = "stopping";
    inst.ready = false;
    notify(inst);
    if (child !== undefined) {
      if (wasRunning) {
        say(name, `stopping on request (${stopOptions(inst).signal})`);
        progress?.({ name, message: `stopping (${stopOptions(inst).signal})` });
      }
      await child.stop(stopOptions(inst));
      inst.lastExit = await child.exited;
    }
    inst.state = "stopped";
    inst.reason = "stopped on request";
    notify(inst);
    return wasRunning ? `${name} stopped` : `${name} stopped (it was waiting to restart)`;
  };

  const startInstance = async (inst: Instance, progress: Progress, depth = 0): Promise<void> => {
    ensureRunning();
    // Dependencies first: a stopped or failed one is started too; one on its way is waited for.
    for (const dep of graph.get(inst.info.type) ?? []) {
      for (const d of instances) {
        if (d.info.type !== dep || d.ready) continue;
        const ended = d.state === "stopped" || d.state === "failed" || d.state === "exited";
        if (ended && !completing(d) && depth < 32) {
          progress?.({
            name: d.info.name,
            message: `starting it first: ${inst.info.name} depends on it`,
          });
          await startInstance(d, progress, depth + 1);
          continue;
        }
        const outcome = await settle(d);
        if (!outcome.ok) {
          throw new SupervisorError(
            "SUPERVISOR_NOT_READY",
            `${inst.info.name} was not started: its dependency ${d.info.name} ${outcome.reason}`,
          );
        }
      }
    }
    ensureRunning();
    if (inst.everStarted) inst.restarts += 1;
    inst.consecutive = 0;
    inst.budget.reset();
    progress?.({ name: inst.info.name, message: "starting" });
    launchInstance(inst);
    const outcome = await settle(inst);
    if (!outcome.ok) {
      throw new SupervisorError("SUPERVISOR_NOT_READY", `${inst.info.name} ${outcome.reason}`, {
        hint: `see its output: foreman logs ${inst.info.name}`,
      });
    }
    progress?.({ name: inst.info.name, message: "ready" });
  };

  const resolve = (patterns: readonly string[]): string[] => {
    if (patterns.length === 0) return instances.map((i) => i.info.name);
    const chosen = new Set<string>();
    for (const pattern of patterns) {
      const glob = globToRegExp(pattern);
      const matched = instances.filter(
        (i) =>
          i.info.name === pattern ||
          i.info.type === pattern ||
          glob.test(i.info.name) ||
          glob.test(i.info.type),
      );
      if (matched.length === 0) {
        if (typeOrder.has(pattern)) {
          throw new SupervisorError(
            "SUPERVISOR_UNKNOWN_PROCESS",
            `no instance of "${pattern}" is in the formation`,
            { hint: `scale it up first: foreman scale ${pattern}=1` },
          );
        }
        throw new SupervisorError("SUPERVISOR_UNKNOWN_PROCESS", `no process matches "${pattern}"`, {
          hint: `the processes are: ${instances.map((i) => i.info.name).join(", ") || "(none)"}`,
        });
      }
      for (const i of matched) chosen.add(i.info.name);
    }
    return instances.filter((i) => chosen.has(i.info.name)).map((i) => i.info.name);
  };

  const byNames = (names: readonly string[]): Instance[] =>
    instances.filter((i) => names.includes(i.info.name));

  const stageOf = (inst: Instance): number => stages.get(inst.info.type) ?? 0;

  return {
    start(): void {
      if (started) return;
      started = true;
      advance();
    },

    snapshot(): InstanceSnapshot[] {
      const nowMs = clock.now();
      return instances.map((inst) => {
        const alive =
          inst.state === "starting" || inst.state === "running" || inst.state === "stopping";
        return {
          name: inst.info.name,
          type: inst.info.type,
          index: inst.info.index,
          port: inst.info.port,
          pid: alive ? inst.child?.pid : undefined,
          state: inst.state,
          ready: inst.ready,
          restarts: inst.restarts,
          uptimeMs:
            (inst.state === "starting" || inst.state === "running") &&
            inst.startedAtMs !== undefined
              ? Math.round(nowMs - inst.startedAtMs)
              : undefined,
          lastExitCode: inst.lastExit?.code,
          reason: inst.reason,
        };
      });
    },

    resolve,

    restart(patterns, onProgress) {
      return enqueue(async () => {
        ensureRunning();
        const targets = byNames(resolve(patterns)).sort(
          (a, b) =>
            (levels.get(a.info.type) ?? 0) - (levels.get(b.info.type) ?? 0) ||
            (typeOrder.get(a.info.type) ?? 0) - (typeOrder.get(b.info.type) ?? 0) ||
            a.info.index - b.info.index,
        );
        const lines: string[] = [];
        // One at a time, each ready before the next: the others keep serving meanwhile.
        for (const inst of targets) {
          if (!instances.includes(inst)) continue;
          const wasActive =
            inst.everStarted && inst.state !== "stopped" && inst.state !== "pending";
          if (inst.state !== "pending") await stopInstance(inst, onProgress);
          await startInstance(inst, onProgress);
          lines.push(
            inst.policy.oneshot
              ? `${inst.info.name} ran again and completed`
              : `${inst.info.name} ${wasActive ? "restarted" : "started"} and ready (pid ${inst.child?.pid ?? "?"})`,
          );
        }
        return { lines };
      });
    },

    stop(patterns, onProgress) {
      return enqueue(async () => {
        ensureRunning();
        const targets = byNames(resolve(patterns));
        const targetTypes = new Set(targets.map((t) => t.info.type));
        const dependentTypes = dependentsOf(graph, targetTypes);
        const dependents = instances.filter(
          (i) =>
            dependentTypes.has(i.info.type) &&
            !targets.includes(i) &&
            (i.state === "starting" ||
              i.state === "running" ||
              i.state === "backoff" ||
              i.state === "pending"),
        );
        const all = [...dependents, ...targets];
        const lines: string[] = [];
        const stageNumbers = [...new Set(all.map(stageOf))].sort((a, b) => a - b);
        for (const stage of stageNumbers) {
          const group = all.filter((i) => stageOf(i) === stage);
          const results = await Promise.all(group.map((i) => stopInstance(i, onProgress)));
          group.forEach((inst, k) => {
            const line = results[k] as string;
            const needs = (graph.get(inst.info.type) ?? []).filter(
              (d) => targetTypes.has(d) || dependentTypes.has(d),
            );
            lines.push(
              dependents.includes(inst) ? `${line} (it depends on ${needs.join(", ")})` : line,
            );
          });
        }
        return { lines };
      });
    },

    scale(counts, onProgress) {
      return enqueue(async (): Promise<OperationReport> => {
        ensureRunning();
        const plan: Array<{ type: string; count: number }> = [];
        for (const [type, count] of Object.entries(counts)) {
          if (!typeOrder.has(type)) {
            throw new SupervisorError(
              "SUPERVISOR_UNKNOWN_PROCESS",
              `no process type "${type}" in the Procfile`,
              {
                hint: `the types are: ${typeNames.join(", ")}`,
              },
            );
          }
          if (!Number.isSafeInteger(count) || count < 0) {
            throw new SupervisorError(
              "SUPERVISOR_BAD_SCALE",
              `cannot scale "${type}" to ${String(count)}`,
              {
                hint: `a whole number, 0 or more: foreman scale ${type}=2`,
              },
            );
          }
          plan.push({ type, count });
        }
        // Every new instance is planned (ports checked) before anything changes.
        const added: Instance[] = [];
        const removed: Instance[] = [];
        for (const { type, count } of plan) {
          const current = instances.filter((i) => i.info.type === type);
          for (let index = current.length + 1; index <= count; index += 1)
            added.push(createInstance(type, index));
          removed.push(...current.filter((i) => i.info.index > count));
        }
        const lines: string[] = [];
        await Promise.all(removed.reverse().map((i) => stopInstance(i, onProgress)));
        instances = instances.filter((i) => !removed.includes(i));
        for (const inst of removed) lines.push(`${inst.info.name} stopped and removed`);
        if (added.length > 0) {
          instances.push(...added);
          sortInstances();
          advance();
        }
        let failures = 0;
        for (const inst of added) {
          if (inst.state === "pending") {
            lines.push(`${inst.info.name} added; it starts once its dependencies are ready`);
            continue;
          }
          const outcome = await settle(inst);
          if (outcome.ok)
            lines.push(`${inst.info.name} started and ready on port ${inst.info.port}`);
          else {
            failures += 1;
            lines.push(`${inst.info.name} ${outcome.reason}`);
          }
        }
        if (failures > 0) {
          throw new SupervisorError("SUPERVISOR_NOT_READY", lines.join("; "), {
            hint: "see their output: foreman logs",
          });
        }
        if (lines.length === 0) lines.push("the formation is already as asked");
        return { lines };
      });
    },

    stopSettings(type: string): StopSettings {
      const policy = policyOf(type);
      return {
        signal: policy.stopSignal ?? defaultStopSignal,
        timeoutMs: policy.stopTimeoutMs ?? defaultStopTimeoutMs,
        stage: stages.get(type) ?? 0,
      };
    },

    shutdown(): void {
      if (shuttingDown) return;
      shuttingDown = true;
      for (const inst of instances) cancelPending(inst);
      for (const inst of instances) notify(inst);
    },

    get shuttingDown(): boolean {
      return shuttingDown;
    },

    logs,
  };
}

function after(promise: Promise<unknown> | undefined, action: () => void): void {
  if (promise === undefined) action();
  else
    void promise.then(
      () => action(),
      () => action(),
    );
}

export function describeExit(info: ChildExit): string {
  if (info.error !== undefined) return `failed to start: ${info.error.message}`;
  if (info.signal !== null) return `was terminated by ${info.signal}`;
  return `exited with code ${info.exitCode ?? info.code}`;
}

/** `800 ms`, `1 s`, `1.5 s`, `5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${ms / 60_000} min`;
}

function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}
