import { isGroupPresent } from "./_group.js";
import { findZombieOnlyGroups } from "./_proc.js";

/** A group being waited on. */
export interface GroupWatch {
  /** Urgent while a stop() waits on it: poll fast and keep the event loop alive. */
  setUrgent(urgent: boolean): void;
  cancel(): void;
}

export interface GroupWatcherDeps {
  /** False once the group has no members (kill(-pgid, 0) → ESRCH). */
  isPresent(pgid: number): boolean;
  /** See findZombieOnlyGroups; undefined means "cannot tell" (no /proc). */
  findZombieOnlyGroups(pgids: ReadonlySet<number>): Promise<Set<number> | undefined>;
  now(): number;
}

export interface GroupWatcherTiming {
  /**
   * First poll after a group starts being watched or waited on; each poll after it waits twice as
   * long, up to fastPollMs. Most groups empty within a millisecond or two of their leader.
   */
  firstPollMs: number;
  /** Poll interval while any watch is urgent or young (the cap of the doubling above). */
  fastPollMs: number;
  /** Poll interval for leftovers nobody is waiting on, so they cost little. */
  slowPollMs: number;
  /** A watch counts as young (polled fast) for this long. */
  youngMs: number;
  /** First spacing of /proc scans after a watch starts or turns urgent; it doubles from there. */
  firstScanMs: number;
  /** Minimum spacing of /proc scans while a stop() waits or a watch is young (the cap). */
  urgentScanMs: number;
  /** Minimum spacing of /proc scans otherwise (a leftover daemon nobody stops should cost little). */
  idleScanMs: number;
  /**
   * Consecutive scans that must agree a group is zombie-only. findZombieOnlyGroups already
   * confirms its answer with back-to-back scans (see there), so one is enough.
   */
  zombieConfirmations: number;
}

const DEFAULT_TIMING: GroupWatcherTiming = {
  firstPollMs: 1,
  fastPollMs: 20,
  slowPollMs: 250,
  youngMs: 1000,
  firstScanMs: 4,
  urgentScanMs: 100,
  idleScanMs: 2000,
  zombieConfirmations: 1,
};

interface Entry {
  pgid: number;
  onGone: () => void;
  urgent: boolean;
  addedAtMs: number;
  zombieScans: number;
}

/**
 * Polls process groups whose leader has exited until they are empty. One timer serves every
 * group, and it runs only while some group is being waited on: a running process costs no timer.
 * The timer is ref'd only while a stop() depends on it; a leftover group nobody stops must not
 * keep the program alive, but a pending stop() must not be abandoned by an exiting event loop.
 */
export class GroupWatcher {
  readonly #deps: GroupWatcherDeps;
  readonly #timing: GroupWatcherTiming;
  readonly #entries = new Set<Entry>();
  #timer: NodeJS.Timeout | undefined;
  #timerDueMs = Number.POSITIVE_INFINITY;
  #scanInFlight = false;
  #lastScanAtMs = Number.NEGATIVE_INFINITY;
  #lastScanCostMs = 0;
  // The current steps of the poll and scan back-off; reset when a group is added or turns urgent.
  #pollStepMs: number;
  #scanStepMs: number;
  #procUnavailable = false;

  constructor(deps: GroupWatcherDeps, timing: Partial<GroupWatcherTiming> = {}) {
    this.#deps = deps;
    this.#timing = { ...DEFAULT_TIMING, ...timing };
    this.#pollStepMs = this.#timing.firstPollMs;
    this.#scanStepMs = this.#timing.firstScanMs;
  }

