import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { type ManagedProcess, type ProcessSpec, spawnProcess } from "../src/index.js";

export const fixturesDir: string = fileURLToPath(new URL("./fixtures/", import.meta.url));

/** A shell command that runs a Node fixture as the group leader (`exec`: dash would fork otherwise). */
export function nodeFixture(script: string, ...args: string[]): string {
  return `exec ${[process.execPath, `${fixturesDir}${script}`, ...args].map((word) => `'${word}'`).join(" ")}`;
}

export const minimalEnv: Record<string, string | undefined> = { PATH: process.env.PATH };

const started: ManagedProcess[] = [];

/** spawnProcess with test defaults; everything started this way is SIGKILLed after each test. */
export function start(spec: Partial<ProcessSpec> & { command: string }): ManagedProcess {
  const managed = spawnProcess({
    name: "test",
    cwd: fixturesDir,
    env: minimalEnv,
    ...spec,
  });
  started.push(managed);
  return managed;
}

/** For afterEach: SIGKILL whatever a test started and wait until every group is empty. */
export async function killStarted(): Promise<void> {
  const all = started.splice(0);
  for (const managed of all) managed.kill();
  await Promise.all(all.map((managed) => managed.groupGone));
}

export interface Collected {
  text(): string;
  byteCount(): number;
  /** Resolves with the first match in everything read so far; rejects if the stream ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
}

/** Read a stream to the end (flowing), keeping its text, so tests can wait for lines. */
export function collect(stream: Readable): Collected {
  let text = "";
  let byteCount = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  stream.on("data", (chunk: Buffer) => {
    byteCount += chunk.length;
    text += chunk.toString("latin1");
    for (const wake of waiters) wake();
  });
  stream.on("end", () => {
    ended = true;
    for (const wake of waiters) wake();
  });
  return {
    text: () => text,
    byteCount: () => byteCount,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = text.match(pattern);
          if (match !== null) {
            waiters.delete(check);
            resolve(match);
          } else if (ended) {
            waiters.delete(check);
            reject(new Error(`stream ended without ${pattern}; it said: ${JSON.stringify(text)}`));
          }
        };
        waiters.add(check);
        check();
      }),
  };
}

/**
 * Whether a pid no longer runs anything: ESRCH, or a zombie. A zombie counts as gone because an
 * orphan is reparented to PID 1, and where PID 1 does not reap (many containers, including the
 * one these tests were written in) its zombie stays; it runs nothing and holds no resources.
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return true;
    throw error;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state === "Z" || state === "X";
  } catch {
    return true; // vanished between the two checks
  }
}

/** Resolves on the next turn of the event loop, after pending I/O callbacks and microtasks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
