/**
 * What kill(-pgid, ...) tells us about a process group:
 * - "alive": at least one member received the signal.
 * - "gone": ESRCH, no process has this group id any more.
 * - "not-permitted": EPERM, members exist but none is ours to signal (e.g. one changed its uid).
 *   The group is alive; we just cannot touch it.
 */
export type GroupSignalResult = "sent" | "gone" | "not-permitted";

/** Minimal `process.kill` so tests can inject a fake. */
export type KillFunction = (pid: number, signal: NodeJS.Signals | 0) => unknown;

const processKill: KillFunction = (pid, signal) => process.kill(pid, signal);

export function signalGroup(
  pgid: number,
  signal: NodeJS.Signals | 0,
  kill: KillFunction = processKill,
): GroupSignalResult {
  try {
    kill(-pgid, signal);
    return "sent";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return "gone";
    if (code === "EPERM") return "not-permitted";
    throw error;
  }
}

/** Signal 0 checks for existence without sending anything. */
export function isGroupPresent(pgid: number, kill: KillFunction = processKill): boolean {
  return signalGroup(pgid, 0, kill) !== "gone";
}
