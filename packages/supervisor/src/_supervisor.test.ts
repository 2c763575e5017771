import { describe, expect, it } from "vitest";
import { FakeChild, harness, settle } from "../test/_harness.js";

const logReady = { ready: { kind: "log", pattern: "listening" } } as const;

describe("defaults: the Procfile rule", () => {
  it("starts every instance at once, in Procfile order", () => {
    const h = harness([
      ["web", 2],
      ["worker", 1],
    ]);
    h.supervisor.start();
    expect(h.launches).toEqual(["web.1", "web.2", "worker.1"]);
    expect(h.supervisor.snapshot().map((s) => [s.name, s.state, s.ready, s.port])).toEqual([
      ["web.1", "running", true, 5000],
      ["web.2", "running", true, 5001],
      ["worker.1", "running", true, 5100],
    ]);
  });

  it.each([0, 3, 137])("asks to stop everything when any process exits (code %i)", async (code) => {
    const h = harness([
      ["web", 1],
      ["worker", 1],
    ]);
    h.supervisor.start();
    h.child("worker.1").exit(code);
    await settle();
    expect(h.shutdowns).toEqual([
      { processName: "worker.1", exitCode: code, message: `worker.1 exited with code ${code}` },
    ]);
    await h.clock.advance(60_000);
    expect(h.launches).toEqual(["web.1", "worker.1"]);
  });
});

describe("the Procfile rule waits for the exit line", () => {
  const pair = (policies: Parameters<typeof harness>[1] = {}): ReturnType<typeof harness> =>
    harness(
      [
        ["web", 1],
        ["worker", 1],
      ],
      policies,
      {},
      { withLogged: true },
    );

  it("asks to stop everything once the exit line of the process that ended is out", async () => {
    const h = pair();
    h.supervisor.start();
    h.child("worker.1").exit(3);
    await settle();
    expect(h.shutdowns).toEqual([]);
    h.child("worker.1").finishLog();
    await settle();
    expect(h.shutdowns).toEqual([
      { processName: "worker.1", exitCode: 3, message: "worker.1 exited with code 3" },
    ]);
  });

  it("asks anyway after 250 ms when the line does not come (a pipe held by an escaped grandchild)", async () => {
    const h = pair();
    h.supervisor.start();
    h.child("worker.1").exit(3);
    await h.clock.advance(249);
    expect(h.shutdowns).toEqual([]);
    await h.clock.advance(1);
    expect(h.shutdowns).toEqual([
      expect.objectContaining({ processName: "worker.1", exitCode: 3 }),
    ]);
  });

  it("lets the first exit decide the exit code, whichever line is out first", async () => {
    const h = pair();
    h.supervisor.start();
    h.child("web.1").exit(2);
    await settle();
    h.child("worker.1").exit(3);
    h.child("worker.1").finishLog();
    await settle();
    expect(h.shutdowns).toEqual([]);
    h.child("web.1").finishLog();
    await settle();
    expect(h.shutdowns).toEqual([expect.objectContaining({ processName: "web.1", exitCode: 2 })]);
  });

  it("keeps the waiting exit's code when the last other process then ends on its own", async () => {
    const h = pair({ web: { canDie: true } });
    h.supervisor.start();
    h.child("worker.1").exit(3);
    await settle();
    // Every instance has now ended, which alone would ask to stop with code 0.
    h.child("web.1").exit(0);
    h.child("web.1").finishLog();
    await settle();
    expect(h.shutdowns).toEqual([]);
    h.child("worker.1").finishLog();
    await settle();
    expect(h.shutdowns).toEqual([
      expect.objectContaining({ processName: "worker.1", exitCode: 3 }),
    ]);
  });

  it("does not ask when stopping began while it waited (Ctrl-C)", async () => {
    const h = pair();
    h.supervisor.start();
    h.child("worker.1").exit(3);
    await settle();
    h.supervisor.shutdown();
    h.child("worker.1").finishLog();
    await h.clock.advance(1000);
    expect(h.shutdowns).toEqual([]);
  });
});

