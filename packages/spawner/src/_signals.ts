import { constants } from "node:os";
import { SpawnError } from "./_error.js";

/** The platform's number for a signal name (os.constants.signals), e.g. SIGTERM → 15. */
export function signalNumber(signal: NodeJS.Signals): number {
  const value = (constants.signals as Partial<Record<string, number>>)[signal];
  if (value === undefined) {
    throw new SpawnError(
      "SPAWN_UNKNOWN_SIGNAL",
      `unknown signal ${signal} on ${process.platform}`,
      {
        processName: "",
        hint: "Use a signal listed in os.constants.signals, e.g. SIGTERM or SIGINT.",
      },
    );
  }
  return value;
}

/** The shell convention: the exit code, or 128 + n when a signal ended the process. */
export function exitCodeFor(exitCode: number | null, signal: NodeJS.Signals | null): number {
  if (exitCode !== null) return exitCode;
  if (signal !== null) return 128 + signalNumber(signal);
  // Node reports either a code or a signal; this is only reachable if that ever changes.
  return 1;
}
