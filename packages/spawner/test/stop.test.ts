import { afterEach, describe, expect, it } from "vitest";
import type { ManagedProcess, ProcessState } from "../src/index.js";
import { collect, isGone, killStarted, nodeFixture, start } from "./_helpers.js";

afterEach(killStarted);

function recordStates(managed: ManagedProcess): ProcessState[] {
  const states: ProcessState[] = [];
  managed.on("state", (state) => states.push(state));
  return states;
}

describe("stop()", () => {
  it("stops a process gracefully with SIGTERM: running → stopping → exited", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs") });
    const states = recordStates(managed);
    await collect(managed.stdout).waitFor(/ready/);
    const info = await managed.stop();
    expect(info).toMatchObject({ signal: "SIGTERM", exitCode: null, code: 143 });
    expect(states).toEqual(["running", "stopping", "exited"]);
    expect(managed.isGroupAlive()).toBe(false);
  });

  it("sends the signal given in the options", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs") });
    await collect(managed.stdout).waitFor(/ready/);
    const info = await managed.stop({ signal: "SIGINT" });
    expect(info).toMatchObject({ signal: "SIGINT", code: 130 });
  });

  it("SIGKILLs a process that ignores SIGTERM once timeoutMs has passed", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs", "SIGTERM") });
    const stdout = collect(managed.stdout);
    await stdout.waitFor(/ready/);
    const info = await managed.stop({ timeoutMs: 100 });
    expect(info).toMatchObject({ signal: "SIGKILL", code: 137 });
    // It did get the polite signal first.
    expect(stdout.text()).toMatch(/got SIGTERM/);
  });

  it("stops the shell's children too: `sleep & sleep; wait` leaves nothing behind", async () => {
    const managed = start({ command: "sleep 1000 & echo $!; sleep 1000 & echo $!; wait" });
    const stdout = collect(managed.stdout);
    const [, first, second] = await stdout.waitFor(/(\d+)\n(\d+)\n/);
    const pids = [Number(first), Number(second)];
    for (const pid of pids) expect(isGone(pid)).toBe(false);
    const info = await managed.stop();
    expect(info.code).toBe(143);
    for (const pid of pids) expect(isGone(pid)).toBe(true);
  });

  it("stops a Node grandchild started by a Node leader", async () => {
    const managed = start({ command: nodeFixture("grandchild.mjs") });
    const stdout = collect(managed.stdout);
    const [, pid] = await stdout.waitFor(/grandchild (\d+)/);
    await stdout.waitFor(/ready/);
    expect(isGone(Number(pid))).toBe(false);
    await managed.stop();
    expect(isGone(Number(pid))).toBe(true);
  });

  it("keeps waiting for a grandchild that ignores SIGTERM after the leader died, then SIGKILLs the group", async () => {
    const managed = start({ command: nodeFixture("grandchild.mjs", "SIGTERM") });
    const stdout = collect(managed.stdout);
    const [, pidText] = await stdout.waitFor(/grandchild (\d+)/);
    const grandchildPid = Number(pidText);
    await stdout.waitFor(/ready/);

    let groupAliveAtLeaderExit: boolean | undefined;
    let grandchildGoneAtLeaderExit: boolean | undefined;
    managed.on("exit", () => {
      groupAliveAtLeaderExit = managed.snapshot().groupAlive;
      grandchildGoneAtLeaderExit = isGone(grandchildPid);
    });
    let stopResolved = false;
    const stopping = managed.stop({ timeoutMs: 200 }).then((info) => {
      stopResolved = true;
      return info;
    });

    const leaderInfo = await managed.exited;
    expect(leaderInfo).toMatchObject({ signal: "SIGTERM", code: 143 });
    expect(groupAliveAtLeaderExit).toBe(true);
    expect(grandchildGoneAtLeaderExit).toBe(false);
    expect(stopResolved).toBe(false);
    await stdout.waitFor(/got SIGTERM/);

    expect(await stopping).toBe(leaderInfo);
    expect(isGone(grandchildPid)).toBe(true);
    expect(managed.isGroupAlive()).toBe(false);
    expect(managed.signal("SIGTERM")).toBe(false);
  });

  it("is idempotent: a second call returns the same promise", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs") });
    await collect(managed.stdout).waitFor(/ready/);
    const first = managed.stop();
    const second = managed.stop();
    expect(second).toBe(first);
    await first;
  });

  it("escalates a pending stop to SIGKILL at once when kill() is called", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs", "SIGTERM") });
    const stdout = collect(managed.stdout);
    await stdout.waitFor(/ready/);
    // A timeout no test would wait for: only kill() can end this stop.
    const stopping = managed.stop({ timeoutMs: 600_000 });
    await stdout.waitFor(/got SIGTERM/);
    expect(managed.state).toBe("stopping");
    managed.kill();
    expect(await stopping).toMatchObject({ signal: "SIGKILL", code: 137 });
  });

  it("escalates sooner when a second stop() has a shorter timeout", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs", "SIGTERM") });
    const stdout = collect(managed.stdout);
    await stdout.waitFor(/ready/);
    const stopping = managed.stop({ timeoutMs: 600_000 });
    await stdout.waitFor(/got SIGTERM/);
    expect(managed.stop({ timeoutMs: 10 })).toBe(stopping);
    expect(await stopping).toMatchObject({ signal: "SIGKILL" });
  });

  it("can be called before the process has started running", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs") });
    const states = recordStates(managed);
    expect(managed.state).toBe("starting");
    const info = await managed.stop();
    expect(info.signal).toBe("SIGTERM");
    expect(states).toEqual(["stopping", "exited"]);
  });

  it("resolves at once for a process that already exited", async () => {
    const managed = start({ command: "exit 5" });
    await managed.groupGone;
    expect(await managed.stop()).toMatchObject({ code: 5 });
    expect(managed.state).toBe("exited");
  });
});

