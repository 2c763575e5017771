import { spawn } from "node:child_process";
import { linkSync, lstatSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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

// PATH_MAX on Linux: a longer path cannot name a file in one system call anyway.
const MAX_PATH_BYTES = 4096;
const MAX_INODE = (1n << 64n) - 1n;

function checkPath(method: string, path: string): void {
  let problem: string | undefined;
  if (typeof path !== "string" || !path.startsWith("/")) problem = "is not an absolute path";
  else if (path.includes("\n")) problem = "contains a newline";
  else if (path.includes("\0")) problem = "contains a NUL byte";
  else if (Buffer.byteLength(path) > MAX_PATH_BYTES)
    problem = `is longer than ${MAX_PATH_BYTES} bytes`;
  if (problem === undefined) return;
  throw new SignalCoordinatorError({
    code: "SIGNAL_INVALID_PATH",
    message: `watchdog.${method}: ${JSON.stringify(path)} ${problem}`,
    // The helper reads one line per command, so a newline could not be told from the next one.
    hint: "pass an absolute path without newlines, e.g. the control socket's path",
  });
}

/** The inode as the decimal digits `ls -di` prints, or a typed error. */
function inodeDigits(inode: bigint | number): string {
  const valid =
    typeof inode === "bigint"
      ? inode > 0n && inode <= MAX_INODE
      : Number.isSafeInteger(inode) && inode > 0;
  if (!valid) {
    throw new SignalCoordinatorError({
      code: "SIGNAL_INVALID_INODE",
      message: `watchdog.removeOnDeath: ${String(inode)} is not an inode number (an integer > 0)`,
      // A number above 2^53 has lost its last digits, and would never match.
      hint: "pass (await lstat(path, { bigint: true })).ino",
    });
  }
  return inode.toString();
}

/** The hard link that keeps a recorded file's inode number from being reused (see removeOnDeath). */
function pinPath(path: string, watchdogPid: number, id: number): string {
  return `${path}.foreman-watchdog-${watchdogPid}-${id}`;
}

const PIN_SUFFIX = /^\.foreman-watchdog-([1-9][0-9]{0,9})-[1-9][0-9]{0,9}$/;

function helperAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: a process of another user has that pid now; not ours to judge, so keep the pin.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
  // A zombie answers kill(0) too. A helper killed with its foreman is reparented, and a PID 1
  // that never reaps (a container's, or these machines') keeps it a zombie for good.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch (error) {
    // Gone since kill(0); anything else (no /proc) leaves kill(0)'s answer.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/**
 * Removes the pins beside `path` whose helper is gone: those left when a watchdog was killed
 * together with its foreman (a helper alive, even stopped, keeps its pin; so does one whose pid
 * another process has taken since, which only postpones the cleanup). Call it once `path` is
 * yours (a newer foreman that took over a stale socket). Returns how many it removed; never
 * throws.
 */
export function removeStalePins(path: string): number {
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return 0;
  }
  const base = basename(path);
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const pid = PIN_SUFFIX.exec(name.slice(base.length))?.[1];
    if (pid === undefined || helperAlive(Number(pid))) continue;
    try {
      unlinkSync(join(dirname(path), name));
      removed += 1;
    } catch {
      // Removed meanwhile, or not ours to remove.
    }
  }
  return removed;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or never made: either way there is nothing to clean up.
  }
}

/**
 * Makes the pin for `path` and checks that it holds `inode`; false when it could not (another
 * filesystem's rules, a name too long, the file already replaced), in which case the helper
 * compares the inode alone. Made here with two system calls rather than by the helper, which
 * would run `ln` and `ls` for it, two processes on every start competing for the CPU with it.
 */
function pin(path: string, pinned: string, inode: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(path, pinned);
      break;
    } catch (error) {
      // A pin left by a helper that was killed with its foreman, whose pid is ours now.
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 0) return false;
      unlinkQuietly(pinned);
    }
  }
  try {
    if (lstatSync(pinned, { bigint: true }).ino.toString() === inode) return true;
  } catch {
    // Removed meanwhile: nothing pinned.
  }
  unlinkQuietly(pinned);
  return false;
}

/**
 * Starts the helper that kills the tracked process groups (and removes the files it was told
 * about) if foreman dies without saying goodbye, even by SIGKILL: the kernel closes foreman's end
 * of the pipe, and EOF is the signal.
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
  // Group lines wait for the end of the current turn of the event loop and go out as one write:
  // starting 500 processes, or seeing 500 exits, is then a handful of writes, not 500 (each one a
  // system call that also wakes the helper to read it). Nothing is lost by the wait if foreman
  // dies meanwhile: a process not yet announced is still found by the marker. File lines have no
  // such second chance, so they go out at once (with whatever waits before them, in order).
  let pending = "";
  const flush = (): void => {
    const lines = pending;
    pending = "";
    if (lines === "" || stdin === null || stdin.destroyed || !stdin.writable) return;
    try {
      stdin.write(lines);
    } catch {
      // Writing must never take foreman down: the watchdog is a safety net, not a dependency.
    }
  };
  const write = (line: string, now = false): void => {
    if (closed) return;
    if (pending === "" && !now) setImmediate(flush).unref();
    pending += line;
    if (now) flush();
  };

  // Paths travel to the helper once, with a small id that the later `k<id>` names.
  const fileIds = new Map<string, number>();
  // The pins this process made and has not removed yet, by path.
  const pins = new Map<string, string>();
  const unpin = (path: string): void => {
    const pinned = pins.get(path);
    if (pinned === undefined) return;
    pins.delete(path);
    unlinkQuietly(pinned);
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
    removeOnDeath(path: string, inode: bigint | number): void {
      checkPath("removeOnDeath", path);
      const digits = inodeDigits(inode);
      if (closed) return;
      let id = fileIds.get(path);
      if (id === undefined) {
        id = fileIds.size + 1;
        fileIds.set(path, id);
      }
      unpin(path);
      // Pinned before the helper hears of the file, so that it is pinned whenever foreman dies.
      if (child.pid !== undefined) {
        const pinned = pinPath(path, child.pid, id);
        if (pin(path, pinned, digits)) pins.set(path, pinned);
      }
      write(`f${id} ${digits} ${path}\n`, true);
    },
    forgetFile(path: string): void {
      const id = fileIds.get(path);
      if (id === undefined || closed) return;
      unpin(path);
      write(`k${id}\n`, true);
    },
    close(): void {
      if (closed) return;
      for (const path of [...pins.keys()]) unpin(path);
      write("q\n", true);
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