describe("restart with backoff", () => {
  it("doubles the delay from 1 s up to the 30 s cap", async () => {
    const h = harness([["web", 1]], { web: { restart: "on-failure", maxRestarts: 100 } });
    h.supervisor.start();
    const delays: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      h.child("web.1").exit(1);
      await settle();
      expect(h.supervisor.snapshot()[0]?.state).toBe("backoff");
      const before = h.launches.length;
      let waited = 0;
      while (h.launches.length === before) {
        await h.clock.advance(500);
        waited += 500;
      }
      delays.push(waited);
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect(h.shutdowns).toEqual([]);
    expect(h.supervisor.snapshot()[0]?.restarts).toBe(7);
    expect(h.lines).toContain("web.1: restarting in 1 s (restart 1 of at most 100 within 5 min)");
    expect(h.lines).toContain("web.1: restarting in 30 s (restart 7 of at most 100 within 5 min)");
  });

  it("goes back to 1 s after a run that lasted 30 s", async () => {
    const h = harness([["web", 1]], { web: { restart: "on-failure" } });
    h.supervisor.start();
    h.child("web.1").exit(1);
    await h.clock.advance(1000);
    h.child("web.1").exit(1);
    await h.clock.advance(2000);
    expect(h.launches).toHaveLength(3);
    await h.clock.advance(30_000); // a long, healthy run
    h.child("web.1").exit(1);
    await settle();
    await h.clock.advance(999);
    expect(h.launches).toHaveLength(3);
    await h.clock.advance(1);
    expect(h.launches).toHaveLength(4);
  });

  it("fails the process after max_restarts within the window; the normal rule then applies", async () => {
    const h = harness(
      [
        ["web", 1],
        ["worker", 1],
      ],
      {
        web: { restart: "always", maxRestarts: 3, restartDelayMs: 10, restartDelayMaxMs: 10 },
      },
    );
    h.supervisor.start();
    for (let i = 0; i < 3; i += 1) {
      h.child("web.1").exit(2);
      await h.clock.advance(10);
    }
    expect(h.launches.filter((n) => n === "web.1")).toHaveLength(4);
    h.child("web.1").exit(2);
    await settle();
    expect(h.supervisor.snapshot()[0]).toMatchObject({ state: "failed", ready: false });
    expect(h.shutdowns).toEqual([expect.objectContaining({ processName: "web.1", exitCode: 2 })]);
    expect(h.lines).toContain("web.1: restarted 3 times within 5 min; giving up");
  });

  it("lets restarts happen again once old ones leave the window", async () => {
    const h = harness([["web", 1]], {
      web: {
        restart: "on-failure",
        maxRestarts: 2,
        restartDelayMs: 10,
        restartDelayMaxMs: 10,
        restartWindowMs: 1000,
      },
    });
    h.supervisor.start();
    h.child("web.1").exit(1);
    await h.clock.advance(10);
    h.child("web.1").exit(1);
    await h.clock.advance(2000);
    h.child("web.1").exit(1);
    await h.clock.advance(10);
    expect(h.launches).toHaveLength(4);
    expect(h.shutdowns).toEqual([]);
  });

  it.each([
    ["on-failure", 0, false],
    ["on-failure", 1, true],
    ["always", 0, true],
    ["no", 1, false],
  ] as const)("restart: %s after exit %i restarts: %s", async (restart, code, restarts) => {
    const h = harness([["web", 1]], { web: { restart } });
    h.supervisor.start();
    h.child("web.1").exit(code);
    await h.clock.advance(1000);
    expect(h.launches.length > 1).toBe(restarts);
    expect(h.shutdowns.length === 1).toBe(!restarts);
  });

  it("exits with 1 when a process that only ever exits 0 runs out of restarts", async () => {
    const h = harness([["web", 1]], { web: { restart: "always", maxRestarts: 0 } });
    h.supervisor.start();
    h.child("web.1").exit(0);
    await settle();
    expect(h.shutdowns[0]?.exitCode).toBe(1);
  });

  it("stops what is left of the old process group before the next run", async () => {
    const h = harness([["web", 1]], {
      web: { restart: "on-failure", stopSignal: "SIGINT", stopTimeoutMs: 7000 },
    });
    h.supervisor.start();
    const first = h.child("web.1");
    first.exit(1);
    await settle();
    expect(first.stops).toEqual([{ signal: "SIGINT", timeoutMs: 7000 }]);
  });

  it("a shutdown cancels a pending restart", async () => {
    const h = harness([["web", 1]], { web: { restart: "on-failure" } });
    h.supervisor.start();
    h.child("web.1").exit(1);
    await settle();
    h.supervisor.shutdown();
    await h.clock.advance(60_000);
    expect(h.launches).toEqual(["web.1"]);
    expect(h.clock.pending).toBe(0);
  });
});

