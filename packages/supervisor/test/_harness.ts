import { PassThrough } from "node:stream";
import {
  type ChildExit,
  createSupervisor,
  DEFAULT_POLICY,
  type InstanceInfo,
  type ProcessPolicy,
  type ShutdownRequest,
  type SupervisedChild,
  type Supervisor,
  type SupervisorClock,
  type SupervisorOptions,
} from "../src/index.js";

/** A child that exits when told to, or when stopped (then with 143, as SIGTERM would). */
export class FakeChild implements SupervisedChild {
  readonly stdout: PassThrough = new PassThrough();
  readonly stderr: PassThrough = new PassThrough();
  readonly exited: Promise<ChildExit>;
  /** What a launcher's `logged` would say: resolved by finishLog() (its exit line is out). */
  readonly logged: Promise<void>;
  readonly stops: Array<{ signal?: NodeJS.Signals; timeoutMs?: number }> = [];
  done = false;
  #resolve: (info: ChildExit) => void = () => {};
  #resolveLogged: () => void = () => {};

  constructor(
    readonly info: InstanceInfo,
    readonly pid: number,
  ) {
    this.exited = new Promise((resolve) => {
      this.#resolve = resolve;
    });
    this.logged = new Promise((resolve) => {
      this.#resolveLogged = resolve;
    });
  }

  finishLog(): void {
    this.#resolveLogged();
  }

  exit(code: number): void {
    if (this.done) return;
    this.done = true;
    this.#resolve({ code, exitCode: code, signal: null });
  }

  print(text: string): void {
    this.stdout.write(text);
  }

  stop(options: { signal?: NodeJS.Signals; timeoutMs?: number }): Promise<unknown> {
    this.stops.push(options);
    if (!this.done) {
      this.done = true;
      this.#resolve({ code: 143, exitCode: null, signal: options.signal ?? "SIGTERM" });
    }
    return this.exited;
  }
}

/** Timers that fire only when the test moves the clock. */
export class FakeClock implements SupervisorClock {
  #now = 0;
  #nextId = 1;
  #timers = new Map<number, { at: number; callback: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward, firing due timers in order, letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle(); // timers scheduled by callbacks already queued count too
    for (;;) {
      const due = [...this.#timers.entries()]
        .filter(([, t]) => t.at <= target)
        .sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].callback();
      await settle();
    }
    this.#now = target;
    await settle();
  }
}

/** Lets every queued promise callback run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface Harness {
  supervisor: Supervisor;
  clock: FakeClock;
  children: FakeChild[];
  /** The most recent child of an instance. */
  child(name: string): FakeChild;
  launches: string[];
  shutdowns: ShutdownRequest[];
  lines: string[];
}

export function harness(
  types: Array<[string, number]>,
  policies: Record<string, Partial<ProcessPolicy>> = {},
  extra: Partial<SupervisorOptions> = {},
  /** Launch children with a `logged` promise that the test resolves (FakeChild.finishLog). */
  { withLogged = false }: { withLogged?: boolean } = {},
): Harness {
  const clock = new FakeClock();
  const children: FakeChild[] = [];
  const launches: string[] = [];
  const shutdowns: ShutdownRequest[] = [];
  const lines: string[] = [];
  let pid = 1000;
  const full: Record<string, ProcessPolicy> = {};
  for (const [name] of types) full[name] = { ...DEFAULT_POLICY, ...policies[name] };
  const supervisor = createSupervisor({
    types: types.map(([name, count]) => ({ name, count })),
    policies: full,
    portFor: (type, index) => 5000 + 100 * types.findIndex(([n]) => n === type) + index - 1,
    launch: (info) => {
      const child = new FakeChild(info, pid++);
      children.push(child);
      launches.push(info.name);
      return withLogged ? { child, logged: child.logged } : { child };
    },
    requestShutdown: (request) => {
      shutdowns.push(request);
      supervisor.shutdown();
    },
    log: (name, message) => lines.push(`${name}: ${message}`),
    cwd: process.cwd(),
    clock,
    ...extra,
  });
  return {
    supervisor,
    clock,
    children,
    child: (name) => {
      const found = children.filter((c) => c.info.name === name).at(-1);
      if (found === undefined) throw new Error(`${name} was never launched`);
      return found;
    },
    launches,
    shutdowns,
    lines,
  };
}
