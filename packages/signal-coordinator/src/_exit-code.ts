import type { ShutdownReason } from "./_types.js";

const isExitStatus = (code: number | undefined): code is number =>
  code !== undefined && Number.isInteger(code) && code >= 0 && code <= 255;

/**
 * The code foreman exits with. A signal to foreman is a request, so it is a success (as Ruby
 * foreman). A process that exited on its own passes its code on (the caller already turned a
 * signal death into 128+n). Anything unknown or out of range is a failure: better a spurious 1
 * than a 256 that the shell reads as 0.
 */
export function exitCodeFor(reason: ShutdownReason): number {
  switch (reason.kind) {
    case "signal":
      return 0;
    case "exit":
    case "error":
      return isExitStatus(reason.exitCode) ? reason.exitCode : 1;
    default:
      return 1;
  }
}
