/** `name → the names it depends on`. Names missing from the map have no dependencies. */
export type DependencyGraph = ReadonlyMap<string, readonly string[]>;

/**
 * Every cycle, each as the path that closes it (`["web", "worker", "web"]`), found by a depth-first
 * search in the map's order. A self-dependency is the cycle `["web", "web"]`.
 */
export function findDependencyCycles(graph: DependencyGraph): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string): void => {
    state.set(name, "visiting");
    stack.push(name);
    for (const dep of graph.get(name) ?? []) {
      const s = state.get(dep);
      if (s === "visiting") {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        // The same cycle is found once per entry point; report it once.
        const key = [...cycle.slice(0, -1)].sort().join("\u0000");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined && graph.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of graph.keys()) if (!state.has(name)) visit(name);
  return cycles;
}

/**
 * Start level: 0 for a process without dependencies, else one more than its deepest dependency.
 * Processes start (and restart) in ascending level. Cycles are cut where they close.
 */
export function startLevels(graph: DependencyGraph): Map<string, number> {
  const levels = new Map<string, number>();
  const visiting = new Set<string>();
  const level = (name: string): number => {
    const known = levels.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let result = 0;
    for (const dep of graph.get(name) ?? []) result = Math.max(result, level(dep) + 1);
    visiting.delete(name);
    levels.set(name, result);
    return result;
  };
  for (const name of graph.keys()) level(name);
  return levels;
}

/**
 * Stop stage: 0 for a process nothing depends on, else one more than the highest stage of the
 * processes that depend on it. Stage 0 stops first, so a process outlives everything that needs it.
 */
export function stopStages(graph: DependencyGraph): Map<string, number> {
  const dependents = new Map<string, string[]>();
  for (const [name, deps] of graph) {
    for (const dep of deps) {
      const list = dependents.get(dep) ?? [];
      list.push(name);
      dependents.set(dep, list);
    }
  }
  const stages = new Map<string, number>();
  const visiting = new Set<string>();
  const stage = (name: string): number => {
    const known = stages.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let result = 0;
    for (const dependent of dependents.get(name) ?? [])
      result = Math.max(result, stage(dependent) + 1);
    visiting.delete(name);
    stages.set(name, result);
    return result;
  };
  for (const name of graph.keys()) stage(name);
  for (const name of dependents.keys()) stage(name);
  return stages;
}

/** Every name that depends on one of `names`, directly or through others (not `names` themselves). */
export function dependentsOf(graph: DependencyGraph, names: Iterable<string>): Set<string> {
  const start = new Set(names);
  const found = new Set<string>();
  let changed = true;
  while (changed) {
    changed = false;
    for (const [name, deps] of graph) {
      if (start.has(name) || found.has(name)) continue;
      if (deps.some((d) => start.has(d) || found.has(d))) {
        found.add(name);
        changed = true;
      }
    }
  }
  return found;
}
