import { closeSync, openSync, readdirSync, readSync } from "node:fs";

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

/** Field 22 of /proc/<pid>/stat (start time in clock ticks): with the pid, names one process for good. */
function startTimeOf(text: string): string {
  const close = text.lastIndexOf(")");
  // Fields after the name start at field 3 (state); starttime is field 22.
  return text.slice(close + 2).split(" ", 20)[19] ?? "";
}

const ZOMBIE_CONFIRMATION_ROUNDS = 4;

/** What one pass over /proc found about some process groups. */
export interface GroupScan {
  /** Groups with at least one member that is not a zombie. */
  live: Set<number>;
  /** pgid → the zombies seen in it, as "pid:starttime". */
  zombies: Map<number, Set<string>>;
}

const statBuffer = Buffer.allocUnsafe(1024);

/**
 * One pass over /proc: which of `pgids` have a live member, and which zombies each holds.
 * Synchronous on purpose: some hundred tiny reads of a pseudo-filesystem take ~2 ms in a row,
 * while the same reads through the threadpool take several times longer, and a stop() that
 * waits on this scan waits on its wall time.
 */
function scanGroups(pgids: ReadonlySet<number>, procDir: string): GroupScan | undefined {
  let names: string[];
  try {
    names = readdirSync(procDir);
  } catch {
    return undefined;
  }
  const live = new Set<number>();
  const zombies = new Map<number, Set<string>>();
  for (const name of names) {
    const first = name.charCodeAt(0);
    if (first < 0x30 || first > 0x39) continue;
    let text: string;
    let fd: number | undefined;
    try {
      fd = openSync(`${procDir}/${name}/stat`, "r");
      text = statBuffer.toString("latin1", 0, readSync(fd, statBuffer, 0, statBuffer.length, 0));
    } catch {
      continue; // exited between readdir and read
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    const stat = parseProcStat(text);
    if (stat === undefined || !pgids.has(stat.pgrp)) continue;
    if (stat.state === "Z" || stat.state === "X") {
      let seen = zombies.get(stat.pgrp);
      if (seen === undefined) {
        seen = new Set();
        zombies.set(stat.pgrp, seen);
      }
      seen.add(`${stat.pid}:${startTimeOf(text)}`);
    } else {
      live.add(stat.pgrp);
    }
  }
  return { live, zombies };
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
 * Why one look is not enough, and two in a row are: a scan lists /proc first and reads each
 * process after, so a member that was alive when listed can fork and then die before it is read;
 * it reads as a zombie and its child, born after the listing, is missed. A zombie never runs
 * again, so every zombie seen stays dead. Scan again at once: a live member now must have been
 * born after the first listing (anything older was read, as a zombie), so it is listed this time
 * and read alive, or it too forked and died, and then the second scan shows a zombie the first
 * did not. So: a group is zombie-only when a scan finds only zombies the previous scan had
 * already seen, and no live member. What could still slip through is a relay of members that each
 * fork a successor and die within the same few milliseconds of a scan (or a process joining the
 * group from elsewhere in its session with setpgid); the earlier rule, two scans 100 ms apart,
 * had the same blind spot, only wider. Groups that keep gaining zombies are scanned a few times
 * more; if they never settle, they are not reported this time (the watcher asks again later).
 *
 * Returns undefined when /proc is not available (not Linux).
 */
export async function findZombieOnlyGroups(
  pgids: ReadonlySet<number>,
  procDir = "/proc",
  scan: (pgids: ReadonlySet<number>, procDir: string) => GroupScan | undefined = scanGroups,
): Promise<Set<number> | undefined> {
  let known = scan(pgids, procDir);
  if (known === undefined) return undefined;
  const confirmed = new Set<number>();
  let candidates = zombieOnly(known, pgids);
  for (let round = 0; round < ZOMBIE_CONFIRMATION_ROUNDS && candidates.size > 0; round++) {
    const next = scan(candidates, procDir);
    if (next === undefined) return undefined;
    const unsettled = new Set<number>();
    for (const pgid of candidates) {
      if (next.live.has(pgid)) continue;
      const before = known.zombies.get(pgid) ?? new Set<string>();
      const now = next.zombies.get(pgid);
      // No members at all: the zombies were reaped after all; the group is gone either way.
      if (now === undefined || [...now].every((id) => before.has(id))) confirmed.add(pgid);
      else unsettled.add(pgid);
    }
    known = next;
    candidates = unsettled;
  }
  return confirmed;
}

function zombieOnly(scan: GroupScan, pgids: ReadonlySet<number>): Set<number> {
  const result = new Set<number>();
  for (const pgid of pgids) if (scan.zombies.has(pgid) && !scan.live.has(pgid)) result.add(pgid);
  return result;
}