describe("oneshot and can_die", () => {
  it("a oneshot that exits 0 lets the others run, and its dependents start after it", async () => {
    const h = harness(
      [
        ["release", 1],
        ["web", 1],
      ],
      { release: { oneshot: true }, web: { dependsOn: ["release"] } },
    );
    h.supervisor.start();
    expect(h.launches).toEqual(["release.1"]);
    h.child("release.1").exit(0);
    await settle();
    expect(h.launches).toEqual(["release.1", "web.1"]);
    expect(h.shutdowns).toEqual([]);
    expect(h.supervisor.snapshot()[0]).toMatchObject({ state: "exited", ready: true });
  });

  it("starts a oneshot's dependents after its exit line is logged, or after 1 s at most", async () => {
    let logLine: () => void = () => {};
    const logged = new Promise<void>((resolve) => {
      logLine = resolve;
    });
    const children: FakeChild[] = [];
    const h = harness(
      [
        ["release", 2],
        ["web", 1],
      ],
      { release: { oneshot: true }, web: { dependsOn: ["release"] } },
      {
        launch: (info) => {
          const child = new FakeChild(info, 1);
          children.push(child);
          // release.1's exit line is written when the test says so; release.2's never is.
          return info.name === "release.1"
            ? { child, logged }
            : { child, logged: new Promise(() => {}) };
        },
      },
    );
    h.supervisor.start();
    children[0]?.exit(0);
    children[1]?.exit(0);
    await h.clock.advance(999);
    expect(children.map((c) => c.info.name)).toEqual(["release.1", "release.2"]);
    logLine();
    await h.clock.advance(1);
    expect(children.map((c) => c.info.name)).toEqual(["release.1", "release.2", "web.1"]);
  });

  it("a oneshot that fails stops everything with its code, and its dependents never start", async () => {
    const h = harness(
      [
        ["release", 1],
        ["web", 1],
      ],
      { release: { oneshot: true }, web: { dependsOn: ["release"] } },
    );
    h.supervisor.start();
    h.child("release.1").exit(4);
    await settle();
    expect(h.shutdowns).toEqual([
      expect.objectContaining({ processName: "release.1", exitCode: 4 }),
    ]);
    expect(h.launches).toEqual(["release.1"]);
  });

  it("a failing oneshot with can_die fails its dependents, which stop everything", async () => {
    const h = harness(
      [
        ["release", 1],
        ["web", 1],
      ],
      { release: { oneshot: true, canDie: true }, web: { dependsOn: ["release"] } },
    );
    h.supervisor.start();
    h.child("release.1").exit(4);
    await settle();
    expect(h.shutdowns).toEqual([expect.objectContaining({ processName: "web.1", exitCode: 1 })]);
    expect(h.lines).toContain("web.1: not started: its dependency release.1 failed");
  });

  it("can_die: any exit leaves the others running", async () => {
    const h = harness(
      [
        ["web", 1],
        ["css", 1],
      ],
      { css: { canDie: true } },
    );
    h.supervisor.start();
    h.child("css.1").exit(3);
    await settle();
    expect(h.shutdowns).toEqual([]);
    expect(h.supervisor.snapshot()[1]).toMatchObject({ state: "failed", lastExitCode: 3 });
    expect(h.lines).toContain("css.1: can_die is set: the others keep running");
  });

  it("stops with 0 once every process has finished on its own", async () => {
    const h = harness(
      [
        ["release", 1],
        ["css", 1],
      ],
      { release: { oneshot: true }, css: { canDie: true } },
    );
    h.supervisor.start();
    h.child("css.1").exit(1);
    await settle();
    expect(h.shutdowns).toEqual([]);
    h.child("release.1").exit(0);
    await settle();
    expect(h.shutdowns).toEqual([
      { processName: undefined, exitCode: 0, message: "every process has finished" },
    ]);
  });
});

