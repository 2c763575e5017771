import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const HAS_PROC = existsSync("/proc/self/stat");

/**
 * Whether the process is alive. A zombie is dead: where PID 1 never reaps (some containers),
 * dead orphans linger as zombies and `kill(pid, 0)` still succeeds on them.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (!HAS_PROC) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls for a state the system reaches on its own (a process dying), with a generous bound. */
export async function waitUntil(
  what: string,
  predicate: () => boolean,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface Fixture {
  child: ChildProcess;
  lines: string[];
  /** Resolves with the first line (seen or still to come) that starts with `prefix`. */
  waitForLine(prefix: string, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runNode(script: string, args: string[]): Fixture {
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    for (const waiter of waiters) waiter(line);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // "close", not "exit": only then has every line of its output been read.
    child.on("close", (code, signal) => resolve({ code, signal }));
  });
  const waitForLine = (prefix: string, timeoutMs = 10_000): Promise<string> => {
    const seen = lines.find((line) => line.startsWith(prefix));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = (line: string): void => {
        if (!line.startsWith(prefix)) return;
        settle();
        resolve(line);
      };
      const onExit = (): void => {
        settle();
        reject(new Error(`exited before printing "${prefix}…"; output:\n${lines.join("\n")}`));
      };
      const timer = setTimeout(() => {
        settle();
        reject(new Error(`timed out waiting for "${prefix}…"; output:\n${lines.join("\n")}`));
      }, timeoutMs);
      const settle = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        child.off("close", onExit);
      };
      waiters.add(waiter);
      child.on("close", onExit);
    });
  };
  return { child, lines, waitForLine, exited };
}

/** Every group and process a test started, killed in afterAll so no test leaves strays. */
export class Strays {
  private readonly groups = new Set<number>();
  private readonly pids = new Set<number>();

  group(pgid: number): void {
    this.groups.add(pgid);
  }

  process(pid: number): void {
    this.pids.add(pid);
  }

  killAll(): void {
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const pid of this.pids) {
      if (!isAlive(pid)) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
