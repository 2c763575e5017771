import { readdir, readFile } from "node:fs/promises";

export interface ProcStat {
  pid: number;
  /** One letter: R running, S sleeping, Z zombie, X dead, ... */
  state: string;
  ppid: number;
  pgrp: number;
}

/**
 * Parse /proc/<pid>/stat. The command name sits in parentheses and may itself contain spaces and
 * parentheses, so the fields after it are found from the LAST ")".
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const [state, ppid, pgrp] = text
    .slice(close + 1)
    .trim()
    .split(" ", 3);
  if (state === undefined || ppid === undefined || pgrp === undefined) return undefined;
  const stat = { pid, state, ppid: Number(ppid), pgrp: Number(pgrp) };
  if (!Number.isInteger(stat.pid) || !Number.isInteger(stat.ppid) || !Number.isInteger(stat.pgrp)) {
    return undefined;
  }
  return stat;
}

/**
 * Of the given process groups, those whose every member is a zombie (and that have at least one).
 *
 * Why this exists: kill(-pgid, 0) succeeds while a zombie is in the group. A grandchild orphaned
 * when its parent died is reparented to PID 1 (or a subreaper); when that init does not reap
 * (a container whose PID 1 is a plain program, or Node itself as PID 1), the zombie stays forever
 * and the group would never look empty. A zombie runs nothing and holds its pid, so a zombie-only
 * group is finished and its id cannot be reused while the zombies exist.
 *
 * Returns undefined when /proc is not available (not Linux).
 */
export async function findZombieOnlyGroups(
  pgids: ReadonlySet<number>,
  procDir = "/proc",
): Promise<Set<number> | undefined> {
  let names: string[];
  try {
    names = await readdir(procDir);
  } catch {
    return undefined;
  }
  const live = new Set<number>();
  const zombie = new Set<number>();
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        let text: string;
        try {
          text = await readFile(`${procDir}/${name}/stat`, "latin1");
        } catch {
          return; // exited between readdir and read
        }
        const stat = parseProcStat(text);
        if (stat === undefined || !pgids.has(stat.pgrp)) return;
        if (stat.state === "Z" || stat.state === "X") zombie.add(stat.pgrp);
        else live.add(stat.pgrp);
      }),
  );
  for (const pgid of live) zombie.delete(pgid);
  return zombie;
}
