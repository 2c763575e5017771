import type { LogBuffer } from "./_log-buffer.js";
import type { ProcessPolicy, ReadyCheck } from "./_policy-types.js";
import type { ReadyContext } from "./_ready.js";

/** One instance of a process type: `web.2` is type `web`, index 2. */
export interface InstanceInfo {
  name: string;
  type: string;
  index: number;
  port: number;
}

/** How a child ended. `@foreman/spawner`'s `ExitInfo` fits. */
export interface ChildExit {
  /** The shell convention: exit code, 128 + signal number, or 127 when it could not start. */
  code: number;
  exitCode: number | null;
  signal: string | null;
  error?: { message: string };
}

/**
 * What the supervisor needs of a running child. `@foreman/spawner`'s `ManagedProcess` fits; the
 * package states the shape instead of importing it so that packages stay independent.
 */
export interface SupervisedChild {
  readonly pid: number | undefined;
  /** Read for the log buffer and log ready checks, beside whoever else reads it. */
  readonly stdout: NodeJS.ReadableStream;
  readonly stderr: NodeJS.ReadableStream;
  /** Resolves when the process has exited (or could not start). Never rejects. */
  readonly exited: Promise<ChildExit>;
  /** Stops the whole process (group): `signal`, then SIGKILL after `timeoutMs`; resolves when it is gone. */
  stop(options: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<unknown>;
}

export interface LaunchedChild {
  child: SupervisedChild;
  /**
   * Optional: resolves once the caller has logged everything about the child (its last output and
   * its exit line); the supervisor's own lines about the exit ("restarting in 2 s") come after.
   */
  logged?: Promise<unknown>;
}

/** Timers and a monotonic clock, injected so tests can drive backoff without waiting. */
export interface SupervisorClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The supervisor asks its owner to stop everything: the Procfile rule ("any exit stops all"), or a failure. */
export interface ShutdownRequest {
  /** The instance whose exit or failure it is; undefined when every process has finished. */
  processName: string | undefined;
  /** What the manager should exit with. */
  exitCode: number;
  message: string;
}

export interface SupervisorOptions {
  /** The Procfile's types, in its order, with how many instances to start (0 is fine). */
  types: ReadonlyArray<{ name: string; count: number }>;
  /** Per type; a type without an entry gets `DEFAULT_POLICY`. */
  policies?: Readonly<Record<string, ProcessPolicy>>;
  /** The port of instance `index` (1-based) of `type`; may throw to refuse a scale. */
  portFor(type: string, index: number): number;
  /** Starts an instance. Must not throw; a child that cannot start reports it through `exited`. */
  launch(instance: InstanceInfo): LaunchedChild;
  requestShutdown(request: ShutdownRequest): void;
  /** Lines about an instance ("restarting in 1 s …"); `name` is the instance. */
  log?(name: string, message: string): void;
  /** Where exec ready checks run. */
  cwd: string;
  /** The environment of an exec ready check for this instance. Default: `{ PORT, PS }` only. */
  envFor?(instance: InstanceInfo): Record<string, string | undefined>;
  /** Default "SIGTERM". */
  defaultStopSignal?: NodeJS.Signals;
  /** Default 5000. */
  defaultStopTimeoutMs?: number;
  /** Default: a monotonic clock in ms (`process.hrtime`) and the global timers. */
  clock?: SupervisorClock;
  /** Default 262 144. */
  logBytesPerProcess?: number;
  /** Default `waitForReady`; injected by tests. */
  readyCheck?(check: ReadyCheck, context: ReadyContext): Promise<string>;
}

export type InstanceState =
  | "pending"
  | "starting"
  | "running"
  | "backoff"
  | "stopping"
  | "stopped"
  | "exited"
  | "failed";

export interface InstanceSnapshot {
  name: string;
  type: string;
  index: number;
  port: number;
  /** Set while the process runs. */
  pid: number | undefined;
  state: InstanceState;
  ready: boolean;
  /** Times it was started again after its first start (automatic and requested). */
  restarts: number;
  /** Milliseconds since it was started, while it runs. */
  uptimeMs: number | undefined;
  /** How the last run ended. */
  lastExitCode: number | undefined;
  /** Why it is failed, exited, pending or in backoff, in words. */
  reason: string | undefined;
}

/** Progress of a restart, stop or scale, one line per step. */
export interface ProgressEvent {
  name: string;
  message: string;
}

export interface OperationReport {
  /** One line per instance acted on, in order. */
  lines: string[];
}

export interface StopSettings {
  signal: NodeJS.Signals;
  timeoutMs: number;
  /** 0 stops first: nothing depends on it. */
  stage: number;
}

export interface Supervisor {
  /** Starts every instance whose dependencies are ready; the others as theirs become ready. Once. */
  start(): void;
  snapshot(): InstanceSnapshot[];
  /** Instance names matched by `NAME`, `NAME.N` or a glob (`web*`, `*.1`); throws on a pattern that matches nothing. */
  resolve(patterns: readonly string[]): string[];
  /** Restarts (or starts) each matched instance, one at a time, dependencies first, waiting until each is ready. */
  restart(
    patterns: readonly string[],
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<OperationReport>;
  /** Stops each matched instance and, first, the running instances that depend on it. */
  stop(
    patterns: readonly string[],
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<OperationReport>;
  /** Sets how many instances of each type run, starting or stopping the difference. */
  scale(
    counts: Readonly<Record<string, number>>,
    onProgress?: (event: ProgressEvent) => void,
  ): Promise<OperationReport>;
  /** How the owner's shutdown must stop this type. */
  stopSettings(type: string): StopSettings;
  /** No more starts or restarts; pending timers and ready checks end. The owner stops the children. */
  shutdown(): void;
  readonly shuttingDown: boolean;
  readonly logs: LogBuffer;
}
