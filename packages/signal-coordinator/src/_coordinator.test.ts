import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ProcessLike, ShutdownCoordinatorOptions, StoppableProcess } from "./index.js";
import { createShutdownCoordinator } from "./index.js";

const ALL_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2"];

/** A process group that records what it was sent and dies on the signals it is told to. */
class FakeProcess implements StoppableProcess {
  readonly received: string[] = [];
  readonly groupGone: Promise<void>;
  private alive = true;
  private resolveGone: () => void = () => {};

  constructor(
    readonly name: string,
    readonly pid: number,
    private readonly diesOn: ReadonlySet<string> = new Set(["SIGTERM"]),
    private readonly diesOnKill = true,
  ) {
    this.groupGone = new Promise((resolve) => {
      this.resolveGone = resolve;
    });
  }

  signal(signal: NodeJS.Signals): boolean {
    if (!this.alive) return false;
    this.received.push(signal);
    if (this.diesOn.has(signal)) this.exit();
    return true;
  }

  kill(): void {
    if (!this.alive) return;
    this.received.push("SIGKILL");
    if (this.diesOnKill) this.exit();
  }

  isGroupAlive(): boolean {
    return this.alive;
  }

  exit(): void {
    this.alive = false;
    this.resolveGone();
  }
}

const stubborn = (name: string, pid: number): FakeProcess => new FakeProcess(name, pid, new Set());

function setup(overrides: Partial<ShutdownCoordinatorOptions> = {}) {
  const emitter = new EventEmitter();
  const lines: string[] = [];
  let nowMs = 0;
  const coordinator = createShutdownCoordinator({
    timeoutMs: 5000,
    process: emitter,
    log: (line) => lines.push(line),
    now: () => nowMs,
    ...overrides,
  });
  const send = (signal: NodeJS.Signals, atMs = nowMs): void => {
    nowMs = atMs;
    emitter.emit(signal, signal);
  };
  return { emitter, lines, coordinator, send };
}

const listenerCounts = (emitter: EventEmitter): number[] =>
  ALL_SIGNALS.map((signal) => emitter.listenerCount(signal));

afterEach(() => {
  vi.useRealTimers();
});

