import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dependentsOf, findDependencyCycles, startLevels, stopStages } from "./index.js";

const graph = (entries: Record<string, string[]>) => new Map(Object.entries(entries));

describe("dependency graph", () => {
  const app = graph({ db: [], cache: [], web: ["db", "cache"], worker: ["web"], css: [] });

  it("start levels: dependencies first", () => {
    expect(Object.fromEntries(startLevels(app))).toEqual({
      db: 0,
      cache: 0,
      web: 1,
      worker: 2,
      css: 0,
    });
  });

  it("stop stages: dependents first", () => {
    expect(Object.fromEntries(stopStages(app))).toEqual({
      worker: 0,
      web: 1,
      db: 2,
      cache: 2,
      css: 0,
    });
  });

  it("dependents, transitively", () => {
    expect([...dependentsOf(app, ["db"])].sort()).toEqual(["web", "worker"]);
    expect([...dependentsOf(app, ["worker"])]).toEqual([]);
  });

  it.each([
    [{ a: ["a"] }, [["a", "a"]]],
    [{ a: ["b"], b: ["a"] }, [["a", "b", "a"]]],
    [{ a: ["b"], b: ["c"], c: ["a"], d: ["a"] }, [["a", "b", "c", "a"]]],
    [{ a: ["b"], b: [], c: ["b"] }, []],
  ])("cycles of %j", (entries, cycles) => {
    expect(findDependencyCycles(graph(entries))).toEqual(cycles);
  });

  it("every acyclic graph orders each edge: dependency starts earlier and stops later", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(9), { maxLength: 4 }), { minLength: 1, maxLength: 10 }),
        (rows) => {
          // Only edges to a lower index: acyclic by construction.
          const g = new Map(
            rows.map((deps, i) => [`p${i}`, deps.filter((d) => d < i).map((d) => `p${d}`)]),
          );
          expect(findDependencyCycles(g)).toEqual([]);
          const levels = startLevels(g);
          const stages = stopStages(g);
          for (const [name, deps] of g) {
            for (const dep of deps) {
              expect(levels.get(dep) as number).toBeLessThan(levels.get(name) as number);
              expect(stages.get(dep) as number).toBeGreaterThan(stages.get(name) as number);
            }
          }
        },
      ),
    );
  });
});
