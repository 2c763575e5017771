import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ReadyCheck, type ReadyContext, waitForReady } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "ready-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function context(
  port: number,
  signal: AbortSignal,
  onLine: ReadyContext["onLine"] = () => () => {},
): ReadyContext {
  return { port, cwd: dir, env: { PATH: process.env.PATH, PORT: String(port) }, signal, onLine };
}

function listen(server: Server | ReturnType<typeof createHttpServer>, port = 0): Promise<number> {
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("waitForReady", () => {
  it("port: waits until something accepts connections on $PORT", async () => {
    const port = await freePort();
    const abort = new AbortController();
    const waiting = waitForReady({ kind: "port" }, context(port, abort.signal));
    const server = createServer();
    await listen(server, port);
    expect(await waiting).toBe(`port ${port} accepts connections`);
    server.close();
  });

  it("log: resolves on the first matching line", async () => {
    const listeners = new Set<(line: string) => void>();
    const abort = new AbortController();
    const waiting = waitForReady(
      { kind: "log", pattern: "listening on \\d+" },
      context(1, abort.signal, (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      }),
    );
    for (const l of [...listeners]) l("booting");
    expect(listeners.size).toBe(1);
    for (const l of [...listeners]) l("listening on 5000");
    expect(await waiting).toBe("its output matches /listening on \\d+/");
    expect(listeners.size).toBe(0);
  });

  it("exec: tries the command until it exits 0, with the process's environment", async () => {
    const attempts = join(dir, "attempts");
    writeFileSync(attempts, "");
    const command = `echo "$PORT" >> ${attempts}; test "$(wc -l < ${attempts})" -ge 3`;
    const abort = new AbortController();
    expect(await waitForReady({ kind: "exec", command }, context(42, abort.signal))).toBe(
      `\`${command}\` exits 0`,
    );
    expect(readFileSync(attempts, "utf8")).toBe("42\n42\n42\n");
  });

  it("http: waits for a 2xx or 3xx answer, with $PORT in the URL", async () => {
    let status = 503;
    const server = createHttpServer((_req, res) => {
      res.statusCode = status;
      res.end();
    });
    const port = await listen(server);
    const abort = new AbortController();
    let answered = 0;
    server.on("request", () => {
      answered += 1;
      if (answered === 2) status = 302;
    });
    const check: ReadyCheck = { kind: "http", url: "http://127.0.0.1:$PORT/health" };
    expect(await waitForReady(check, context(port, abort.signal))).toBe(
      `http://127.0.0.1:${port}/health answers`,
    );
    expect(answered).toBeGreaterThanOrEqual(2);
    server.close();
  });

  it.each<ReadyCheck>([
    { kind: "port" },
    { kind: "exec", command: "exit 1" },
    { kind: "http", url: "http://127.0.0.1:$PORT/" },
    { kind: "log", pattern: "never" },
  ])("rejects when aborted: %j", async (check) => {
    const port = await freePort();
    const abort = new AbortController();
    const waiting = waitForReady(check, context(port, abort.signal));
    setTimeout(() => abort.abort(new Error("timed out")), 150);
    await expect(waiting).rejects.toThrow("timed out");
  });
});
