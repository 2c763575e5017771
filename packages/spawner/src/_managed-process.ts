import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import { checkCwd } from "./_cwd.js";
import { cwdError, diagnoseSpawnFailure, type SpawnAttempt } from "./_diagnose.js";
import type { SpawnError } from "./_error.js";
import { withExec } from "./_exec.js";
import { signalGroup } from "./_group.js";
import { type GroupWatch, sharedGroupWatcher } from "./_group-watcher.js";
import { exitCodeFor } from "./_signals.js";
import { emptyReadable, streamDone } from "./_streams.js";
import type {
  ExitInfo,
  ManagedProcessEvents,
  ProcessSnapshot,
  ProcessSpec,
  ProcessState,
  StopOptions,
} from "./_types.js";

const DEFAULT_SHELL = "/bin/sh";
const DEFAULT_STOP_SIGNAL: NodeJS.Signals = "SIGTERM";
const DEFAULT_STOP_TIMEOUT_MS = 5000;
/** Exit code reported when the process could not start, as a shell does for "command not found". */
const SPAWN_FAILED_EXIT_CODE = 127;

/** The environment exactly as given, minus undefined values: nothing is inherited from process.env. */
function childEnv(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * One child process, run as `shell -c command` in its own session and process group (the child is
 * the group leader, so pid == pgid). Signals always go to the whole group, so grandchildren
 * (`sh -c 'a && b'`, `npm run ...`) are stopped with it, and a Ctrl-C on the terminal does not
 * reach it directly: the manager decides.
 *
 * Nothing runs on a timer while the process runs. After the leader exits, the group is checked
 * once; only if members remain is it polled until empty (see GroupWatcher).
 */
export class ManagedProcess extends EventEmitter<ManagedProcessEvents> {
  readonly name: string;
  /** Always present; an empty stream that ends at once when the process could not start. */
  readonly stdout: Readable;
  /** Always present; an empty stream that ends at once when the process could not start. */
  readonly stderr: Readable;
  /** Resolves when the leader has exited, or the spawn failed. Never rejects. */
  readonly exited: Promise<ExitInfo>;
  /** Resolves after `exited` and after stdout and stderr have both ended (every byte read). Never rejects. */
  readonly closed: Promise<ExitInfo>;
  /** Resolves when the process group has no members left. Never rejects. */
  readonly groupGone: Promise<void>;

  #state: ProcessState = "starting";
  #pid: number | undefined;
  #startedAtMs: number | undefined;
  #exitedAtMs: number | undefined;
  #exitCode: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #exitInfo: ExitInfo | undefined;
  #leaderExited = false;
  #groupIsGone = false;
  #watch: GroupWatch | undefined;
  #stopPromise: Promise<ExitInfo> | undefined;
  #killTimer: NodeJS.Timeout | undefined;
  #killDueMs = Number.POSITIVE_INFINITY;
  readonly #resolveExited: (info: ExitInfo) => void;
  readonly #resolveGroupGone: () => void;

  constructor(spec: ProcessSpec) {
    super();
    this.name = spec.name;
    const exited = deferred<ExitInfo>();
    const groupGone = deferred<void>();
    this.exited = exited.promise;
    this.groupGone = groupGone.promise;
    this.#resolveExited = exited.resolve;
    this.#resolveGroupGone = groupGone.resolve;

    const attempt: SpawnAttempt = {
      name: spec.name,
      shell: spec.shell ?? DEFAULT_SHELL,
      cwd: spec.cwd,
    };
    let child: ChildProcess | undefined;
    let failure: SpawnError | undefined;
    const cwdProblem = checkCwd(spec.cwd);
    if (cwdProblem !== undefined) {
      failure = cwdError(attempt, cwdProblem);
    } else {
      try {
        child = spawn(attempt.shell, ["-c", withExec(spec.command)], {
          cwd: spec.cwd,
          env: childEnv(spec.env),
          // setsid(): the child leads a new session and process group, away from the terminal's
          // foreground group, so Ctrl-C reaches only the manager.
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (error) {
        failure = diagnoseSpawnFailure(attempt, error);
      }
    }

    if (child === undefined) {
      this.stdout = emptyReadable();
      this.stderr = emptyReadable();
      this.closed = this.exited;
      const error = failure as SpawnError;
      // Deferred like Node's own spawn errors, so the caller can attach listeners first.
      process.nextTick(() => this.#fail(error));
      return;
    }

    this.#pid = child.pid;
    this.stdout = child.stdout ?? emptyReadable();
    this.stderr = child.stderr ?? emptyReadable();
    const streamsDone = Promise.all([streamDone(this.stdout), streamDone(this.stderr)]);
    // A process that never started has nothing to read; don't make `closed` wait for a consumer.
    this.closed = this.exited.then((info) =>
      info.error === undefined ? streamsDone.then(() => info) : info,
    );
    child.once("spawn", () => this.#onSpawn());
    // We never call child.kill() or send messages, so "error" means the spawn itself failed.
    child.on("error", (error) => {
      if (this.#startedAtMs === undefined && this.#exitInfo === undefined) {
        this.#fail(diagnoseSpawnFailure(attempt, error));
      }
    });
    child.once("exit", (code, signal) => this.#onExit(code, signal));
  }

  /** Also the process group id. Undefined when the process could not start. */
  get pid(): number | undefined {
    return this.#pid;
  }

  get state(): ProcessState {
    return this.#state;
  }

  /**
   * Send a signal to the whole process group. Returns false, sending nothing, once the group is
   * known to be gone (its id may belong to someone else by then), or when the group's members are
   * not ours to signal (EPERM: they exist but changed user).
   */
  signal(signal: NodeJS.Signals): boolean {
    const pid = this.#pid;
    if (pid === undefined || this.#groupIsGone) return false;
    const result = signalGroup(pid, signal);
    if (result === "gone" && this.#leaderExited) this.#markGroupGone();
    return result === "sent";
  }

  /**
   * Send `signal` (default SIGTERM) to the group; SIGKILL the group after `timeoutMs` (default
   * 5000) if anything is left. Resolves when the leader has exited AND the group is empty. A later
   * call returns the same promise, and may bring the SIGKILL forward (a shorter timeout, or
   * signal SIGKILL) but never delays it.
   */
  stop(options: StopOptions = {}): Promise<ExitInfo> {
    const signal = options.signal ?? DEFAULT_STOP_SIGNAL;
    const timeoutMs = options.timeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
    if (this.#stopPromise !== undefined) {
      this.#scheduleKill(signal === "SIGKILL" ? 0 : timeoutMs);
      return this.#stopPromise;
    }
    this.#stopPromise = Promise.all([this.exited, this.groupGone]).then(([info]) => info);
    if (this.#state === "starting" || this.#state === "running") this.#setState("stopping");
    this.#watch?.setUrgent(true);
    this.signal(signal);
    if (signal !== "SIGKILL") this.#scheduleKill(timeoutMs);
    return this.#stopPromise;
  }

  /** SIGKILL the whole group now (a stop that cannot be refused; escalates a pending stop()). */
  kill(): void {
    void this.stop({ signal: "SIGKILL", timeoutMs: 0 });
  }

  /**
   * Whether any process is still in the group. True while the leader runs; afterwards asks the
   * kernel (EPERM counts as alive). A group left with only zombies reads as alive until the
   * watcher has confirmed it (see findZombieOnlyGroups).
   */
  isGroupAlive(): boolean {
    const pid = this.#pid;
    if (pid === undefined || this.#groupIsGone) return false;
    if (!this.#leaderExited) return true;
    if (signalGroup(pid, 0) === "gone") {
      this.#markGroupGone();
      return false;
    }
    return true;
  }

  snapshot(): ProcessSnapshot {
    return {
      name: this.name,
      pid: this.#pid,
      state: this.#state,
      startedAtMs: this.#startedAtMs,
      exitedAtMs: this.#exitedAtMs,
      exitCode: this.#exitCode,
      signal: this.#signal,
      groupAlive: this.isGroupAlive(),
    };
  }

  #setState(state: ProcessState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit("state", state);
  }

  #onSpawn(): void {
    this.#startedAtMs = Date.now();
    if (this.#state === "starting") this.#setState("running");
  }

  #onExit(exitCode: number | null, signal: NodeJS.Signals | null): void {
    if (this.#exitInfo !== undefined) return;
    this.#leaderExited = true;
    this.#exitedAtMs = Date.now();
    this.#exitCode = exitCode;
    this.#signal = signal;
    const info: ExitInfo = {
      name: this.name,
      pid: this.#pid,
      exitCode,
      signal,
      code: exitCodeFor(exitCode, signal),
    };
    this.#exitInfo = info;
    // Look at the group before announcing the exit, so "exit" listeners see an accurate
    // snapshot().groupAlive. Usually the group is empty now and no timer is ever started.
    this.#trackGroup();
    this.#setState("exited");
    this.emit("exit", info);
    this.#resolveExited(info);
  }

  #fail(error: SpawnError): void {
    if (this.#exitInfo !== undefined) return;
    this.#exitedAtMs = Date.now();
    const info: ExitInfo = {
      name: this.name,
      pid: undefined,
      exitCode: null,
      signal: null,
      code: SPAWN_FAILED_EXIT_CODE,
      error,
    };
    this.#exitInfo = info;
    this.#pid = undefined;
    this.#markGroupGone();
    this.#setState("failed");
    this.emit("exit", info);
    this.#resolveExited(info);
  }

  #trackGroup(): void {
    const pid = this.#pid;
    if (pid === undefined || signalGroup(pid, 0) === "gone") {
      this.#markGroupGone();
      return;
    }
    this.#watch = sharedGroupWatcher().watch(
      pid,
      () => this.#markGroupGone(),
      this.#stopPromise !== undefined,
    );
  }

  #markGroupGone(): void {
    if (this.#groupIsGone) return;
    this.#groupIsGone = true;
    this.#watch?.cancel();
    this.#watch = undefined;
    this.#clearKillTimer();
    this.#resolveGroupGone();
  }

  /** SIGKILL the group in `timeoutMs`, unless a SIGKILL is already due sooner. */
  #scheduleKill(timeoutMs: number): void {
    if (this.#groupIsGone || this.#pid === undefined) return;
    if (timeoutMs <= 0) {
      this.#clearKillTimer();
      this.signal("SIGKILL");
      return;
    }
    const dueMs = Date.now() + timeoutMs;
    if (dueMs >= this.#killDueMs) return;
    this.#clearKillTimer();
    this.#killDueMs = dueMs;
    // Deliberately ref'd: a pending stop() depends on it, and an unref'd timer would let the
    // program exit with the group still running.
    this.#killTimer = setTimeout(() => {
      this.#killTimer = undefined;
      this.#killDueMs = Number.POSITIVE_INFINITY;
      this.signal("SIGKILL");
    }, timeoutMs);
  }

  #clearKillTimer(): void {
    if (this.#killTimer !== undefined) clearTimeout(this.#killTimer);
    this.#killTimer = undefined;
    this.#killDueMs = Number.POSITIVE_INFINITY;
  }
}

/**
 * Start `spec.command` through `spec.shell -c` (default /bin/sh). Never throws for a bad command,
 * cwd or shell: the failure arrives as state "failed" and an ExitInfo with `error` and code 127.
 */
export function spawnProcess(spec: ProcessSpec): ManagedProcess {
  return new ManagedProcess(spec);
}
