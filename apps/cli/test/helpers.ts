import { type ChildProcess, spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { afterAll, afterEach } from "vitest";

export const CLI: string = fileURLToPath(new URL("../bin/foreman.js", import.meta.url));
export const FIXTURES: string = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** This Node, quoted for a Procfile command line. */
export const nodeArg: string = JSON.stringify(process.execPath);

/** A fixture's path, quoted for a Procfile command line. */
export function fixtureArg(name: string): string {
  return JSON.stringify(join(FIXTURES, name));
}

/** A Procfile command running test/fixtures/service.cjs with `args`. */
export function serviceCommand(...args: string[]): string {
  return `${nodeArg} ${fixtureArg("service.cjs")} ${args.join(" ")}`.trim();
}

/** An environment without the caller's colour settings, so output is plain unless a test asks. */
export function cleanEnv(
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.FORCE_COLOR;
  delete env.NO_COLOR;
  delete env.PORT;
  delete env.CI_COLOR;
  return { ...env, ...extra };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface RunCliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
}

function execCli<E extends "utf8" | "buffer">(
  args: readonly string[],
  options: RunCliOptions,
  encoding: E,
) {
  return execa(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 20_000,
    encoding,
  });
}

export async function runCli(
  args: readonly string[],
  options: RunCliOptions = { cwd: process.cwd() },
): Promise<CliResult> {
  const result = await execCli(args, options, "utf8");
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr),
  };
}

/** `foreman ARGS` with its stdout as the bytes it wrote (runCli decodes them as UTF-8). */
export async function runCliBytes(
  args: readonly string[],
  options: RunCliOptions,
): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  const result = await execCli(args, options, "buffer");
  return {
    exitCode: result.exitCode ?? -1,
    stdout: Buffer.from(result.stdout),
    stderr: Buffer.from(result.stderr).toString(),
  };
}

/** A temporary project directory with the given files (a value of `{ mode }` sets permissions). */
export function makeProject(
  files: Record<string, string | { content: string; mode: number }>,
): string {
  const dir = mkdtempSync(join(tmpdir(), "foreman-e2e-"));
  for (const [name, spec] of Object.entries(files)) {
    const content = typeof spec === "string" ? spec : spec.content;
    writeFileSync(join(dir, name), content);
    chmodSync(
      join(dir, name),
      typeof spec === "string" ? (name.startsWith(".env") ? 0o600 : 0o644) : spec.mode,
    );
  }
  return dir;
}

export function removeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** `makeProject` for one test file: every directory it makes is removed after the file's tests. */
export function useProjects(): (files: Parameters<typeof makeProject>[0]) => string {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) removeProject(dir);
  });
  return (files) => {
    const dir = makeProject(files);
    dirs.push(dir);
    return dir;
  };
}

/** A running `foreman` whose output can be awaited line by line. */
export interface RunningCli {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string | undefined>; detached?: boolean },
): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      notify();
      resolve({ code, signal });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern: RegExp, timeoutMs = 15_000) {
      return new Promise<RegExpMatchArray>((resolve, reject) => {
        const check = () => {
          const match = (stdout + stderr).match(pattern);
          if (match !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            // Exited without it: let the final output arrive (close), then give up.
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `timed out waiting for ${pattern}; output so far:\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/**
 * Whether a pid is alive. Signal 0 probes without sending anything, but it also succeeds for a
 * zombie, and where PID 1 does not reap orphans (some containers, this CI) a dead grandchild stays
 * a zombie forever; so a zombie counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits, polling briefly, until every pid is gone; resolves with the ones still alive at the deadline. */
export async function waitUntilGone(pids: readonly number[], timeoutMs = 5000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let alive = pids.filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    alive = alive.filter(isAlive);
  }
  return alive;
}

export function pidsFrom(output: string): number[] {
  return [...output.matchAll(/started with pid (\d+)/g)].map((m) => Number(m[1]));
}

/**
 * `startCli` for one test file: a foreman a failed test left running is stopped (as Ctrl-C) after
 * each test, so it cannot hold a port or a control socket for the next one.
 */
export function useStartCli(): typeof startCli {
  const started: RunningCli[] = [];
  afterEach(async () => {
    for (const running of started.splice(0)) {
      if (running.child.exitCode === null && running.child.signalCode === null) {
        running.child.kill("SIGINT");
        await running.exited;
      }
    }
  });
  return (...args) => {
    const running = startCli(...args);
    started.push(running);
    return running;
  };
}
