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

/** V8's flag for it: no tier above 1 (0 interpreter, 1 Sparkplug, 2 Maglev, 3 TurboFan). */
export const BASELINE_ONLY_FLAG = "--max-opt=1";

/**
 * How long a small formation runs before `start` caps V8's compiler (see below). A `foreman
 * start` of a one-shot task that ends sooner does not load node:v8 at all; and in this much time
 * no function has been called often enough for V8 to compile it with TurboFan yet (measured with
 * `--trace-opt` under 8 × 25 MB of output: no compile with the cap set at this point; a few when
 * it came 100 ms after foreman's start, 59 without it).
 */
export const BASELINE_ONLY_AFTER_MS = 25;

/**
 * Keeps V8 from compiling any more of this process's JavaScript with TurboFan, its optimizing
 * compiler: functions stay at Sparkplug, V8's baseline compiler. WebAssembly is not affected
 * (the output framer's kernel is still tiered up).
 *
 * Why: under a stream of output, what foreman's JavaScript does per chunk is glue around system
 * calls, copies and the WebAssembly framer, which TurboFan's code runs hardly faster. But V8 found
 * about 60 functions hot (Node's stream internals, the mux, the file output) and compiled each on
 * a background thread: 14 % of foreman's CPU samples in `perf` with 8 processes writing, on a
 * machine whose 2 cores the processes need as well, and its compiler's memory stays resident.
 * Measured with `pnpm bench --compare` (10 interleaved runs each, medians): foreman's CPU for
 * 200 MB of output 0.46 → 0.41 s (1 process) and 0.44 → 0.39 s (8), its peak RSS 90 → 80 MB
 * and 93 → 81 MB; with 500 processes, 63.0 → 56.5 MB and all running in 782 ms instead of 823.
 * Startup and SIGINT → exit: no difference; 400 000 lines written one at a time: no worse.
 *
 * With 64 processes or more (when limitYoungGeneration has loaded node:v8 anyway), at once,
 * before the burst of spawns that would make the spawn path hot; with fewer, after
 * BASELINE_ONLY_AFTER_MS, off the path of a short run. Returns once the flag is set, or at once
 * when it is scheduled.
 *
 * Call it once startup's built-in modules are loaded: V8 checks a hash of all its flags before it
 * uses the code cache of a Node built-in module, so a module loaded after the flag changed is
 * compiled from source (Node's cluster module, which the control socket loads: 3.5–5.6 ms
 * instead of 1.6–2.2).
 */
export async function keepCompilerAtBaseline(processCount: number): Promise<void> {
  const apply = async (): Promise<void> => {
    try {
      const v8 = await import("node:v8");
      // Read by V8 at each tier-up decision, so it still works after startup.
      v8.setFlagsFromString(BASELINE_ONLY_FLAG);
    } catch {
      // A runtime without V8's flags: only CPU and memory are at stake.
    }
  };
  if (processCount >= SMALL_YOUNG_GENERATION_FROM) {
    await apply();
    return;
  }
  setTimeout(() => void apply(), BASELINE_ONLY_AFTER_MS).unref();
}
