import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { limitYoungGeneration, SMALL_YOUNG_GENERATION_FROM } from "./_memory.js";

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
