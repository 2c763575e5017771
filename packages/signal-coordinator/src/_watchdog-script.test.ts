import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, Strays, waitUntil } from "../test/_helpers.js";
import { COOPERATIVE, STUBBORN, startGroup } from "../test/fixtures/_group.mjs";
import { isTrackablePgid, WATCHDOG_NAME, WATCHDOG_SCRIPT } from "./_watchdog-script.js";

// The helper script on its own, fed by hand: what it does with each kind of line.

const strays = new Strays();
afterAll(() => strays.killAll());

function runScript(graceMs: number) {
  const child = spawn("/bin/sh", ["-c", WATCHDOG_SCRIPT, WATCHDOG_NAME, String(graceMs)], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  strays.process(child.pid!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  const write = (text: string): void => {
    child.stdin.write(text);
  };
  return { child, exited, write };
}

async function group(script = COOPERATIVE): Promise<number[]> {
  const started = await startGroup(script);
  strays.group(started.pid);
  return [started.pid, started.grandchild];
}

function firstImpossiblePgid(): number {
  try {
    return Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
  } catch {
    return 4194305;
  }
}

describe("watchdog script", () => {
  it("on EOF terminates every recorded group, copes with hundreds, and spares the ones removed", {
    timeout: 20_000,
  }, async () => {
    const cooperative = await group();
    const stubborn = await group(STUBBORN);
    const spared = await group();
    const [cooperativePgid, stubbornPgid, sparedPgid] = [cooperative[0], stubborn[0], spared[0]];
    const bogus = firstImpossiblePgid();
    const { write, child, exited } = runScript(200);
    const lines = [`+${cooperativePgid}`, `+${stubbornPgid}`, `+${sparedPgid}`];
    for (let i = 0; i < 500; i += 1) lines.push(`+${bogus + i}`);
    for (let i = 0; i < 500; i += 2) lines.push(`-${bogus + i}`);
    // removed, re-added, added twice: still one live entry
    lines.push(
      `-${cooperativePgid}`,
      `+${cooperativePgid}`,
      `+${cooperativePgid}`,
      `-${sparedPgid}`,
    );
    write(`${lines.join("\n")}\n`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    const doomed = [...cooperative, ...stubborn];
    await waitUntil("the recorded groups to be gone", () => !doomed.some(isAlive));
    expect(spared.filter(isAlive)).toEqual(spared);
  });

  it("q: exits at once, before EOF, and signals nothing", { timeout: 20_000 }, async () => {
    const running = await group();
    const { write, exited } = runScript(200);
    write(`+${running[0]}\nq\n`);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(running.filter(isAlive)).toEqual(running);
  });

  it("never acts on a last line cut short by foreman's death", { timeout: 20_000 }, async () => {
    const running = await group();
    const { write, child, exited } = runScript(200);
    write(`+${running[0]}`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(running.filter(isAlive)).toEqual(running);
  });

  it("skips malformed lines and keeps reading", { timeout: 20_000 }, async () => {
    const doomed = await group();
    const { write, child, exited } = runScript(200);
    write(["hello", "+", "+abc", "+-5", "+ 12", "+12x", "-", "", `+${doomed[0]}`, ""].join("\n"));
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    await waitUntil("the group to be gone", () => !doomed.some(isAlive));
  });

  it.runIf(existsSync("/proc/self/status"))(
    "ignores SIGINT, SIGHUP and SIGTERM: only EOF or q ends it",
    { timeout: 20_000 },
    async () => {
      const doomed = await group();
      const { write, child, exited } = runScript(200);
      const pid = child.pid!;
      // SIGHUP=1, SIGINT=2, SIGTERM=15: bits 0, 1 and 14 of the ignored-signals mask
      const wanted = (1n << 0n) | (1n << 1n) | (1n << 14n);
      const ignored = (): bigint => {
        const match = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return BigInt(`0x${match?.[1] ?? "0"}`);
      };
      await waitUntil("the trap to be set", () => (ignored() & wanted) === wanted);
      for (const signal of ["SIGINT", "SIGHUP", "SIGTERM"] as const) child.kill(signal);
      write(`+${doomed[0]}\n`);
      child.stdin.end();
      expect(await exited).toEqual({ code: 0, signal: null });
      await waitUntil("the group to be gone", () => !doomed.some(isAlive));
    },
  );
});

describe("isTrackablePgid", () => {
  it.each([
    [2, true],
    [12345, true],
    [0x7fffffff, true],
    [1, false],
    [0, false],
    [-42, false],
    [2.5, false],
    [Number.NaN, false],
    [0x80000000, false],
  ])("%d → %s", (pgid, expected) => {
    expect(isTrackablePgid(pgid)).toBe(expected);
  });
});
