import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";
import {
  CLI,
  cleanEnv,
  FIXTURES,
  isAlive,
  makeProject,
  pidsFrom,
  removeProject,
  waitUntilGone,
} from "../helpers.js";

export { CLI, cleanEnv, FIXTURES, isAlive, pidsFrom };

export const HOSTILE_FIXTURES: string = fileURLToPath(new URL("./fixtures/", import.meta.url));
export const NODE: string = JSON.stringify(process.execPath);

/** A quoted path to a fixture, for a Procfile line: `fixture("wait.cjs")` or a hostile one. */
export function fixture(name: string): string {
  const hostile = join(HOSTILE_FIXTURES, name);
  return JSON.stringify(existsSync(hostile) ? hostile : join(FIXTURES, name));
}

const tags = new Set<string>();

/**
 * Temporary projects, removed after the file's tests; also kills whatever a failed test left
 * running (every process carrying one of the file's tags).
 */
export function projects(): (files: Parameters<typeof makeProject>[0]) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const tag of tags) {
      for (const pid of taggedProcesses(tag)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    }
    for (const dir of made) removeProject(dir);
  });
  return (files) => {
    const dir = makeProject(files);
    made.push(dir);
    return dir;
  };
}

/**
 * A tag in the environment of one foreman run. Every process foreman starts inherits it (the
 * watchdog too), whatever group or session it ends up in, so `taggedProcesses` finds them all.
 */
export function newTag(): string {
  const tag = `hostile-${randomBytes(6).toString("hex")}`;
  tags.add(tag);
  return tag;
}

export function tagEnv(
  tag: string,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return cleanEnv({ FOREMAN_HOSTILE_TAG: tag, ...extra });
}

/** Live (not zombie) processes whose environment holds FOREMAN_HOSTILE_TAG=tag. */
export function taggedProcesses(tag: string): number[] {
  const needle = Buffer.from(`\0FOREMAN_HOSTILE_TAG=${tag}\0`);
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${entry}/environ`)]);
      if (environ.includes(needle) && isAlive(pid)) found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Live members of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat !== undefined && stat.pgid === pgid && stat.state !== "Z") found.push(Number(entry));
  }
  return found;
}

export interface ProcStat {
  comm: string;
  state: string;
  ppid: number;
  pgid: number;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    return {
      comm: stat.slice(stat.indexOf("(") + 1, close),
      state: fields[0] ?? "?",
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
    };
  } catch {
    return undefined;
  }
}

/** argv of a process as one string (NULs as spaces); "" once it is gone. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`).toString("utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** Kilobytes from /proc/<pid>/status (VmRSS, VmHWM, …); undefined once the process is gone. */
export function statusKb(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(
      readFileSync(`/proc/${pid}/status`, "utf8"),
    );
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Polls (25 ms) until `check` is true; rejects with `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until none of `pids` is alive, at most `timeoutMs`; resolves with those still alive. */
export const aliveAfter = (pids: readonly number[], timeoutMs: number): Promise<number[]> =>
  waitUntilGone(pids, timeoutMs);

/** Describes pids for a failure message: `123 (sleep 1000)`. */
export function describePids(pids: readonly number[]): string {
  return pids.map((pid) => `${pid} (${cmdline(pid).trim()})`).join(", ");
}

/** A running foreman whose stdout and stderr are kept as bytes. */
export interface Foreman {
  child: ChildProcess;
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** stdout and stderr as latin1 text: every byte is one character, nothing is replaced. */
  text(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** foreman's own exit (not the pipes' close: an escaped process may hold them). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Both pipes closed and the process exited. */
  closed: Promise<void>;
}

export interface StartOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Run through this command line instead of `node foreman.js`: it receives the foreman argv. */
  wrapper?: readonly string[];
  stdin?: "ignore" | "pipe";
}

export function startForeman(args: readonly string[], options: StartOptions): Foreman {
  const argv = [...(options.wrapper ?? []), process.execPath, CLI, ...args];
  // Every run is tagged, so that whatever a failing test leaves behind is found and killed.
  const env = options.env ?? cleanEnv();
  const child = spawn(argv[0] as string, argv.slice(1), {
    cwd: options.cwd,
    env: env.FOREMAN_HOSTILE_TAG === undefined ? { ...env, FOREMAN_HOSTILE_TAG: newTag() } : env,
    stdio: [options.stdin ?? "ignore", "pipe", "pipe"],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    out.push(chunk);
    notify();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err.push(chunk);
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      notify();
    }),
  );
  const closed = new Promise<void>((resolve) => child.once("close", () => resolve()));
  const foreman: Foreman = {
    child,
    get stdout() {
      return Buffer.concat(out);
    },
    get stderr() {
      return Buffer.concat(err);
    },
    text() {
      return `${Buffer.concat(out).toString("latin1")}${Buffer.concat(err).toString("latin1")}`;
    },
    exited,
    closed,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = foreman.text().match(pattern);
          if (match !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${foreman.text()}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
  return foreman;
}

/** Runs foreman to its end, keeping the output as bytes. */
export async function runForeman(
  args: readonly string[],
  options: StartOptions & { timeoutMs?: number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: Buffer }> {
  const foreman = startForeman(args, options);
  const timer = setTimeout(() => foreman.child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
  const { code, signal } = await foreman.exited;
  await foreman.closed;
  clearTimeout(timer);
  return { code, signal, stdout: foreman.stdout, stderr: foreman.stderr };
}

/**
 * The payload lines of one process in `--no-timestamp` output, prefix removed, in order: every
 * line under `name` except foreman's own "started with pid" (first) and exit line (last).
 */
export function payloadLines(stdout: Buffer, name: string, width: number): Buffer[] {
  const prefix = Buffer.from(`${name.padEnd(width)} | `);
  const lines: Buffer[] = [];
  let start = 0;
  for (let nl = stdout.indexOf(10); nl !== -1; nl = stdout.indexOf(10, start)) {
    const line = stdout.subarray(start, nl);
    if (line.subarray(0, prefix.length).equals(prefix)) lines.push(line.subarray(prefix.length));
    start = nl + 1;
  }
  if (lines.length > 0 && /^started with pid \d+$/.test(lines[0]?.toString("latin1") ?? "")) {
    lines.shift();
  }
  const last = lines.at(-1)?.toString("latin1") ?? "";
  if (/^(exited with code \d+|terminated by SIG\w+)$/.test(last)) lines.pop();
  return lines;
}

/** A deterministic pseudo-random byte string (xorshift32), so a failure can be reproduced. */
export function pseudoRandomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}
