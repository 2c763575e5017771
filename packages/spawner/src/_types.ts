import type { SpawnError } from "./_error.js";

export type ProcessState = "starting" | "running" | "stopping" | "exited" | "failed";

export interface ProcessSpec {
  /** Shown in errors and exit info, e.g. "web.1". */
  name: string;
  /** Run as `shell -c command`. */
  command: string;
  cwd: string;
  /** The COMPLETE environment of the child: nothing is inherited; undefined values are dropped. */
  env: Record<string, string | undefined>;
  /** Default "/bin/sh". */
  shell?: string;
}

export interface ExitInfo {
  name: string;
  pid: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** exitCode, or 128 + signal number when killed by a signal, or 127 when the process could not start. */
  code: number;
  /** Set when the process could not start (state "failed"). */
  error?: SpawnError;
}

export interface ProcessSnapshot {
  name: string;
  pid: number | undefined;
  state: ProcessState;
  startedAtMs: number | undefined;
  exitedAtMs: number | undefined;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  groupAlive: boolean;
}

export interface StopOptions {
  /** Sent to the whole process group first. Default "SIGTERM". */
  signal?: NodeJS.Signals;
  /** Then SIGKILL to the whole group. Default 5000. */
  timeoutMs?: number;
}

export interface ManagedProcessEvents {
  state: [state: ProcessState];
  exit: [info: ExitInfo];
}