describe("dependencies and readiness", () => {
  it("starts a dependent only when its dependency's output says it is ready", async () => {
    const h = harness(
      [
        ["worker", 1],
        ["web", 2],
      ],
      { worker: { dependsOn: ["web"] }, web: logReady },
    );
    h.supervisor.start();
    expect(h.launches).toEqual(["web.1", "web.2"]);
    h.child("web.1").print("booting\nlisten");
    h.child("web.2").print("listening on 5101\n");
    await settle();
    expect(h.launches).toEqual(["web.1", "web.2"]);
    h.child("web.1").print("ing on 5100\n");
    await settle();
    expect(h.launches).toEqual(["web.1", "web.2", "worker.1"]);
    expect(h.lines).toContain("web.1: is ready: its output matches /listening/");
  });

  it("fails a process that is not ready in time, stopping it with its own signal", async () => {
    const h = harness([["web", 1]], {
      web: { ...logReady, readyTimeoutMs: 5000, stopSignal: "SIGINT" },
    });
    h.supervisor.start();
    await h.clock.advance(4999);
    expect(h.supervisor.snapshot()[0]?.state).toBe("starting");
    await h.clock.advance(1);
    expect(h.child("web.1").stops).toEqual([{ signal: "SIGINT", timeoutMs: 5000 }]);
    expect(h.supervisor.snapshot()[0]?.state).toBe("failed");
    expect(h.shutdowns).toEqual([expect.objectContaining({ processName: "web.1", exitCode: 1 })]);
    expect(h.lines[0]).toMatch(/web\.1: was not ready within 5 s .*; stopping it/);
  });

  it("a process someone depends on waits for its port by default", async () => {
    const seen: string[] = [];
    const h = harness(
      [
        ["web", 1],
        ["worker", 1],
      ],
      { worker: { dependsOn: ["web"] } },
      {
        readyCheck: async (check, context) => {
          seen.push(`${check.kind}:${context.port}`);
          return new Promise(() => {});
        },
      },
    );
    h.supervisor.start();
    expect(seen).toEqual(["port:5000"]);
    expect(h.launches).toEqual(["web.1"]);
  });

  it("gives stop stages that stop dependents first", () => {
    const h = harness(
      [
        ["db", 1],
        ["web", 1],
        ["worker", 1],
      ],
      { web: { dependsOn: ["db"] }, worker: { dependsOn: ["web"], stopSignal: "SIGQUIT" } },
      { defaultStopTimeoutMs: 9000 },
    );
    expect(h.supervisor.stopSettings("worker")).toEqual({
      signal: "SIGQUIT",
      timeoutMs: 9000,
      stage: 0,
    });
    expect(h.supervisor.stopSettings("web").stage).toBe(1);
    expect(h.supervisor.stopSettings("db").stage).toBe(2);
  });
});

