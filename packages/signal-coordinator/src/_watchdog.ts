import { spawn } from "node:child_process";
import { SignalCoordinatorError } from "./_error.js";
import type { Watchdog, WatchdogOptions } from "./_types.js";
import { isTrackablePgid, WATCHDOG_NAME, WATCHDOG_SCRIPT } from "./_watchdog-script.js";

const DEFAULT_GRACE_MS = 1000;

interface Unrefable {
  unref?: () => unknown;
}

function checkPgid(method: string, pgid: number): void {
  if (!isTrackablePgid(pgid)) {
    throw new SignalCoordinatorError({
      code: "SIGNAL_INVALID_PGID",
      message: `watchdog.${method}: ${String(pgid)} is not a process group id (an integer > 1)`,
      hint: "pass the pid of a process started with detached: true (it leads its own group)",
    });
  }
}

/**
 * Starts the helper that kills the tracked process groups if foreman dies without saying
 * goodbye, even by SIGKILL: the kernel closes foreman's end of the pipe, and EOF is the signal.
 */
export function startWatchdog(options: WatchdogOptions = {}): Watchdog {
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  if (!Number.isFinite(graceMs) || graceMs < 0) {
    throw new SignalCoordinatorError({
      code: "SIGNAL_INVALID_OPTION",
      message: `startWatchdog: graceMs must be a finite number >= 0, got ${String(graceMs)}`,
      hint: "e.g. startWatchdog({ graceMs: 1000 })",
    });
  }
  const marker = options.marker ?? "";
  if (marker !== "" && !/^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_.:-]+$/.test(marker)) {
    throw new SignalCoordinatorError({
      code: "SIGNAL_INVALID_OPTION",
      message: "startWatchdog: marker must look like NAME=value (letters, digits, _ . : -)",
      hint: 'e.g. startWatchdog({ marker: "FOREMAN_RUN_ID=4242-9f3a" })',
    });
  }
  let reportedError = false;
  const report = (error: unknown): void => {
    if (reportedError) return;
    reportedError = true;
    options.onError?.(
      new SignalCoordinatorError({
        code: "SIGNAL_WATCHDOG_FAILED",
        message: `could not start the watchdog with ${options.shellPath ?? "/bin/sh"}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        hint: "set shellPath to a POSIX shell; without the watchdog, a SIGKILLed foreman leaves its processes running",
        cause: error,
      }),
    );
  };

  // detached: its own session, so the terminal's Ctrl-C and hangup never reach it.
  // stdout/stderr ignored: holding foreman's would keep a pipe reader waiting for EOF.
  const child = spawn(
    options.shellPath ?? "/bin/sh",
    ["-c", WATCHDOG_SCRIPT, WATCHDOG_NAME, String(Math.ceil(graceMs)), marker],
    { detached: true, stdio: ["pipe", "ignore", "ignore"] },
  );
  child.on("error", report);
  // Neither the helper nor the pipe may keep foreman alive.
  child.unref();
  const stdin = child.stdin;
  // EPIPE (the helper died) arrives as an async 'error'; there is nobody left to tell.
  stdin?.on("error", () => {});
  (stdin as Unrefable | null)?.unref?.();

  let closed = false;
  const write = (line: string): void => {
    if (closed || stdin === null || stdin.destroyed || !stdin.writable) return;
    try {
      stdin.write(line);
    } catch {
      // Writing must never take foreman down: the watchdog is a safety net, not a dependency.
    }
  };

  return {
    track(pgid: number): void {
      checkPgid("track", pgid);
      write(`+${pgid}\n`);
    },
    untrack(pgid: number): void {
      checkPgid("untrack", pgid);
      write(`-${pgid}\n`);
    },
    close(): void {
      if (closed) return;
      write("q\n");
      closed = true;
      try {
        stdin?.end();
      } catch {
        // as in write()
      }
    },
    get pid(): number | undefined {
      return child.pid;
    },
  };
}
