import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import {
  BASELINE_ONLY_AFTER_MS,
  limitYoungGeneration,
  SMALL_YOUNG_GENERATION_FROM,
} from "./_memory.js";

const run = promisify(execFile);
const built = fileURLToPath(new URL("../dist/_memory.js", import.meta.url));

/**
 * In a fresh Node: optionally limit the young generation for `count` processes, then allocate the
 * way a burst of process starts does (many objects that survive), and report the young
 * generation's size. A separate process, because V8's flags are process-wide.
 */
async function youngGenerationAfterBurst(count: number | undefined): Promise<number> {
  const script = `
    import { getHeapSpaceStatistics } from "node:v8";
    const { limitYoungGeneration } = await import(${JSON.stringify(built)});
    if (${count !== undefined}) await limitYoungGeneration(${count ?? 0});
    const survivors = [];
    for (let i = 0; i < 400_000; i += 1) survivors.push({ index: i, name: "web." + i });
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    console.log(newSpace.space_size, survivors.length);
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script]);
  return Number(stdout.split(" ")[0]);
}

describe("limitYoungGeneration", () => {
  it("leaves small formations alone", async () => {
    expect(await limitYoungGeneration(1)).toBe(false);
    expect(await limitYoungGeneration(SMALL_YOUNG_GENERATION_FROM - 1)).toBe(false);
  });

  it("keeps the young generation from growing during a burst of survivors", async () => {
    const [grown, kept] = await Promise.all([
      youngGenerationAfterBurst(undefined),
      youngGenerationAfterBurst(SMALL_YOUNG_GENERATION_FROM),
    ]);
    // V8 doubles the semi-spaces under such a burst; limited, they stay at their first size.
    expect(grown).toBeGreaterThanOrEqual(2 * kept);
    expect(kept).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

/**
 * In a fresh Node with V8's natives syntax: optionally call keepCompilerAtBaseline(count) (and,
 * for a small formation, wait until it has loaded node:v8, which it does on a timer), then call a
 * function until V8 has optimized it (about a thousand calls here), or 200 000 times. Reports
 * whether it got optimized, whether node:v8 was loaded right after the call returned, and what V8
 * printed on stderr (an unknown flag is not thrown, only printed there).
 */
async function optimizedAfterHotLoop(
  count: number | undefined,
): Promise<{ optimized: boolean; loadedAtOnce: boolean; stderr: string }> {
  const script = `
    const { keepCompilerAtBaseline } = await import(${JSON.stringify(built)});
    const v8Loaded = () => process.moduleLoadList.includes("NativeModule v8");
    let loadedAtOnce = false;
    if (${count !== undefined}) {
      await keepCompilerAtBaseline(${count ?? 0});
      loadedAtOnce = v8Loaded();
      while (!v8Loaded()) await new Promise((resolve) => setTimeout(resolve, 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    function hot(n) { let sum = 0; for (let i = 0; i < n; i += 1) sum += i; return sum; }
    // Bit 4 of V8's optimization status: the function runs optimized code (Maglev or TurboFan).
    const optimized = () => (%GetOptimizationStatus(hot) & 16) !== 0;
    for (let calls = 0; calls < 200_000 && !optimized(); calls += 1) hot(20);
    console.log(JSON.stringify({ optimized: optimized(), loadedAtOnce }));
  `;
  const { stdout, stderr } = await run(process.execPath, [
    "--allow-natives-syntax",
    "--input-type=module",
    "-e",
    script,
  ]);
  return { ...JSON.parse(stdout), stderr };
}

describe("keepCompilerAtBaseline", () => {
  it("keeps hot functions from being optimized, with a flag this V8 knows", async () => {
    const [free, capped] = await Promise.all([
      optimizedAfterHotLoop(undefined),
      optimizedAfterHotLoop(SMALL_YOUNG_GENERATION_FROM),
    ]);
    // Without it, V8 optimizes the function long before the loop's end: the check can fail.
    expect(free.optimized).toBe(true);
    expect(capped).toEqual({ optimized: false, loadedAtOnce: true, stderr: "" });
  });

  it(`caps a small formation only after ${BASELINE_ONLY_AFTER_MS} ms, without loading node:v8 first`, async () => {
    expect(await optimizedAfterHotLoop(1)).toEqual({
      optimized: false,
      loadedAtOnce: false,
      stderr: "",
    });
  });
});