describe("requested restart, stop and scale", () => {
  it("resolves names, instances and globs, and rejects what matches nothing", () => {
    const h = harness([
      ["web", 2],
      ["worker", 1],
      ["clock", 0],
    ]);
    expect(h.supervisor.resolve(["web"])).toEqual(["web.1", "web.2"]);
    expect(h.supervisor.resolve(["web.2", "worker"])).toEqual(["web.2", "worker.1"]);
    expect(h.supervisor.resolve(["w*.1"])).toEqual(["web.1", "worker.1"]);
    expect(h.supervisor.resolve([])).toEqual(["web.1", "web.2", "worker.1"]);
    expect(() => h.supervisor.resolve(["db"])).toThrow(
      expect.objectContaining({ code: "SUPERVISOR_UNKNOWN_PROCESS" }),
    );
    expect(() => h.supervisor.resolve(["clock"])).toThrow(
      expect.objectContaining({ hint: "scale it up first: foreman scale clock=1" }),
    );
  });

  it("restarts web.1 then web.2, each once the previous one is ready", async () => {
    const h = harness([["web", 2]], { web: logReady });
    h.supervisor.start();
    h.child("web.1").print("listening\n");
    h.child("web.2").print("listening\n");
    await settle();
    const progress: string[] = [];
    const done = h.supervisor.restart(["web"], (e) => progress.push(`${e.name} ${e.message}`));
    await settle();
    expect(h.launches).toEqual(["web.1", "web.2", "web.1"]);
    expect(h.children[1]?.stops).toEqual([]); // web.2 untouched while web.1 is not ready
    h.child("web.1").print("listening\n");
    await settle();
    expect(h.launches).toEqual(["web.1", "web.2", "web.1", "web.2"]);
    h.child("web.2").print("listening\n");
    expect(await done).toEqual({
      lines: [
        expect.stringMatching(/^web\.1 restarted and ready/),
        expect.stringMatching(/^web\.2 restarted and ready/),
      ],
    });
    expect(progress).toEqual([
      "web.1 stopping (SIGTERM)",
      "web.1 starting",
      "web.1 ready",
      "web.2 stopping (SIGTERM)",
      "web.2 starting",
      "web.2 ready",
    ]);
    expect(h.supervisor.snapshot().map((s) => s.restarts)).toEqual([1, 1]);
    // Stopped on request: not an exit that stops everything.
    expect(h.shutdowns).toEqual([]);
  });

  it("reports a restarted process that dies before it is ready", async () => {
    const h = harness(
      [
        ["web", 1],
        ["other", 1],
      ],
      { web: logReady, other: {} },
    );
    h.supervisor.start();
    h.child("web.1").print("listening\n");
    const done = h.supervisor.restart(["web.1"]);
    await settle();
    h.child("web.1").exit(1);
    await expect(done).rejects.toMatchObject({
      code: "SUPERVISOR_NOT_READY",
      message: "web.1 exited with code 1",
    });
  });

  it("stop: dependents first, then the process; none of it stops the rest", async () => {
    const h = harness(
      [
        ["web", 1],
        ["worker", 1],
        ["other", 1],
      ],
      { worker: { dependsOn: ["web"] }, web: { ready: { kind: "started" } } },
    );
    h.supervisor.start();
    const order: string[] = [];
    for (const c of h.children) {
      const stop = c.stop.bind(c);
      c.stop = (o) => {
        order.push(c.info.name);
        return stop(o);
      };
    }
    const report = await h.supervisor.stop(["web"]);
    expect(order).toEqual(["worker.1", "web.1"]);
    expect(report.lines).toEqual(["worker.1 stopped (it depends on web)", "web.1 stopped"]);
    expect(h.supervisor.snapshot().map((s) => s.state)).toEqual(["stopped", "stopped", "running"]);
    expect(h.shutdowns).toEqual([]);
    // restart starts a stopped one, and its stopped dependency first.
    const restarted = await h.supervisor.restart(["worker"]);
    expect(h.launches.slice(-2)).toEqual(["web.1", "worker.1"]);
    expect(restarted.lines).toEqual([expect.stringMatching(/^worker\.1 started and ready/)]);
  });

  it("scale: adds instances on the next ports, removes the highest first", async () => {
    const h = harness([
      ["web", 1],
      ["worker", 1],
    ]);
    h.supervisor.start();
    const up = await h.supervisor.scale({ web: 3 });
    expect(up.lines).toEqual([
      "web.2 started and ready on port 5001",
      "web.3 started and ready on port 5002",
    ]);
    expect(h.supervisor.snapshot().map((s) => s.name)).toEqual([
      "web.1",
      "web.2",
      "web.3",
      "worker.1",
    ]);
    const down = await h.supervisor.scale({ web: 1, worker: 0 });
    expect(down.lines).toEqual([
      "worker.1 stopped and removed",
      "web.3 stopped and removed",
      "web.2 stopped and removed",
    ]);
    expect(h.supervisor.snapshot().map((s) => s.name)).toEqual(["web.1"]);
    expect(h.shutdowns).toEqual([]);
    await expect(h.supervisor.scale({ db: 1 })).rejects.toMatchObject({
      code: "SUPERVISOR_UNKNOWN_PROCESS",
    });
    await expect(h.supervisor.scale({ web: -1 })).rejects.toMatchObject({
      code: "SUPERVISOR_BAD_SCALE",
    });
  });

  it("refuses requests once shutting down", async () => {
    const h = harness([["web", 1]]);
    h.supervisor.start();
    h.supervisor.shutdown();
    await expect(h.supervisor.restart(["web"])).rejects.toMatchObject({
      code: "SUPERVISOR_SHUTTING_DOWN",
    });
  });
});

describe("the log buffer", () => {
  it("keeps each instance's output and the supervisor's own lines", async () => {
    const h = harness([["web", 1]], { web: { restart: "on-failure" } });
    h.supervisor.start();
    h.child("web.1").print("hello\nworld\n");
    await settle();
    h.child("web.1").exit(1);
    await settle();
    expect(
      h.supervisor.logs.tail({ names: ["web.1"] }).map((l) => `${l.stream}:${l.data.toString()}`),
    ).toEqual([
      "stdout:hello",
      "stdout:world",
      "system:restarting in 1 s (restart 1 of at most 10 within 5 min)",
    ]);
  });
});
