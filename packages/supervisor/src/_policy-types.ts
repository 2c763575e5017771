export type RestartPolicy = "no" | "on-failure" | "always";

/** How a process shows it is ready; dependents start only after it is. */
export type ReadyCheck =
  /** Ready as soon as it has been started. */
  | { kind: "started" }
  /** A TCP connection to `port` (default: the process's own `$PORT`) on localhost succeeds. */
  | { kind: "port"; port?: number }
  /** A line of its output (stdout or stderr) matches this regular expression (JavaScript syntax). */
  | { kind: "log"; pattern: string }
  /** This shell command exits 0 (tried again until it does). */
  | { kind: "exec"; command: string }
  /** A GET of this URL answers 2xx or 3xx; `$PORT` / `${PORT}` in it is the process's port. */
  | { kind: "http"; url: string };

/** The settings of one process type; every field has a default that keeps Procfile behaviour. */
export interface ProcessPolicy {
  /** Default "no". */
  restart: RestartPolicy;
  /** Automatic restarts allowed within `restartWindowMs` before the process is failed. Default 10. */
  maxRestarts: number;
  /** Default 300 000 (5 minutes). */
  restartWindowMs: number;
  /** First backoff delay; doubles per consecutive restart. Default 1000. */
  restartDelayMs: number;
  /** Backoff cap. Default 30 000. */
  restartDelayMaxMs: number;
  /** A run this long resets the backoff to `restartDelayMs`. Default 30 000. */
  stableAfterMs: number;
  /** Runs to completion; exit 0 does not stop the others, and it counts as ready. Default false. */
  oneshot: boolean;
  /** May exit with any code without stopping the others. Default false. */
  canDie: boolean;
  /** Process types that must be ready before this one starts. Default []. */
  dependsOn: string[];
  /**
   * Default undefined: ready when started, except that a process another one depends on waits for
   * its port (`{ kind: "port" }`).
   */
  ready: ReadyCheck | undefined;
  /** Past this, a process that is not ready is stopped and failed. Default 60 000. */
  readyTimeoutMs: number;
  /** Default undefined: the supervisor's `defaultStopSignal`. */
  stopSignal: NodeJS.Signals | undefined;
  /** Default undefined: the supervisor's `defaultStopTimeoutMs`. */
  stopTimeoutMs: number | undefined;
}

export const DEFAULT_POLICY: Readonly<ProcessPolicy> = Object.freeze({
  restart: "no",
  maxRestarts: 10,
  restartWindowMs: 300_000,
  restartDelayMs: 1000,
  restartDelayMaxMs: 30_000,
  stableAfterMs: 30_000,
  oneshot: false,
  canDie: false,
  dependsOn: [],
  ready: undefined,
  readyTimeoutMs: 60_000,
  stopSignal: undefined,
  stopTimeoutMs: undefined,
}) as Readonly<ProcessPolicy>;

export type PolicyDiagnosticCode =
  | "POLICY_NOT_A_MAP"
  | "POLICY_UNKNOWN_PROCESS"
  | "POLICY_UNKNOWN_KEY"
  | "POLICY_BAD_VALUE"
  | "POLICY_UNKNOWN_DEPENDENCY"
  | "POLICY_DEPENDENCY_CYCLE"
  | "POLICY_CONFLICT";

/** Shaped like the Procfile's and the env files' diagnostics, so one printer serves all three. */
export interface PolicyDiagnostic {
  severity: "error" | "warning";
  code: PolicyDiagnosticCode;
  message: string;
  /** 1-based; 0 when unknown. */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  hint?: string;
  file?: string;
  /** The process type the diagnostic is about, when there is one. */
  process?: string;
}

/** Where a node of the settings is: `part` "key" for the key of `path`'s last step, "value" for its value. */
export type PolicyLocator = (
  path: readonly (string | number)[],
  part: "key" | "value",
) => { line: number; column: number } | undefined;

export interface ParsePoliciesOptions {
  /** The Procfile's process types; settings for any other name are an error. */
  processNames: readonly string[];
  /** Set as `diagnostic.file`. */
  file?: string;
  /** Maps a path inside the settings (`["web", "restart"]`) to a line; without it lines are 0. */
  locate?: PolicyLocator;
  /** Path of the settings map in the file, prefixed to every located path. Default ["processes"]. */
  basePath?: readonly (string | number)[];
}

export interface ParsePoliciesResult {
  /** One entry per process name, defaults filled in (also for names without settings). */
  policies: Record<string, ProcessPolicy>;
  diagnostics: PolicyDiagnostic[];
}
