import { describe, expect, it } from "vitest";
import { GroupWatcher, type GroupWatcherDeps } from "./_group-watcher.js";

/** A fake kernel: groups listed in `present` exist; those in `zombieOnly` hold only zombies. */
function fakeDeps(): GroupWatcherDeps & {
  present: Set<number>;
  zombieOnly: Set<number>;
  scans: number;
} {
  const deps = {
    present: new Set<number>(),
    zombieOnly: new Set<number>(),
    scans: 0,
    isPresent: (pgid: number) => deps.present.has(pgid),
    findZombieOnlyGroups: async (pgids: ReadonlySet<number>) => {
      deps.scans += 1;
      return new Set([...pgids].filter((pgid) => deps.zombieOnly.has(pgid)));
    },
    now: Date.now,
  };
  return deps;
}

const fastTiming = { fastPollMs: 1, slowPollMs: 5, youngMs: 1000, urgentScanMs: 1, idleScanMs: 5 };

function goneSignal(): { promise: Promise<void>; onGone: () => void; calls: () => number } {
  let calls = 0;
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    promise,
    onGone: () => {
      calls += 1;
      resolve();
    },
    calls: () => calls,
  };
}

describe("GroupWatcher", () => {
  it("calls onGone once when the group disappears, then stops watching it", async () => {
    const deps = fakeDeps();
    deps.present.add(10);
    const watcher = new GroupWatcher(deps, fastTiming);
    const gone = goneSignal();
    watcher.watch(10, gone.onGone, true);
    expect(watcher.size).toBe(1);
    deps.present.delete(10);
    await gone.promise;
    expect(gone.calls()).toBe(1);
    expect(watcher.size).toBe(0);
  });

  it("treats a group left with only zombies as gone after one (self-confirming) scan", async () => {
    const deps = fakeDeps();
    deps.present.add(20);
    deps.zombieOnly.add(20);
    const watcher = new GroupWatcher(deps, fastTiming);
    const gone = goneSignal();
    watcher.watch(20, gone.onGone, true);
    await gone.promise;
    expect(deps.scans).toBe(1);
    expect(deps.present.has(20)).toBe(true);
  });

  it("waits for as many agreeing scans as zombieConfirmations asks", async () => {
    const deps = fakeDeps();
    deps.present.add(21);
    deps.zombieOnly.add(21);
    const watcher = new GroupWatcher(deps, { ...fastTiming, zombieConfirmations: 3 });
    const gone = goneSignal();
    watcher.watch(21, gone.onGone, true);
    await gone.promise;
    expect(deps.scans).toBe(3);
  });

  it("watches several groups and reports each as it goes", async () => {
    const deps = fakeDeps();
    for (const pgid of [1, 2, 3]) deps.present.add(pgid);
    const watcher = new GroupWatcher(deps, fastTiming);
    const signals = [1, 2, 3].map((pgid) => {
      const gone = goneSignal();
      watcher.watch(pgid, gone.onGone, false);
      return gone;
    });
    deps.present.delete(2);
    await signals[1]?.promise;
    expect(signals.map((gone) => gone.calls())).toEqual([0, 1, 0]);
    deps.present.clear();
    await Promise.all(signals.map((gone) => gone.promise));
    expect(watcher.size).toBe(0);
  });

  it("never calls onGone after cancel()", async () => {
    const deps = fakeDeps();
    deps.present.add(30).add(31);
    const watcher = new GroupWatcher(deps, fastTiming);
    const cancelled = goneSignal();
    const other = goneSignal();
    watcher.watch(30, cancelled.onGone, true).cancel();
    watcher.watch(31, other.onGone, true);
    deps.present.clear();
    await other.promise; // the watcher has ticked since the cancel
    expect(cancelled.calls()).toBe(0);
  });

  it("stops scanning /proc once it has found there is none", async () => {
    const deps = fakeDeps();
    let firstScan!: () => void;
    const scanned = new Promise<void>((resolve) => {
      firstScan = resolve;
    });
    deps.findZombieOnlyGroups = async () => {
      deps.scans += 1;
      firstScan();
      return undefined;
    };
    deps.present.add(40).add(41);
    const watcher = new GroupWatcher(deps, fastTiming);
    const first = goneSignal();
    const second = goneSignal();
    watcher.watch(40, first.onGone, true);
    watcher.watch(41, second.onGone, true);
    await scanned;
    // Each of these takes another tick, and each tick would scan again if it were allowed to.
    deps.present.delete(41);
    await second.promise;
    deps.present.delete(40);
    await first.promise;
    expect(deps.scans).toBe(1);
  });
});