describe("install", () => {
  it("registers nothing before install() and removes everything on uninstall", () => {
    const { emitter, coordinator } = setup();
    expect(listenerCounts(emitter)).toEqual([0, 0, 0, 0, 0]);
    const uninstall = coordinator.install();
    expect(listenerCounts(emitter)).toEqual([1, 1, 1, 1, 1]);
    uninstall();
    expect(listenerCounts(emitter)).toEqual([0, 0, 0, 0, 0]);
    uninstall();
    expect(listenerCounts(emitter)).toEqual([0, 0, 0, 0, 0]);
  });

  it("defaults to the real process, and leaves its listeners as they were", () => {
    const real: ProcessLike = process; // the real process satisfies the injected shape
    const before = ALL_SIGNALS.map((signal) => process.listenerCount(signal));
    const coordinator = createShutdownCoordinator({ timeoutMs: 10 });
    const uninstall = coordinator.install();
    expect(ALL_SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(
      before.map((count) => count + 1),
    );
    uninstall();
    expect(ALL_SIGNALS.map((signal) => process.listenerCount(signal))).toEqual(before);
    expect(real).toBe(process);
  });

  it("refuses a second install, and allows one after uninstall", () => {
    const { emitter, coordinator } = setup();
    const uninstall = coordinator.install();
    expect(() => coordinator.install()).toThrow(
      expect.objectContaining({ code: "SIGNAL_ALREADY_INSTALLED" }),
    );
    uninstall();
    const again = coordinator.install();
    expect(listenerCounts(emitter)).toEqual([1, 1, 1, 1, 1]);
    again();
  });

  it("listens only to the configured signals", () => {
    const { emitter, coordinator } = setup({
      shutdownSignals: ["SIGTERM"],
      forwardSignals: [],
    });
    const uninstall = coordinator.install();
    expect(listenerCounts(emitter)).toEqual([0, 1, 0, 0, 0]);
    uninstall();
  });

  it("reports a signal the platform cannot listen for", () => {
    const refusing = {
      on(event: NodeJS.Signals): unknown {
        if (event === "SIGUSR2") throw new Error("uv_signal_start EINVAL");
        return undefined;
      },
      off: vi.fn(),
    };
    const coordinator = createShutdownCoordinator({ timeoutMs: 10, process: refusing });
    expect(() => coordinator.install()).toThrow(
      expect.objectContaining({ code: "SIGNAL_INSTALL_FAILED" }),
    );
    // what was registered before the failure is removed again
    expect(refusing.off).toHaveBeenCalledTimes(4);
  });
});

describe("options", () => {
  it.each<[string, Partial<ShutdownCoordinatorOptions>]>([
    ["negative timeoutMs", { timeoutMs: -1 }],
    ["NaN timeoutMs", { timeoutMs: Number.NaN }],
    ["infinite duplicateWindowMs", { duplicateWindowMs: Number.POSITIVE_INFINITY }],
    ["negative killTimeoutMs", { killTimeoutMs: -5 }],
    ["SIGKILL as a shutdown signal", { shutdownSignals: ["SIGKILL"] }],
    ["SIGSTOP forwarded", { forwardSignals: ["SIGSTOP"] }],
    ["a signal in both lists", { shutdownSignals: ["SIGINT"], forwardSignals: ["SIGINT"] }],
  ])("rejects %s", (_label, overrides) => {
    expect(() => setup(overrides)).toThrow(
      expect.objectContaining({ code: "SIGNAL_INVALID_OPTION" }),
    );
  });
});

describe("shutdown on a signal", () => {
  it.each<NodeJS.Signals>(["SIGINT", "SIGTERM", "SIGHUP"])(
    "%s: logs, sends SIGTERM to every live group and resolves with exit code 0",
    async (signal) => {
      const { coordinator, lines, send } = setup();
      const web = new FakeProcess("web.1", 101);
      const worker = new FakeProcess("worker.1", 102);
      const gone = new FakeProcess("gone.1", 103);
      gone.exit();
      coordinator.add(web);
      coordinator.add(worker);
      coordinator.add(gone);
      const uninstall = coordinator.install();
      expect(coordinator.shuttingDown).toBe(false);
      send(signal);
      expect(coordinator.shuttingDown).toBe(true);
      const result = await coordinator.done;
      expect(lines).toEqual([
        `${signal} received, starting shutdown`,
        "sending SIGTERM to all processes",
      ]);
      expect(web.received).toEqual(["SIGTERM"]);
      expect(worker.received).toEqual(["SIGTERM"]);
      expect(gone.received).toEqual([]);
      expect(result).toEqual({ reason: { kind: "signal", signal }, exitCode: 0, killed: [] });
      uninstall();
    },
  );

  it("SIGKILLs the groups still alive after timeoutMs, not before", async () => {
    vi.useFakeTimers();
    const { coordinator, lines, send } = setup({ timeoutMs: 3000 });
    const web = new FakeProcess("web.1", 101);
    const db = stubborn("db.1", 102);
    coordinator.add(web);
    coordinator.add(db);
    const uninstall = coordinator.install();
    send("SIGINT");
    let settled = false;
    void coordinator.done.then(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(2999);
    expect(db.received).toEqual(["SIGTERM"]);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const result = await coordinator.done;
    expect(db.received).toEqual(["SIGTERM", "SIGKILL"]);
    expect(web.received).toEqual(["SIGTERM"]);
    expect(lines).toEqual([
      "SIGINT received, starting shutdown",
      "sending SIGTERM to all processes",
      "sending SIGKILL to all processes",
    ]);
    expect(result.killed).toEqual(["db.1"]);
    expect(vi.getTimerCount()).toBe(0);
    uninstall();
  });

  it("a second shutdown signal outside the window SIGKILLs every group at once", async () => {
    const { coordinator, lines, send } = setup({ timeoutMs: 60_000, duplicateWindowMs: 100 });
    const db = stubborn("db.1", 102);
    const cache = stubborn("cache.1", 103);
    coordinator.add(db);
    coordinator.add(cache);
    const uninstall = coordinator.install();
    send("SIGINT", 1000);
    send("SIGTERM", 1100);
    const result = await coordinator.done;
    expect(lines).toEqual([
      "SIGINT received, starting shutdown",
      "sending SIGTERM to all processes",
      "SIGTERM received during shutdown, sending SIGKILL to all processes",
    ]);
    expect(result.killed).toEqual(["db.1", "cache.1"]);
    expect(result.reason).toEqual({ kind: "signal", signal: "SIGINT" });
    uninstall();
  });

  it("a duplicate within the window is the same signal and changes nothing", () => {
    const { coordinator, lines, send } = setup({ duplicateWindowMs: 100 });
    const db = stubborn("db.1", 102);
    coordinator.add(db);
    const uninstall = coordinator.install();
    send("SIGINT", 1000);
    send("SIGINT", 1099);
    expect(db.received).toEqual(["SIGTERM"]);
    expect(lines).toEqual([
      "SIGINT received, starting shutdown",
      "sending SIGTERM to all processes",
    ]);
    uninstall();
    db.exit();
  });

  it("measures the window from the latest signal acted on, so each doubled Ctrl-C counts once", () => {
    const { coordinator, lines, send } = setup({ duplicateWindowMs: 100 });
    const db = new FakeProcess("db.1", 102, new Set(), false);
    coordinator.add(db);
    const uninstall = coordinator.install();
    send("SIGINT", 0);
    send("SIGINT", 5);
    send("SIGINT", 2000);
    send("SIGINT", 2005);
    expect(lines.filter((line) => line.includes("again"))).toHaveLength(1);
    expect(db.received).toEqual(["SIGTERM", "SIGKILL"]);
    uninstall();
    db.exit();
  });

  it("keeps listening after completion and ignores a late shutdown signal", async () => {
    const { coordinator, emitter, lines, send } = setup();
    const web = new FakeProcess("web.1", 101);
    coordinator.add(web);
    const uninstall = coordinator.install();
    send("SIGINT", 0);
    await coordinator.done;
    expect(emitter.listenerCount("SIGINT")).toBe(1);
    send("SIGINT", 10_000);
    send("SIGTERM", 20_000);
    expect(lines).toHaveLength(2);
    uninstall();
  });
});

describe("forwarded signals", () => {
  it.each<NodeJS.Signals>(["SIGUSR1", "SIGUSR2"])(
    "%s reaches every live group and does not start a shutdown",
    (signal) => {
      const { coordinator, lines, send } = setup();
      const web = new FakeProcess("web.1", 101);
      const gone = new FakeProcess("gone.1", 102);
      gone.exit();
      coordinator.add(web);
      coordinator.add(gone);
      const uninstall = coordinator.install();
      send(signal);
      expect(web.received).toEqual([signal]);
      expect(gone.received).toEqual([]);
      expect(coordinator.shuttingDown).toBe(false);
      expect(lines).toEqual([`forwarding ${signal} to all processes`]);
      uninstall();
    },
  );
});

describe("shutdown()", () => {
  it("a process's own exit: no 'received' line, its exit code", async () => {
    const { coordinator, lines } = setup();
    coordinator.add(new FakeProcess("web.1", 101));
    const result = await coordinator.shutdown({
      kind: "exit",
      processName: "worker.1",
      exitCode: 3,
    });
    expect(lines).toEqual(["sending SIGTERM to all processes"]);
    expect(result.exitCode).toBe(3);
  });

  it("is idempotent: later calls return the same promise and send nothing more", async () => {
    const { coordinator } = setup();
    const db = stubborn("db.1", 102);
    coordinator.add(db);
    const first = coordinator.shutdown({ kind: "error", message: "boom" });
    const second = coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    expect(second).toBe(first);
    expect(coordinator.done).toBe(first);
    expect(db.received).toEqual(["SIGTERM"]);
    db.exit();
    const result = await first;
    expect(result.reason).toEqual({ kind: "error", message: "boom" });
    expect(result.exitCode).toBe(1);
  });

  it("completes at once when nothing is tracked", async () => {
    const { coordinator } = setup({ timeoutMs: 60_000 });
    const result = await coordinator.shutdown({ kind: "signal", signal: "SIGTERM" });
    expect(result).toEqual({
      reason: { kind: "signal", signal: "SIGTERM" },
      exitCode: 0,
      killed: [],
    });
  });

  it("a shutdown signal during an exit-started shutdown says so when it escalates", async () => {
    const { coordinator, lines, send } = setup({ duplicateWindowMs: 100 });
    const db = stubborn("db.1", 102);
    coordinator.add(db);
    const uninstall = coordinator.install();
    void coordinator.shutdown({ kind: "exit", processName: "web.1", exitCode: 0 });
    send("SIGINT", 50); // the same Ctrl-C that made web.1 exit: not a second request
    expect(db.received).toEqual(["SIGTERM"]);
    send("SIGINT", 500);
    await coordinator.done;
    expect(lines).toEqual([
      "sending SIGTERM to all processes",
      "SIGINT received during shutdown, sending SIGKILL to all processes",
    ]);
    uninstall();
  });

  it("gives up waiting killTimeoutMs after SIGKILL when a group will not go", async () => {
    vi.useFakeTimers();
    const { coordinator, lines } = setup({ timeoutMs: 100, killTimeoutMs: 500 });
    const stuck = new FakeProcess("stuck.1", 101, new Set(), false);
    coordinator.add(stuck);
    const done = coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    await vi.advanceTimersByTimeAsync(600);
    const result = await done;
    expect(result.killed).toEqual(["stuck.1"]);
    expect(lines.at(-1)).toBe("still running after SIGKILL, giving up on: stuck.1");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("counts a group whose groupGone rejects as gone", async () => {
    const { coordinator } = setup({ timeoutMs: 60_000 });
    const broken: StoppableProcess = {
      name: "broken.1",
      pid: 101,
      signal: () => true,
      kill: () => {},
      isGroupAlive: () => true,
      groupGone: Promise.reject(new Error("watcher failed")),
    };
    coordinator.add(broken);
    const result = await coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    expect(result.killed).toEqual([]);
  });

  it("keeps going when one process throws while being signalled", async () => {
    const { coordinator, lines } = setup();
    const web = new FakeProcess("web.1", 102);
    const throwing: StoppableProcess = {
      name: "bad.1",
      pid: 101,
      signal: () => {
        throw new Error("EPERM");
      },
      kill: () => {},
      isGroupAlive: () => true,
      groupGone: Promise.resolve(),
    };
    coordinator.add(throwing);
    coordinator.add(web);
    await coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    expect(web.received).toEqual(["SIGTERM"]);
    expect(lines).toContain("failed to send SIGTERM to bad.1: EPERM");
  });
});

describe("tracking", () => {
  it("a process added during shutdown is sent SIGTERM at once and waited for", async () => {
    const { coordinator } = setup();
    const db = stubborn("db.1", 102);
    coordinator.add(db);
    void coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    const late = stubborn("late.1", 103);
    coordinator.add(late);
    expect(late.received).toEqual(["SIGTERM"]);
    let settled = false;
    void coordinator.done.then(() => {
      settled = true;
    });
    db.exit();
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    late.exit();
    await coordinator.done;
  });

  it("a process added after SIGKILL was sent is killed at once", async () => {
    const { coordinator, send } = setup({ timeoutMs: 60_000, killTimeoutMs: 60_000 });
    const db = new FakeProcess("db.1", 102, new Set(), false);
    coordinator.add(db);
    const uninstall = coordinator.install();
    send("SIGINT", 0);
    send("SIGINT", 1000);
    const late = stubborn("late.1", 103);
    coordinator.add(late);
    expect(late.received).toEqual(["SIGKILL"]);
    db.exit();
    const result = await coordinator.done;
    expect(result.killed).toEqual(["db.1", "late.1"]);
    uninstall();
  });

  it("a process added after completion is killed, since nothing will wait for it", async () => {
    const { coordinator, lines } = setup();
    await coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    const late = stubborn("late.1", 103);
    coordinator.add(late);
    expect(late.received).toEqual(["SIGKILL"]);
    expect(lines.at(-1)).toBe("late.1 started after shutdown completed, sending SIGKILL");
  });

  it("an untracked process is no longer signalled, and untracking it ends the wait", async () => {
    const { coordinator } = setup({ timeoutMs: 60_000 });
    const web = new FakeProcess("web.1", 101);
    const db = stubborn("db.1", 102);
    const untrackWeb = coordinator.add(web);
    const untrackDb = coordinator.add(db);
    untrackWeb();
    untrackWeb();
    void coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    expect(web.received).toEqual([]);
    expect(db.received).toEqual(["SIGTERM"]);
    untrackDb();
    const result = await coordinator.done;
    expect(result.killed).toEqual([]);
    db.exit();
    web.exit();
  });

  it("adding the same process twice tracks it once", async () => {
    const { coordinator } = setup();
    const web = new FakeProcess("web.1", 101);
    coordinator.add(web);
    coordinator.add(web);
    await coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    expect(web.received).toEqual(["SIGTERM"]);
  });
});

describe("per-process stop signals, timeouts and stages", () => {
  it("stops stage 0 first, each with its own signal, then the next stage once it is gone", async () => {
    const { coordinator, lines } = setup();
    const worker = new FakeProcess("worker.1", 201, new Set(["SIGQUIT"]));
    const web = new FakeProcess("web.1", 202, new Set(["SIGINT"]));
    const db = new FakeProcess("db.1", 203);
    coordinator.add(db, { stage: 2 });
    coordinator.add(web, { stage: 1, stopSignal: "SIGINT" });
    coordinator.add(worker, { stopSignal: "SIGQUIT" });
    const result = await coordinator.shutdown({ kind: "exit", processName: "x", exitCode: 0 });
    expect(lines).toEqual([
      "sending SIGQUIT to worker.1",
      "sending SIGINT to web.1",
      "sending SIGTERM to db.1",
    ]);
    expect([worker.received, web.received, db.received]).toEqual([
      ["SIGQUIT"],
      ["SIGINT"],
      ["SIGTERM"],
    ]);
    expect(result.killed).toEqual([]);
  });

  it("keeps a later stage waiting until the earlier one is gone", async () => {
    const { coordinator } = setup();
    const worker = stubborn("worker.1", 201);
    const db = new FakeProcess("db.1", 203);
    coordinator.add(worker);
    coordinator.add(db, { stage: 1 });
    void coordinator.shutdown({ kind: "signal", signal: "SIGINT" });
    await Promise.resolve();
    expect(db.received).toEqual([]);
    worker.exit();
    await coordinator.done;
    expect(db.received).toEqual(["SIGTERM"]);
  });

  it("SIGKILLs each process after its own timeout", async () => {
    vi.useFakeTimers();
    const { coordinator, lines } = setup({ timeoutMs: 5000 });
    const quick = stubborn("quick.1", 301);
    const slow = stubborn("slow.1", 302);
    coordinator.add(quick, { stopTimeoutMs: 1000 });
    coordinator.add(slow, { stopTimeoutMs: 8000 });
    void coordinator.shutdown({ kind: "signal", signal: "SIGTERM" });
    await vi.advanceTimersByTimeAsync(1000);
    expect(quick.received).toEqual(["SIGTERM", "SIGKILL"]);
    expect(slow.received).toEqual(["SIGTERM"]);
    await vi.advanceTimersByTimeAsync(7000);
    const result = await coordinator.done;
    expect(slow.received).toEqual(["SIGTERM", "SIGKILL"]);
    expect(lines).toContain("sending SIGKILL to quick.1 (still running 1 s after SIGTERM)");
    expect(result.killed).toEqual(["quick.1", "slow.1"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("moves on from a process that outlives SIGKILL", async () => {
    vi.useFakeTimers();
    const { coordinator, lines } = setup({ killTimeoutMs: 500 });
    const stuck = new FakeProcess("stuck.1", 401, new Set(), false);
    const db = new FakeProcess("db.1", 402);
    coordinator.add(stuck, { stopSignal: "SIGKILL" });
    coordinator.add(db, { stage: 1 });
    void coordinator.shutdown({ kind: "signal", signal: "SIGTERM" });
    await vi.advanceTimersByTimeAsync(500);
    await coordinator.done;
    expect(lines).toContain("still running after SIGKILL, giving up on: stuck.1");
    expect(db.received).toEqual(["SIGTERM"]);
  });

  it("a second Ctrl-C still SIGKILLs every stage at once", async () => {
    const { coordinator, send } = setup({ duplicateWindowMs: 100 });
    const worker = stubborn("worker.1", 501);
    const db = stubborn("db.1", 502);
    coordinator.add(worker);
    coordinator.add(db, { stage: 1 });
    const uninstall = coordinator.install();
    send("SIGINT", 1000);
    send("SIGINT", 2000);
    const result = await coordinator.done;
    expect(db.received).toEqual(["SIGKILL"]);
    expect(result.killed).toEqual(["worker.1", "db.1"]);
    uninstall();
  });

  it("keeps the classic shutdown when every process has the defaults", async () => {
    const { coordinator, lines } = setup({ timeoutMs: 5000 });
    coordinator.add(new FakeProcess("web.1", 601), {
      stopSignal: "SIGTERM",
      stopTimeoutMs: 5000,
      stage: 0,
    });
    await coordinator.shutdown({ kind: "exit", processName: "web.1", exitCode: 0 });
    expect(lines).toEqual(["sending SIGTERM to all processes"]);
  });

  it("calls onShutdown once, before any signal is sent", async () => {
    const calls: string[] = [];
    const web = new FakeProcess("web.1", 701);
    const { coordinator, send } = setup({
      onShutdown: (reason) => calls.push(`${reason.kind} ${web.received.length}`),
    });
    coordinator.add(web);
    const uninstall = coordinator.install();
    send("SIGINT");
    await coordinator.done;
    void coordinator.shutdown({ kind: "error" });
    expect(calls).toEqual(["signal 0"]);
    uninstall();
  });

  it.each([[{ stopTimeoutMs: -1 }], [{ stage: 1.5 }], [{ stage: -1 }]])("refuses %j", (options) => {
    const { coordinator } = setup();
    expect(() => coordinator.add(new FakeProcess("x.1", 801), options)).toThrow(
      expect.objectContaining({ code: "SIGNAL_INVALID_OPTION" }),
    );
  });
});
