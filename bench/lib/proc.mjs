// Launching a tool as a whole process and finding everything it started, through /proc.
//
// Every run gets a token in its environment (BENCH_RUN); whatever the tool starts inherits it,
// so leftovers are found even after they were orphaned and reparented. PID 1 on these machines
// never reaps orphans: a process in state Z is dead for our purposes.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

const TIME_BIN = "/usr/bin/time";
export const hasGnuTime = existsSync(TIME_BIN);

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * Touches `mib` MiB of fresh memory in a child process that then exits, so that the next run gets
 * memory the host backs. Why: on these VMs the kernel hands free memory back to the host (free
 * page reporting, /sys/module/page_reporting), and the first touch of such memory costs the guest
 * a host fault per page, inside whatever touches it: for a throughput run, mostly the kernel's
 * copy of the output into the page cache. Whether a run met such memory depended on how long ago
 * the memory was freed (reporting follows a free by about 2 s), so the same tool's system CPU for
 * the same 200 MB varied 2–3 times over (README, "page reporting"). A machine without it (a
 * laptop, bare metal) behaves as after warmMemory.
 */
export function warmMemory(mib) {
  spawnSync(process.execPath, ["-e", `Buffer.allocUnsafeSlow(${mib} * 1024 * 1024).fill(1)`], {
    stdio: "ignore",
  });
}

/** { pid, comm, state, ppid, utimeTicks, stimeTicks, starttime } or null when gone. */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const f = text.slice(close + 2).split(" ");
  // Fields after comm start at field 3 (state): f[0]=state, f[1]=ppid, f[11]=utime, f[12]=stime,
  // f[19]=starttime.
  return {
    pid,
    comm,
    state: f[0],
    ppid: Number(f[1]),
    utimeTicks: Number(f[11]),
    stimeTicks: Number(f[12]),
    starttime: f[19],
  };
}

export function isLive(pid, starttime) {
  const s = readStat(pid);
  if (s === null || s.state === "Z" || s.state === "X") return false;
  return starttime === undefined || s.starttime === starttime;
}

/** Pids above `minPid` (pids only grow during a run, so a tool's processes are all above it). */
function pidsAbove(minPid) {
  const out = [];
  for (const name of readdirSync("/proc")) {
    const c = name.charCodeAt(0);
    if (c < 0x30 || c > 0x39) continue;
    const pid = Number(name);
    if (pid > minPid) out.push(pid);
  }
  return out;
}

/** Live descendants of `rootPid` (not including it), from one /proc scan. */
export function descendants(rootPid) {
  const byParent = new Map();
  const stats = new Map();
  for (const pid of pidsAbove(rootPid - 1)) {
    const s = readStat(pid);
    if (s === null) continue;
    stats.set(pid, s);
    const list = byParent.get(s.ppid);
    if (list) list.push(pid);
    else byParent.set(s.ppid, [pid]);
  }
  const out = [];
  const queue = [...(byParent.get(rootPid) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift();
    const s = stats.get(pid);
    if (s && s.state !== "Z" && s.state !== "X") out.push(s);
    queue.push(...(byParent.get(pid) ?? []));
  }
  return out;
}

/** Live processes whose environment carries this run's token (or, with `prefix`, any token
 * starting with it: every run of this harness starts with its pid). */
export function marked(token, minPid, { prefix = false } = {}) {
  const needle = Buffer.from(`BENCH_RUN=${token}${prefix ? "" : "\0"}`);
  const out = [];
  for (const pid of pidsAbove(minPid - 1)) {
    let env;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    if (env.indexOf(needle) === -1) continue;
    const s = readStat(pid);
    if (s && s.state !== "Z" && s.state !== "X") out.push(s);
  }
  return out;
}

let tokenCounter = 0;

/**
 * Starts `argv` detached (its own process group), under GNU time when present so that peak RSS
 * and CPU of the tool come from the kernel's rusage at exit.
 * @returns a Run: { wrapper, pid, token, t0, exited: Promise<{ t, code, signal }>, timeFile, ... }
 */
export function launch(argv, { cwd, env, stdout, stderr, timeFile }) {
  const token = `${process.pid}-${++tokenCounter}-${Date.now()}`;
  const fullEnv = { ...env, BENCH_RUN: token };
  const [cmd, ...args] =
    hasGnuTime && timeFile ? [TIME_BIN, "-o", timeFile, "-f", "%e %U %S %M", ...argv] : argv;
  const t0 = nowMs();
  const child = spawn(cmd, args, {
    cwd,
    env: fullEnv,
    detached: true,
    stdio: ["ignore", stdout, stderr],
  });
  const run = {
    child,
    wrapperPid: child.pid,
    usesTime: hasGnuTime && Boolean(timeFile),
    token,
    t0,
    timeFile,
    exitT: null,
    exited: null,
  };
  run.exited = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      run.exitT = nowMs();
      resolve({ t: run.exitT, code, signal });
    });
    child.on("error", (error) => {
      run.exitT = nowMs();
      resolve({ t: run.exitT, code: null, signal: null, error });
    });
  });
  return run;
}

/** The tool's own pid: the child of GNU time, or the spawned process itself. */
export async function managerPid(run, timeoutMs = 3000) {
  if (run.managerPid) return run.managerPid;
  if (!run.usesTime) {
    run.managerPid = run.wrapperPid;
    return run.managerPid;
  }
  const deadline = nowMs() + timeoutMs;
  while (nowMs() < deadline) {
    for (const pid of pidsAbove(run.wrapperPid)) {
      const s = readStat(pid);
      if (s && s.ppid === run.wrapperPid) {
        run.managerPid = pid;
        run.managerStart = s.starttime;
        return pid;
      }
    }
    if (run.exitT !== null) return null;
    await sleep(1);
  }
  return null;
}

/** Parses GNU time's "%e %U %S %M" line: { cpuS, rssMb } (nulls when unavailable). */
export function readTimeFile(path) {
  try {
    const lines = readFileSync(path, "utf8").trim().split("\n");
    const last = lines[lines.length - 1].trim().split(/\s+/).map(Number);
    if (last.length !== 4 || last.some(Number.isNaN)) return { cpuS: null, rssMb: null };
    return { cpuS: last[1] + last[2], rssMb: last[3] / 1024 };
  } catch {
    return { cpuS: null, rssMb: null };
  }
}

function killQuietly(pid, signal) {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

export { killQuietly as kill };

/**
 * Ends everything the run started: first every process carrying its token except GNU time (so
 * that time still reports the tool's rusage), then the process group, sweeping until nothing is
 * left (or 5 s). Returns how many were alive besides the wrapper when it began.
 */
export async function cleanup(run) {
  let first = -1;
  const deadline = nowMs() + 5000;
  for (let round = 0; ; round++) {
    const alive = marked(run.token, run.wrapperPid).filter(
      (s) => round > 0 || s.pid !== run.wrapperPid,
    );
    if (first < 0) first = alive.length;
    if (round === 0) {
      for (const s of alive) killQuietly(s.pid, "SIGKILL");
      await Promise.race([run.exited, sleep(1000)]);
      killQuietly(-run.wrapperPid, "SIGKILL");
      continue;
    }
    if (alive.length === 0) break;
    for (const s of alive) killQuietly(s.pid, "SIGKILL");
    if (nowMs() > deadline) {
      console.error(`bench: ${alive.length} process(es) of a run would not die`);
      break;
    }
    await sleep(10);
  }
  await Promise.race([run.exited, sleep(2000)]);
  return first;
}
