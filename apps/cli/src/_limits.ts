import { readFileSync } from "node:fs";
import { usageError } from "./_errors.js";

/** The soft RLIMIT_NOFILE of this process, from /proc (Node has no getrlimit); undefined where unknown. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/limits", "utf8");
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\S+)/m.exec(text);
  if (match === null || match[1] === "unlimited") return undefined;
  const soft = Number(match[1]);
  return Number.isFinite(soft) ? soft : undefined;
}

// Each process costs us its two pipe ends (stdout, stderr) while it runs, plus a spare for the
// moment of spawning; the rest is what Node, the watchdog pipe and stdio need.
export const FDS_PER_PROCESS = 3;
export const FDS_RESERVED = 64;

export function checkFileDescriptors(processCount: number, limit: number | undefined): void {
  if (limit === undefined) return;
  const needed = processCount * FDS_PER_PROCESS + FDS_RESERVED;
  if (needed > limit) {
    throw usageError(
      "CLI_TOO_MANY_FILES",
      `${processCount} processes need about ${needed} open files, but the limit is ${limit}`,
      `raise it first (ulimit -n ${Math.max(needed, 1024)}) or start fewer processes`,
    );
  }
}