describe("signal()", () => {
  it("forwards a signal to the group (SIGUSR1 reaches the child)", async () => {
    const managed = start({ command: nodeFixture("on-signal.mjs", "SIGUSR1") });
    const stdout = collect(managed.stdout);
    await stdout.waitFor(/ready/);
    expect(managed.signal("SIGUSR1")).toBe(true);
    await stdout.waitFor(/got SIGUSR1/);
    expect(managed.state).toBe("running");
  });

  it("reaches a grandchild too", async () => {
    const managed = start({ command: nodeFixture("grandchild.mjs", "SIGUSR2") });
    const stdout = collect(managed.stdout);
    const [, pid] = await stdout.waitFor(/grandchild (\d+)/);
    await stdout.waitFor(/ready/);
    // The leader has no handler and dies of SIGUSR2; the grandchild reports it.
    expect(managed.signal("SIGUSR2")).toBe(true);
    await stdout.waitFor(new RegExp(`got SIGUSR2 ${pid}`));
  });

  it("returns false and sends nothing once the group is gone", async () => {
    const managed = start({ command: "exit 0" });
    await managed.groupGone;
    expect(managed.isGroupAlive()).toBe(false);
    expect(managed.signal("SIGTERM")).toBe(false);
    expect(managed.snapshot().groupAlive).toBe(false);
  });
});

describe("many processes", () => {
  it("starts and stops 200 processes cleanly", async () => {
    const count = 200;
    const all = Array.from({ length: count }, (_, index) =>
      start({ name: `sleep.${index + 1}`, command: "sleep 1000" }),
    );
    for (const managed of all) {
      managed.stdout.resume();
      managed.stderr.resume();
    }
    await Promise.all(
      all.map(
        (managed) =>
          new Promise<void>((resolve) => {
            if (managed.state === "running") resolve();
            else managed.once("state", () => resolve());
          }),
      ),
    );
    expect(all.filter((managed) => managed.state === "running")).toHaveLength(count);

    const infos = await Promise.all(all.map((managed) => managed.stop()));
    expect(infos.filter((info) => info.code === 143)).toHaveLength(count);
    expect(all.filter((managed) => managed.isGroupAlive())).toHaveLength(0);
    expect(all.filter((managed) => managed.state === "exited")).toHaveLength(count);
  });
});
