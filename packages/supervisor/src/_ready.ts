import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import type { ReadyCheck } from "./_policy-types.js";

export interface ReadyContext {
  /** The process's `$PORT`: the default target of a port check, and `$PORT` in an http URL. */
  port: number;
  /** Where an exec check runs. */
  cwd: string;
  /** The environment of an exec check (the process's own, with PORT and PS). */
  env: Record<string, string | undefined>;
  /** Aborting stops the check (its exec child too); the promise then rejects. */
  signal: AbortSignal;
  /** Subscribes to the process's output lines; returns the unsubscribe function. */
  onLine(listener: (line: string) => void): () => void;
  /** Default "/bin/sh". */
  shell?: string;
}

/** What a check waits for, for log lines: `port 5000 accepts connections`. */
export function describeReadyCheck(check: ReadyCheck, port: number): string {
  switch (check.kind) {
    case "started":
      return "started";
    case "port":
      return `port ${check.port ?? port} accepts connections`;
    case "log":
      return `its output matches /${check.pattern}/`;
    case "exec":
      return `\`${check.command}\` exits 0`;
    case "http":
      return `${expandPort(check.url, port)} answers`;
  }
}

function expandPort(text: string, port: number): string {
  return text.replace(/\$\{PORT\}|\$PORT\b/g, String(port));
}

// Polling starts fast (a server is often up within a few hundred ms) and slows down to 1 s.
const FIRST_POLL_MS = 100;
const MAX_POLL_MS = 1000;
const ATTEMPT_TIMEOUT_MS = 2000;
const EXEC_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * Resolves once `check` passes, with its description; polls until then. Rejects only when
 * `context.signal` aborts (the caller's timeout, or the process exited): a failed attempt is
 * simply tried again.
 */
export async function waitForReady(check: ReadyCheck, context: ReadyContext): Promise<string> {
  const description = describeReadyCheck(check, context.port);
  switch (check.kind) {
    case "started":
      return description;
    case "log":
      await waitForLine(new RegExp(check.pattern), context);
      return description;
    case "port": {
      const port = check.port ?? context.port;
      await poll(() => tryConnect(port), context.signal);
      return description;
    }
    case "http": {
      const url = expandPort(check.url, context.port);
      await poll(() => tryHttp(url, context.signal), context.signal);
      return description;
    }
    case "exec":
      await poll(() => tryExec(check.command, context), context.signal);
      return description;
  }
}

function aborted(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error("aborted");
}

function waitForLine(pattern: RegExp, context: ReadyContext): Promise<void> {
  return new Promise((resolve, reject) => {
    if (context.signal.aborted) {
      reject(aborted(context.signal));
      return;
    }
    const onAbort = (): void => {
      unsubscribe();
      reject(aborted(context.signal));
    };
    const unsubscribe = context.onLine((line) => {
      if (!pattern.test(line)) return;
      unsubscribe();
      context.signal.removeEventListener("abort", onAbort);
      resolve();
    });
    context.signal.addEventListener("abort", onAbort, { once: true });
  });
}

async function poll(attempt: () => Promise<boolean>, signal: AbortSignal): Promise<void> {
  let delayMs = FIRST_POLL_MS;
  for (;;) {
    if (signal.aborted) throw aborted(signal);
    if (await attempt()) return;
    if (signal.aborted) throw aborted(signal);
    await sleep(delayMs, signal);
    delayMs = Math.min(MAX_POLL_MS, Math.round(delayMs * 1.5));
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(aborted(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A server bound to `localhost` may be on 127.0.0.1 or ::1 (Node picks ::1 first since v17): try both. */
async function tryConnect(port: number): Promise<boolean> {
  const results = await Promise.all(["127.0.0.1", "::1"].map((host) => connectOnce(host, port)));
  return results.some(Boolean);
}

function connectOnce(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), ATTEMPT_TIMEOUT_MS);
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

async function tryHttp(url: string, signal: AbortSignal): Promise<boolean> {
  try {
    const response = await fetch(url, {
      redirect: "manual",
      signal: AbortSignal.any([signal, AbortSignal.timeout(ATTEMPT_TIMEOUT_MS)]),
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 400;
  } catch {
    return false;
  }
}

function tryExec(command: string, context: ReadyContext): Promise<boolean> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(context.shell ?? "/bin/sh", ["-c", command], {
        cwd: context.cwd,
        env: definedOnly(context.env),
        stdio: "ignore",
        // Its own group, so a check that starts helpers is stopped with them.
        detached: true,
      });
    } catch {
      resolve(false);
      return;
    }
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(kill, EXEC_ATTEMPT_TIMEOUT_MS);
    context.signal.addEventListener("abort", kill, { once: true });
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      context.signal.removeEventListener("abort", kill);
      resolve(ok);
    };
    child.once("error", () => finish(false));
    child.once("exit", (code) => finish(code === 0));
  });
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) result[key] = value;
  return result;
}
