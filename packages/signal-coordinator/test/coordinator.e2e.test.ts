import { afterAll, describe, expect, it } from "vitest";
import { isAlive, runNode, Strays } from "./_helpers.js";

const FIXTURE = new URL("./fixtures/coordinator.mjs", import.meta.url).pathname;
const COOPERATIVE = "sleep 300 & echo $!; wait";
const STUBBORN = `trap '' TERM; ${COOPERATIVE}`;
// The grandchild ignores USR1 so that only the shell's trap reacts to it.
const USR1_ECHO = `trap 'echo got-USR1' USR1; (trap '' USR1; exec sleep 300) & echo $!; while kill -s 0 $! 2>/dev/null; do wait $!; done`;

interface Config {
  timeoutMs: number;
  duplicateWindowMs?: number;
  processes: Array<{ name: string; script: string }>;
}

const strays = new Strays();
afterAll(() => strays.killAll());

async function start(config: Config) {
  const fixture = runNode(FIXTURE, [JSON.stringify(config)]);
  strays.process(fixture.child.pid!);
  const ready = await fixture.waitForLine("ready ");
  const groups = JSON.parse(ready.slice("ready ".length)) as Record<
    string,
    { pid: number; grandchild: number }
  >;
  const pids: number[] = [];
  for (const { pid, grandchild } of Object.values(groups)) {
    strays.group(pid);
    pids.push(pid, grandchild);
  }
  expect(pids.every(isAlive)).toBe(true);
  const logLines = (): string[] =>
    fixture.lines.filter((line) => line.startsWith("log ")).map((line) => line.slice(4));
  const result = (): { exitCode: number; killed: string[] } =>
    JSON.parse(fixture.lines.find((line) => line.startsWith("result "))!.slice("result ".length));
  return { fixture, pids, logLines, result };
}

describe("shutdown coordinator with real processes and signals", () => {
  it("SIGINT: SIGTERM to every group, all gone, exit 0", { timeout: 20_000 }, async () => {
    const { fixture, pids, logLines, result } = await start({
      timeoutMs: 10_000,
      processes: [
        { name: "web", script: COOPERATIVE },
        { name: "worker", script: COOPERATIVE },
      ],
    });
    fixture.child.kill("SIGINT");
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    expect(logLines()).toEqual([
      "SIGINT received, starting shutdown",
      "sending SIGTERM to all processes",
    ]);
    expect(result()).toMatchObject({ exitCode: 0, killed: [] });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it("a group ignoring SIGTERM is SIGKILLed after the timeout (the timer keeps node alive)", {
    timeout: 20_000,
  }, async () => {
    const { fixture, pids, logLines, result } = await start({
      timeoutMs: 300,
      processes: [
        { name: "web", script: COOPERATIVE },
        { name: "stubborn", script: STUBBORN },
      ],
    });
    fixture.child.kill("SIGTERM");
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    expect(logLines()).toEqual([
      "SIGTERM received, starting shutdown",
      "sending SIGTERM to all processes",
      "sending SIGKILL to all processes",
    ]);
    expect(result()).toMatchObject({ exitCode: 0, killed: ["stubborn"] });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it("a second SIGINT SIGKILLs at once instead of waiting out the timeout", {
    timeout: 20_000,
  }, async () => {
    const { fixture, pids, logLines, result } = await start({
      timeoutMs: 600_000,
      duplicateWindowMs: 0,
      processes: [{ name: "stubborn", script: STUBBORN }],
    });
    fixture.child.kill("SIGINT");
    await fixture.waitForLine("log sending SIGTERM to all processes");
    fixture.child.kill("SIGINT");
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    expect(logLines()).toEqual([
      "SIGINT received, starting shutdown",
      "sending SIGTERM to all processes",
      "SIGINT received again, sending SIGKILL to all processes",
    ]);
    expect(result()).toMatchObject({ exitCode: 0, killed: ["stubborn"] });
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it("SIGUSR1 is forwarded to the groups, not a shutdown", { timeout: 20_000 }, async () => {
    const { fixture, pids, logLines } = await start({
      timeoutMs: 10_000,
      processes: [{ name: "usr1", script: USR1_ECHO }],
    });
    fixture.child.kill("SIGUSR1");
    await fixture.waitForLine("usr1 got-USR1");
    expect(pids.filter(isAlive)).toEqual(pids);
    fixture.child.kill("SIGHUP");
    expect(await fixture.exited).toEqual({ code: 0, signal: null });
    expect(logLines()).toEqual([
      "forwarding SIGUSR1 to all processes",
      "SIGHUP received, starting shutdown",
      "sending SIGTERM to all processes",
    ]);
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