  /** Number of groups being waited on (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }

  /** Call onGone once when the group is empty. The caller checks presence once before watching. */
  watch(pgid: number, onGone: () => void, urgent: boolean): GroupWatch {
    const entry: Entry = { pgid, onGone, urgent, addedAtMs: this.#deps.now(), zombieScans: 0 };
    this.#entries.add(entry);
    this.#restartBackOff();
    this.#schedule();
    return {
      setUrgent: (value: boolean) => {
        if (!this.#entries.has(entry) || entry.urgent === value) return;
        entry.urgent = value;
        if (value) this.#restartBackOff();
        this.#schedule();
      },
      cancel: () => {
        this.#entries.delete(entry);
        this.#schedule();
      },
    };
  }

  #restartBackOff(): void {
    this.#pollStepMs = this.#timing.firstPollMs;
    this.#scanStepMs = this.#timing.firstScanMs;
  }

  #anyUrgent(): boolean {
    for (const entry of this.#entries) if (entry.urgent) return true;
    return false;
  }

  /** Someone waits (a stop()), or a group just started to be watched and will likely empty soon. */
  #wantsFastPolling(): boolean {
    const now = this.#deps.now();
    for (const entry of this.#entries) {
      if (entry.urgent || now - entry.addedAtMs < this.#timing.youngMs) return true;
    }
    return false;
  }

  #schedule(): void {
    if (this.#entries.size === 0) {
      this.#clearTimer();
      return;
    }
    const delayMs = this.#wantsFastPolling()
      ? Math.min(this.#pollStepMs, this.#timing.fastPollMs)
      : this.#timing.slowPollMs;
    const dueMs = this.#deps.now() + delayMs;
    if (this.#timer === undefined || dueMs < this.#timerDueMs) {
      this.#clearTimer();
      this.#timerDueMs = dueMs;
      this.#timer = setTimeout(() => this.#tick(), dueMs - this.#deps.now());
    }
    if (this.#anyUrgent()) this.#timer.ref();
    else this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDueMs = Number.POSITIVE_INFINITY;
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerDueMs = Number.POSITIVE_INFINITY;
    this.#pollStepMs = Math.min(this.#pollStepMs * 2, this.#timing.fastPollMs);
    for (const entry of [...this.#entries]) {
      if (!this.#deps.isPresent(entry.pgid)) this.#finish(entry);
    }
    this.#maybeScan();
    this.#schedule();
  }

  #finish(entry: Entry): void {
    if (!this.#entries.delete(entry)) return;
    entry.onGone();
  }

  #maybeScan(): void {
    if (this.#procUnavailable || this.#scanInFlight || this.#entries.size === 0) return;
    // A scan reads every /proc/<pid>/stat on the machine and blocks while it does; however urgent,
    // scanning may take at most a fifth of the time.
    const spacingMs = Math.max(
      this.#wantsFastPolling()
        ? Math.min(this.#scanStepMs, this.#timing.urgentScanMs)
        : this.#timing.idleScanMs,
      4 * this.#lastScanCostMs,
    );
    const now = this.#deps.now();
    if (now - this.#lastScanAtMs < spacingMs) return;
    if (this.#lastScanAtMs !== Number.NEGATIVE_INFINITY) {
      this.#scanStepMs = Math.min(this.#scanStepMs * 2, this.#timing.urgentScanMs);
    }
    this.#lastScanAtMs = now;
    this.#scanInFlight = true;
    const scanned = [...this.#entries];
    const pgids = new Set(scanned.map((entry) => entry.pgid));
    const found = this.#deps.findZombieOnlyGroups(pgids);
    this.#lastScanCostMs = this.#deps.now() - now;
    found.then(
      (zombieOnly) => this.#afterScan(scanned, zombieOnly),
      () => this.#afterScan(scanned, undefined),
    );
  }

  #afterScan(scanned: Entry[], zombieOnly: Set<number> | undefined): void {
    this.#scanInFlight = false;
    if (zombieOnly === undefined) {
      this.#procUnavailable = true;
      return;
    }
    for (const entry of scanned) {
      if (!this.#entries.has(entry)) continue;
      entry.zombieScans = zombieOnly.has(entry.pgid) ? entry.zombieScans + 1 : 0;
      if (entry.zombieScans >= this.#timing.zombieConfirmations) this.#finish(entry);
    }
    this.#schedule();
  }
}

let shared: GroupWatcher | undefined;

/** The process-wide watcher, created on first use (nothing runs at import time). */
export function sharedGroupWatcher(): GroupWatcher {
  shared ??= new GroupWatcher({
    isPresent: (pgid) => isGroupPresent(pgid),
    findZombieOnlyGroups: (pgids) =>
      process.platform === "linux" ? findZombieOnlyGroups(pgids) : Promise.resolve(undefined),
    now: Date.now,
  });
  return shared;
}
