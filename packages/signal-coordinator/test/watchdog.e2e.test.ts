import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, runNode, Strays, waitUntil } from "./_helpers.js";

const MANAGER = new URL("./fixtures/manager.mjs", import.meta.url).pathname;

interface Pids {
  watchdog: number;
  children: number[];
  grandchildren: number[];
  spared?: [number, number];
}

const strays = new Strays();
afterAll(() => strays.killAll());

async function startManager(
  mode: "kill" | "close" | "forget" | "marked" | "files",
  extra: string[] = [],
) {
  const manager = runNode(MANAGER, [mode, ...extra]);
  strays.process(manager.child.pid!);
  const ready = await manager.waitForLine("ready ");
  const pids = JSON.parse(ready.slice("ready ".length)) as Pids;
  strays.process(pids.watchdog);
  for (const pgid of [...pids.children, ...(pids.spared ?? [])]) strays.group(pgid);
  return { manager, pids };
}

describe("watchdog", () => {
  it("kills every tracked group, children and grandchildren, when foreman is SIGKILLed", {
    timeout: 30_000,
  }, async () => {
    const { manager, pids } = await startManager("kill");
    const doomed = [...pids.children, ...pids.grandchildren];
    expect(doomed.filter(isAlive)).toEqual(doomed);
    manager.child.kill("SIGKILL");
    expect(await manager.exited).toEqual({ code: null, signal: "SIGKILL" });
    await waitUntil("every tracked process to be gone", () => !doomed.some(isAlive));
    await waitUntil("the watchdog to exit", () => !isAlive(pids.watchdog));
    // untracked before foreman died: the watchdog must leave it alone
    expect(pids.spared?.filter(isAlive)).toEqual(pids.spared);
  });

  it("also stops an untracked process that carries its marker, and nothing else", {
    timeout: 30_000,
  }, async () => {
    const { manager, pids } = await startManager("marked");
    for (const pid of pids.spared ?? []) strays.process(pid);
    expect(pids.children.filter(isAlive)).toEqual(pids.children);
    manager.child.kill("SIGKILL");
    await manager.exited;
    await waitUntil("the marked process to be gone", () => !pids.children.some(isAlive));
    await waitUntil("the watchdog to exit", () => !isAlive(pids.watchdog));
    // no marker, or a different one (a prefix of it must not match): left alone
    expect(pids.spared?.filter(isAlive)).toEqual(pids.spared);
    strays.killAll();
  });

  it("removes the files it was given when foreman is SIGKILLed, unless replaced or kept", {
    timeout: 30_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-e2e-"));
    // A real Unix socket, as foreman's control socket.
    const server = createServer();
    try {
      const socket = join(dir, `control 'socket' "$(x)".sock`);
      await new Promise<void>((resolve) => server.listen(socket, resolve));
      for (const name of ["replaced", "kept"]) writeFileSync(join(dir, name), "");
      const { manager, pids } = await startManager("files", [dir]);
      // A newer instance took over this path after foreman recorded it.
      writeFileSync(join(dir, "newer"), "newer");
      renameSync(join(dir, "newer"), join(dir, "replaced"));
      manager.child.kill("SIGKILL");
      await manager.exited;
      await waitUntil("the watchdog to exit", () => !isAlive(pids.watchdog));
      expect(readdirSync(dir).sort()).toEqual(["kept", "replaced"]);
      expect(readFileSync(join(dir, "replaced"), "utf8")).toBe("newer");
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("close(): the watchdog exits and kills nothing", { timeout: 30_000 }, async () => {
    const { manager, pids } = await startManager("close");
    expect(await manager.exited).toEqual({ code: 0, signal: null });
    await waitUntil("the watchdog to exit", () => !isAlive(pids.watchdog));
    const running = [...pids.children, ...pids.grandchildren];
    expect(running.filter(isAlive)).toEqual(running);
    strays.killAll();
  });

  it("never keeps foreman alive, and an exit without close() (a crash) still kills the groups", {
    timeout: 30_000,
  }, async () => {
    const { manager, pids } = await startManager("forget");
    expect(await manager.exited).toEqual({ code: 0, signal: null });
    const doomed = [...pids.children, ...pids.grandchildren];
    await waitUntil("every tracked process to be gone", () => !doomed.some(isAlive));
    await waitUntil("the watchdog to exit", () => !isAlive(pids.watchdog));
  });
});
