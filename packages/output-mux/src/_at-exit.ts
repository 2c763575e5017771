/**
 * Hand-overs that must still happen if the process ends before the event loop gets to them. An
 * uncaught exception or a `process.exit()` in the middle of a turn never reaches the setImmediate
 * that would uncork a batch, nor the next write of a FileOutput; the process's 'exit' handlers
 * still run, and a synchronous write made there still lands. One listener for the package, added
 * at first need; each hand-over is registered only while it is pending.
 */
const pending = new Set<() => void>();
let installed = false;

function runPending(): void {
  for (const handOver of [...pending]) handOver();
}

/** Runs `handOver` at process exit, unless releaseAtExit(handOver) comes first. Idempotent. */
export function holdUntilExit(handOver: () => void): void {
  if (!installed) {
    installed = true;
    process.on("exit", runPending);
  }
  pending.add(handOver);
}

export function releaseAtExit(handOver: () => void): void {
  pending.delete(handOver);
}
