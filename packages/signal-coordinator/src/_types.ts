import type { SignalCoordinatorError } from "./_error.js";

/**
 * What the coordinator needs of a running process. `@foreman/spawner`'s `ManagedProcess` has
 * exactly these members; the package states the shape instead of importing it so leaves stay
 * independent.
 */
export interface StoppableProcess {
  readonly name: string;
  /** Also its process group id: every process is started as the leader of its own group. */
  readonly pid: number | undefined;
  /** Signals the whole group; returns false once the group is gone. */
  signal(signal: NodeJS.Signals): boolean;
  /** SIGKILL to the whole group. */
  kill(): void;
  isGroupAlive(): boolean;
  /** Resolves when no process is left in the group. */
  readonly groupGone: Promise<void>;
}

/**
 * How the shutdown stops one process, given to `add()`. With the defaults for every process the
 * shutdown is the classic one: SIGTERM to all at once, SIGKILL to all after `timeoutMs`.
 */
export interface TrackOptions {
  /** Sent first. Default "SIGTERM". */
  stopSignal?: NodeJS.Signals;
  /** Then SIGKILL to this process after this long. Default: the coordinator's `timeoutMs`. */
  stopTimeoutMs?: number;
  /**
   * Default 0. Stage 0 is stopped first; stage n+1 gets its signal once every process of the
   * stages before it is gone, so a process can outlive the ones that depend on it.
   */
  stage?: number;
}

/** The part of `NodeJS.Process` the coordinator touches, injected so tests can pass an emitter. */
export interface ProcessLike {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownReason {
  kind: "signal" | "exit" | "error";
  /** kind "signal": the signal foreman received. */
  signal?: NodeJS.Signals;
  /** kind "exit": the process that exited on its own. */
  processName?: string;
  /** kind "exit": that process's exit code (128+n when a signal ended it); kind "error": foreman's exit code. */
  exitCode?: number;
  message?: string;
}

export interface ShutdownResult {
  reason: ShutdownReason;
  /** What foreman should exit with: `exitCodeFor(reason)`. */
  exitCode: number;
  /** Names of the processes that needed SIGKILL, in the order they were killed. */
  killed: string[];
}

export interface ShutdownCoordinatorOptions {
  /** How long to wait after SIGTERM before SIGKILL. */
  timeoutMs: number;
  /** Default `globalThis.process`. */
  process?: ProcessLike;
  /** System lines such as "SIGINT received, starting shutdown". Default: drop them. */
  log?: (message: string) => void;
  /** Default ["SIGINT", "SIGTERM", "SIGHUP"]. */
  shutdownSignals?: NodeJS.Signals[];
  /** Default ["SIGUSR1", "SIGUSR2"]: passed on to every live process group. */
  forwardSignals?: NodeJS.Signals[];
  /**
   * Default 100. A shutdown signal this soon after the previous one is the same signal arriving
   * twice (the terminal and a parent process both forwarding one Ctrl-C), not a plea to hurry.
   */
  duplicateWindowMs?: number;
  /**
   * Default 2000. After SIGKILL, how long to wait for the groups to vanish before resolving
   * anyway: a process stuck in uninterruptible sleep cannot die, and foreman must still exit.
   */
  killTimeoutMs?: number;
  /** Monotonic clock in ms. Default `process.hrtime`. */
  now?: () => number;
  /**
   * Called once, synchronously, when the shutdown starts (after the "received" line, before any
   * signal is sent): the moment for a supervisor to stop restarting things. Errors are logged.
   */
  onShutdown?: (reason: ShutdownReason) => void;
}

export interface ShutdownCoordinator {
  /** Track a process, stopped as `options` say; returns the function that stops tracking it. */
  add(process: StoppableProcess, options?: TrackOptions): () => void;
  /** Register the signal listeners; returns the function that removes them. */
  install(): () => void;
  /** Idempotent: the first call starts the shutdown, every call returns the same promise. */
  shutdown(reason: ShutdownReason): Promise<ShutdownResult>;
  readonly shuttingDown: boolean;
  /** Resolves when the shutdown has completed: every tracked group is gone. */
  readonly done: Promise<ShutdownResult>;
}

export interface Watchdog {
  /** Record a process group the watchdog must kill if foreman dies. */
  track(pgid: number): void;
  /** Forget a group that is known to be gone. */
  untrack(pgid: number): void;
  /**
   * Remove the file at `path` (absolute) if foreman dies without `close()`, but only while its
   * inode is still `inode` (from `lstat(path, { bigint: true }).ino`): a newer file at that path,
   * such as the socket of a foreman started since, is never removed. Calling it again for the
   * same path replaces the inode. Meanwhile a hard link beside it
   * (`<path>.foreman-watchdog-<helper pid>-<id>`), made here before the helper is told and removed
   * by `forgetFile`, `close` or the helper after foreman's death, keeps the inode number from being
   * freed and reused.
   * Throws `SIGNAL_INVALID_PATH` for a relative path or one holding a newline or NUL,
   * `SIGNAL_INVALID_INODE` unless `inode` is an integer > 0.
   */
  removeOnDeath(path: string, inode: bigint | number): void;
  /** Leave `path` alone after all: foreman removed it itself, or wants it kept. */
  forgetFile(path: string): void;
  /** Clean exit: the watchdog forgets every group and file and exits without touching them. */
  close(): void;
  /** Undefined when the helper could not be started. */
  readonly pid: number | undefined;
}

export interface WatchdogOptions {
  /** Default 1000: after foreman dies, SIGTERM the groups, wait this long, then SIGKILL. */
  graceMs?: number;
  /** Default "/bin/sh": the POSIX shell that runs the helper script. */
  shellPath?: string;
  /** Called (at most once) when the helper cannot be started. Default: ignore. */
  onError?: (error: SignalCoordinatorError) => void;
  /**
   * An environment entry (`NAME=value`, e.g. a random run id) that the caller gives every process
   * it starts. When foreman dies, the helper also stops every process whose environment holds it
   * (read from /proc), which catches a process spawned but not yet tracked when foreman was killed.
   */
  marker?: string;
}
