/**
 * From this many processes on, `start` keeps V8's young generation at its initial size.
 *
 * Why: starting hundreds of processes in one burst allocates many objects that all survive
 * (process handles, pipes, framers), and V8 answers a high survival rate by doubling the young
 * generation's semi-spaces, up to 16 MB each. That growth is resident memory foreman keeps for
 * the whole run: about 5 MB of the peak RSS with 500 processes, measured by `pnpm bench`. Kept at
 * 1 MB, a scavenge runs more often, and each one stays cheap because little of what a running
 * foreman allocates (chunks of output, timers) lives long. Few processes: the default is better,
 * and loading node:v8 (about 2 ms) would cost startup more than it saves.
 */
export const SMALL_YOUNG_GENERATION_FROM = 64;

export async function limitYoungGeneration(processCount: number): Promise<boolean> {
  if (processCount < SMALL_YOUNG_GENERATION_FROM) return false;
  try {
    const v8 = await import("node:v8");
    // Read by V8 each time it would grow the semi-spaces, so it still works after startup.
    v8.setFlagsFromString("--semi-space-growth-factor=1");
    return true;
  } catch {
    // A runtime without V8's flags: only memory is at stake.
    return false;
  }
}
