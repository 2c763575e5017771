// The scenarios of issue 4. Each case runs one tool once, as whole processes, and returns
// { metrics: { key: number | null }, notes: string[] }. Timing starts just before spawn and uses
// process.hrtime; peak RSS and CPU come from GNU time (rusage at exit) around the tool.
import { spawn, spawnSync } from "node:child_process";
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { checkOutput, LINE_BYTES, writeDataFile } from "./integrity.mjs";
import {
  cleanup,
  descendants,
  isLive,
  kill,
  launch,
  managerPid,
  marked,
  nowMs,
  readStat,
  readTimeFile,
  sleep,
  warmMemory,
} from "./proc.mjs";

const CAP = Symbol("cap");
const EXITED = Symbol("exited");
const CLK_TCK = 100; // USER_HZ on Linux: /proc/<pid>/stat times are in these ticks
const UP = /(?:^|[\s|\]])up$/;
const READY = /(?:^|[\s|\]])ready$/;
const MB = 1e6;
const MIB = 1024 * 1024;

/** Races `promise` against a cap and against the run's exit; clears its timer either way. */
async function within(promise, ms, run) {
  let timer;
  const cap = new Promise((resolve) => {
    timer = setTimeout(() => resolve(CAP), ms);
  });
  const exited = run ? run.exited.then(() => EXITED) : new Promise(() => {});
  try {
    return await Promise.race([promise, cap, exited]);
  } finally {
    clearTimeout(timer);
  }
}

/** A note saying the run hit one of its caps; such a tool is not repeated in that scenario. */
function capNote(run, text) {
  run.notes.push(text);
  run.capped = true;
}

function startRun(tool, spec, ctx, stdout = "pipe") {
  const dir = mkdtempSync(join(ctx.tmp, `${tool.id}-`));
  const argv = tool.argv(spec, dir);
  const errPath = join(dir, "stderr");
  const errFd = openSync(errPath, "w");
  const run = launch(argv, {
    cwd: dir,
    env: ctx.env,
    stdout,
    stderr: errFd,
    timeFile: join(dir, "time"),
  });
  closeSync(errFd);
  run.dir = dir;
  run.errPath = errPath;
  run.notes = [];
  run.capped = false;
  return run;
}

/** Counts stdout lines matching `re`; `reached` resolves with the time the `target`th arrived. */
function countLines(run, re, target) {
  let resolveReached;
  const state = {
    count: 0,
    firstT: null,
    reached: new Promise((resolve) => {
      resolveReached = resolve;
    }),
  };
  let partial = "";
  run.child.stdout.setEncoding("utf8");
  run.child.stdout.on("data", (chunk) => {
    const t = nowMs();
    const lines = (partial + chunk).split("\n");
    partial = lines.pop();
    for (const line of lines) {
      if (!re.test(line)) continue;
      state.count++;
      if (state.firstT === null) state.firstT = t;
      if (state.count === target) resolveReached(t);
    }
  });
  return state;
}

function stderrTail(run) {
  try {
    const text = readFileSync(run.errPath, "utf8").trim();
    return text ? text.split("\n").slice(-2).join(" / ").slice(0, 200) : "";
  } catch {
    return "";
  }
}

/** Ends the run, records anything odd, removes its files; returns GNU time's figures. */
async function finish(run, { natural }) {
  // GNU time writes its figures only after the tool has exited: when the tool is gone, give it
  // a moment to do so before the sweep kills the whole group.
  if (run.exitT === null && run.managerPid && !isLive(run.managerPid, run.managerStart)) {
    await within(run.exited, 2000);
  }
  const exit = run.exitT !== null ? await run.exited : null;
  const left = await cleanup(run);
  if (natural && left > 0)
    run.notes.push(`${left} process(es) still running after the tool exited`);
  if (exit && exit.code !== 0 && exit.code !== null && natural) {
    const tail = stderrTail(run);
    run.notes.push(`exit code ${exit.code}${tail ? `: ${tail}` : ""}`);
  }
  const usage = readTimeFile(run.timeFile);
  rmSync(run.dir, { recursive: true, force: true });
  return usage;
}

/** Watches the manager and its descendants after a stop signal until all are gone (or cap). */
async function watchStop(run, mpid, kids, t0, capMs) {
  const mstat = readStat(mpid);
  const pending = new Map(kids.map((k) => [k.pid, k.starttime]));
  let exitT = null;
  let goneT = null;
  while (nowMs() - t0 < capMs) {
    if (exitT === null) {
      if (run.exitT !== null) exitT = run.exitT;
      else if (!isLive(mpid, mstat?.starttime)) exitT = nowMs();
    }
    for (const [pid, start] of pending) if (!isLive(pid, start)) pending.delete(pid);
    if (exitT !== null && pending.size === 0) {
      goneT = nowMs();
      break;
    }
    await sleep(1);
  }
  return {
    exitMs: exitT === null ? null : exitT - t0,
    goneMs: goneT === null ? null : goneT - t0,
    left: pending.size,
  };
}

/** Sends the tool's stop: SIGINT to a manager; for raw sh, SIGTERM to each of its children. */
function sendStop(tool, mpid, kids) {
  if (tool.id === "raw") {
    // A single command under `sh -c` has been exec'd: the "manager" is the process itself.
    const direct = kids.filter((k) => k.ppid === mpid);
    if (direct.length === 0) kill(mpid, "SIGTERM");
    for (const k of direct) kill(k.pid, "SIGTERM");
  } else {
    kill(mpid, "SIGINT");
  }
}

const MANAGERS = ["foreman", "ruby-foreman", "nf", "concurrently"];

// ---------------------------------------------------------------------------------------------

function startupCase() {
  return {
    id: "s1-startup",
    title: "1. startup + teardown (one `echo ready`)",
    tools: [...MANAGERS, "raw", "node", "node-floor"],
    repsKey: "repsCheap",
    metrics: [
      { key: "wallMs", label: "launch → exit", unit: "ms", better: "lower" },
      { key: "rssMb", label: "peak RSS", unit: "MB", better: "lower" },
      { key: "cpuS", label: "CPU", unit: "s", better: "lower" },
    ],
    primary: "wallMs",
    vsNode: ["wallMs", "rssMb"],
    async run(tool, ctx) {
      const spec = { procs: [{ name: "web", cmd: "echo ready" }] };
      const run = startRun(tool, spec, ctx);
      run.child.stdout.resume();
      const res = await within(run.exited, 10_000);
      const wallMs = res === CAP ? null : res.t - run.t0;
      if (res === CAP) capNote(run, "did not exit within 10 s");
      const usage = await finish(run, { natural: res !== CAP });
      return {
        metrics: { wallMs, rssMb: usage.rssMb, cpuS: usage.cpuS },
        notes: run.notes,
        capped: run.capped,
      };
    },
  };
}

function firstLineCase() {
  return {
    id: "s2-first-line",
    title: "2. first line of each of 4 processes on stdout",
    tools: [...MANAGERS, "raw", "cat", "node-floor"],
    repsKey: "repsCheap",
    metrics: [
      { key: "allMs", label: "launch → 4th first line", unit: "ms", better: "lower" },
      { key: "firstMs", label: "launch → 1st line", unit: "ms", better: "lower" },
    ],
    primary: "allMs",
    async run(tool, ctx) {
      const cmd = "echo ready; exec sleep 1000";
      const spec = { procs: ["a", "b", "c", "d"].map((name) => ({ name, cmd })) };
      const run = startRun(tool, spec, ctx);
      const lines = countLines(run, READY, 4);
      const t = await within(lines.reached, 10_000, run);
      if (typeof t !== "number") capNote(run, `only ${lines.count}/4 first lines arrived`);
      const metrics = {
        allMs: typeof t === "number" ? t - run.t0 : null,
        firstMs: lines.firstT === null ? null : lines.firstT - run.t0,
      };
      await finish(run, { natural: false });
      return { metrics, notes: run.notes, capped: run.capped };
    },
  };
}

// Data files are shared by every run of a mode; generated once, lazily.
function dataFiles(ctx, sources, bytesEach) {
  const key = `${sources}x${bytesEach}`;
  ctx.data ??= new Map();
  if (!ctx.data.has(key)) {
    const lines = Math.round(bytesEach / LINE_BYTES);
    const files = [];
    for (let src = 0; src < sources; src++) {
      const path = join(ctx.tmp, `data-${key}-${src}`);
      writeDataFile(path, src, lines);
      files.push({ src, path, lines });
    }
    ctx.data.set(key, files);
  }
  return ctx.data.get(key);
}

/**
 * Throughput with stdout to a file. The harness samples the file's size every millisecond; the
 * output is parsed afterwards to find where the first and last data lines end, and the samples
 * say when those bytes were there. With several processes each one, done writing, drops a marker
 * and sleeps, so that a manager that stops everything when one process exits (as foreman does)
 * cannot cut the others short; once all are done and the output has been still for 100 ms the
 * harness sends SIGINT. Raw and cat just run the cats.
 */
async function throughputRun(tool, ctx, files, capMs) {
  const barrier = files.length > 1 && tool.kind !== "baseline";
  const doneDir = mkdtempSync(join(ctx.tmp, "done-"));
  const spec = {
    procs: files.map((f) => ({
      name: `p${f.src}`,
      cmd: barrier ? `cat ${f.path}; : > ${doneDir}/p${f.src}; exec sleep 1000` : `cat ${f.path}`,
      rawCmd: `cat ${f.path}`,
    })),
  };
  // Last before the run, so that nothing frees much in between (see warmMemory).
  if (ctx.warmMemoryMib > 0) warmMemory(ctx.warmMemoryMib);
  const outDir = mkdtempSync(join(ctx.tmp, "out-"));
  const outPath = join(outDir, "out");
  // O_APPEND, as `>>` opens it: the 8 raw writers of fan-in then add to the end instead of
  // overwriting each other (cat would otherwise copy_file_range over a shared offset), and the
  // raw single copy goes through write() like every manager's does.
  const fd = openSync(outPath, "a");
  const run = startRun(tool, spec, ctx, fd);
  const samples = [];
  let lastSize = 0;
  let cpuTicks = null;
  let mpid = null;
  let allDoneT = null;
  let stillSince = nowMs();
  let signalled = false;
  let capped = false;
  let tick = 0;
  for (;;) {
    const t = nowMs();
    const size = fstatSync(fd).size;
    if (size !== lastSize) {
      samples.push([t, size]);
      lastSize = size;
      stillSince = t;
    }
    if (run.exitT !== null) break;
    if (mpid === null && tool.kind !== "baseline") mpid = await managerPid(run, 1000);
    if (mpid !== null) {
      const s = readStat(mpid);
      if (s && s.state !== "Z") cpuTicks = s.utimeTicks + s.stimeTicks;
    }
    if (barrier && !signalled) {
      if (allDoneT === null && tick % 5 === 0 && readdirSync(doneDir).length === files.length) {
        allDoneT = t;
      }
      if (allDoneT !== null && t - Math.max(allDoneT, stillSince) >= 100) {
        kill(mpid, "SIGINT");
        signalled = true;
      }
    }
    if (t - run.t0 > capMs) {
      capped = true;
      break;
    }
    tick++;
    await sleep(1);
  }
  if (!capped && signalled) await within(run.exited, 10_000);
  const endT = nowMs();
  if (capped) capNote(run, `capped at ${capMs / 1000} s`);
  const usage = await finish(run, { natural: !capped && !signalled });
  const finalSize = fstatSync(fd).size;
  closeSync(fd);
  if (finalSize !== lastSize) samples.push([endT, finalSize]);
  const buf = readFileSync(outPath);
  rmSync(outDir, { recursive: true, force: true });
  rmSync(doneDir, { recursive: true, force: true });
  const check = checkOutput(buf, {
    sources: files.length,
    linesPerSource: files[0].lines,
    prefixed: tool.kind !== "baseline",
    capped,
  });
  const when = (offset) => {
    for (const [t, size] of samples) if (size >= offset) return t;
    return endT;
  };
  const tFirst = check.firstDataEnd >= 0 ? when(check.firstDataEnd) : null;
  const tLast = check.lastDataEnd >= 0 ? when(check.lastDataEnd) : null;
  const goodMb = (check.good * LINE_BYTES) / MB;
  if (check.torn) run.notes.push(`${check.torn} torn/merged line(s)`);
  if (check.missing) run.notes.push(`${check.missing} line(s) missing`);
  if (check.outOfOrder) run.notes.push(`${check.outOfOrder} line(s) out of order`);
  if (check.badPrefix) run.notes.push(`${check.badPrefix} line(s) without the expected prefix`);
  if (check.notDelivered) run.notes.push(`${check.notDelivered} line(s) not delivered by the cap`);
  // No line at all within the cap is a hang, not a rate: no figure, and the note says so.
  if (tLast === null) run.notes.push("no data line arrived (hung)");
  return {
    metrics: {
      mbps: tLast !== null && tLast > run.t0 ? goodMb / ((tLast - run.t0) / 1000) : null,
      steadyMbps: tLast !== null && tLast - tFirst >= 1 ? goodMb / ((tLast - tFirst) / 1000) : null,
      lastLineMs: tLast === null ? null : tLast - run.t0,
      cpuS: cpuTicks === null ? null : cpuTicks / CLK_TCK,
      cpuTotalS: usage.cpuS,
      rssMb: usage.rssMb,
      torn: check.torn,
      intact: check.intact ? 1 : 0,
    },
    notes: run.notes,
    capped: run.capped,
    integrity: check,
  };
}

const THROUGHPUT_METRICS = [
  { key: "mbps", label: "MB/s, launch → last line", unit: "MB/s", better: "higher" },
  { key: "steadyMbps", label: "MB/s, first → last line", unit: "MB/s", better: "higher" },
  { key: "lastLineMs", label: "launch → last line", unit: "ms", better: "lower" },
  { key: "cpuS", label: "manager CPU (own)", unit: "s", better: "lower" },
  { key: "cpuTotalS", label: "CPU incl. reaped children", unit: "s", better: "lower" },
  { key: "rssMb", label: "peak RSS", unit: "MB", better: "lower" },
  { key: "torn", label: "torn/merged lines", unit: "lines", better: "lower", noRatio: true },
  {
    key: "intact",
    label: "runs fully intact",
    unit: "runs",
    better: "higher",
    count: true,
    noRatio: true,
  },
];

function throughputCase(cfg) {
  const mb = cfg.s3Bytes / MB;
  return {
    id: "s3-throughput",
    title: `3. throughput, 1 process writing ${mb} MB of 100-byte lines, stdout to a file`,
    tools: [...MANAGERS, "raw", "cat", "node-floor"],
    repsKey: "repsThroughput",
    metrics: THROUGHPUT_METRICS,
    primary: "mbps",
    async run(tool, ctx) {
      return throughputRun(tool, ctx, dataFiles(ctx, 1, cfg.s3Bytes), cfg.throughputCapMs);
    },
  };
}

function fanInCase(cfg) {
  const mb = cfg.s4BytesEach / MB;
  return {
    id: "s4-fan-in",
    title: `4. throughput fan-in, 8 processes writing ${mb} MB each, stdout to a file`,
    tools: [...MANAGERS, "raw", "cat", "node-floor"],
    repsKey: "repsThroughput",
    metrics: THROUGHPUT_METRICS,
    primary: "mbps",
    async run(tool, ctx) {
      return throughputRun(tool, ctx, dataFiles(ctx, 8, cfg.s4BytesEach), cfg.throughputCapMs);
    },
  };
}

/** Starts `count` copies of `cmd`, waits until each printed "up"; then stops or kills. */
async function upThen(tool, ctx, { count, cmd, timeoutS, upCapMs }, after) {
  const spec = { procs: [{ name: "web", cmd, count }], timeoutS };
  const run = startRun(tool, spec, ctx);
  const lines = countLines(run, UP, count);
  const t = await within(lines.reached, upCapMs, run);
  const upMs = typeof t === "number" ? t - run.t0 : null;
  if (upMs === null) {
    capNote(
      run,
      t === EXITED
        ? `exited with ${lines.count}/${count} up`
        : `only ${lines.count}/${count} up within ${upCapMs / 1000} s`,
    );
    const usage = await finish(run, { natural: false });
    return { upMs, usage, notes: run.notes, capped: run.capped };
  }
  const mpid = await managerPid(run);
  const kids = descendants(mpid);
  const extra = await after(run, mpid, kids);
  const usage = await finish(run, { natural: false });
  return { upMs, usage, notes: run.notes, capped: run.capped, ...extra };
}

const STOP_METRICS = [
  { key: "exitMs", label: "SIGINT → manager exit", unit: "ms", better: "lower" },
  { key: "goneMs", label: "SIGINT → nothing left", unit: "ms", better: "lower" },
  {
    key: "left",
    label: "processes left at the cap",
    unit: "procs",
    better: "lower",
    noRatio: true,
  },
];

function shutdownCase(cfg) {
  return {
    id: "s5-sigint-20",
    title: "5a. shutdown: SIGINT with 20 processes",
    tools: [...MANAGERS, "raw", "node-floor"],
    repsKey: "repsStop",
    metrics: [
      ...STOP_METRICS,
      { key: "upMs", label: "launch → 20 up", unit: "ms", better: "lower" },
    ],
    primary: "exitMs",
    async run(tool, ctx) {
      const r = await upThen(
        tool,
        ctx,
        { count: 20, cmd: "echo up; exec sleep 1000", upCapMs: cfg.upCapMs },
        stopAndWatch(tool, cfg.stopCapMs),
      );
      return {
        metrics: {
          exitMs: r.exitMs ?? null,
          goneMs: r.goneMs ?? null,
          left: r.left ?? null,
          upMs: r.upMs,
        },
        notes: r.notes,
        capped: r.capped,
      };
    },
  };
}

function stubbornCase(cfg) {
  return {
    id: "s5-stubborn",
    title: "5b. shutdown: 5 processes ignoring SIGTERM (and SIGINT), kill timeout 1 s",
    tools: [...MANAGERS],
    repsKey: "reps",
    metrics: STOP_METRICS,
    primary: "goneMs",
    async run(tool, ctx) {
      const r = await upThen(
        tool,
        ctx,
        {
          count: 5,
          cmd: "trap '' INT TERM; echo up; exec sleep 1000",
          timeoutS: 1,
          upCapMs: cfg.upCapMs,
        },
        stopAndWatch(tool, cfg.stubbornCapMs),
      );
      return {
        metrics: { exitMs: r.exitMs ?? null, goneMs: r.goneMs ?? null, left: r.left ?? null },
        notes: r.notes,
        capped: r.capped,
      };
    },
  };
}

function kill9Case(cfg) {
  return {
    id: "s6-kill9",
    title: "6. `kill -9` of the manager with 5 children (a grandchild each)",
    tools: [...MANAGERS, "raw"],
    repsKey: "reps",
    metrics: [
      {
        key: "left",
        label: "processes alive 2 s later",
        unit: "procs",
        better: "lower",
        noRatio: true,
      },
      {
        key: "before",
        label: "processes under the manager",
        unit: "procs",
        better: "lower",
        noRatio: true,
      },
    ],
    primary: "left",
    async run(tool, ctx) {
      const r = await upThen(
        tool,
        ctx,
        { count: 5, cmd: "sleep 1000 & echo up; wait", upCapMs: cfg.upCapMs },
        async (run, mpid, kids) => {
          kill(mpid, "SIGKILL");
          await sleep(2000);
          const alive = new Map();
          for (const k of kids) if (isLive(k.pid, k.starttime)) alive.set(k.pid, k.comm);
          for (const s of marked(run.token, run.wrapperPid)) {
            if (s.pid !== run.wrapperPid && s.pid !== mpid) alive.set(s.pid, s.comm);
          }
          if (alive.size > 0) {
            const byComm = {};
            for (const comm of alive.values()) byComm[comm] = (byComm[comm] ?? 0) + 1;
            run.notes.push(
              `alive: ${Object.entries(byComm)
                .map(([c, n]) => `${c}×${n}`)
                .join(", ")}`,
            );
          }
          return { left: alive.size, before: kids.length };
        },
      );
      return {
        metrics: { left: r.left ?? null, before: r.before ?? null },
        notes: r.notes,
        capped: r.capped,
      };
    },
  };
}

function scaleCase(cfg, n) {
  return {
    id: `s7-scale-${n}`,
    title: `7. scale: ${n} process${n === 1 ? "" : "es"} (\`-m web=${n}\`)`,
    tools: [...MANAGERS, "raw", "node-floor"],
    repsKey: "reps",
    metrics: [
      { key: "upMs", label: `launch → all ${n} running`, unit: "ms", better: "lower" },
      { key: "rssMb", label: "manager peak RSS", unit: "MB", better: "lower" },
      { key: "exitMs", label: "SIGINT → manager exit", unit: "ms", better: "lower" },
      { key: "goneMs", label: "SIGINT → nothing left", unit: "ms", better: "lower" },
    ],
    primary: "upMs",
    vsNode: ["rssMb"],
    async run(tool, ctx) {
      const r = await upThen(
        tool,
        ctx,
        { count: n, cmd: "echo up; exec sleep 1000", upCapMs: cfg.upCapMs },
        stopAndWatch(tool, cfg.stopCapMs),
      );
      return {
        metrics: {
          upMs: r.upMs,
          rssMb: r.usage.rssMb,
          exitMs: r.exitMs ?? null,
          goneMs: r.goneMs ?? null,
        },
        notes: r.notes,
        capped: r.capped,
      };
    },
  };
}

function chunkFile(ctx, bytes) {
  ctx.chunks ??= new Map();
  if (!ctx.chunks.has(bytes)) {
    const path = join(ctx.tmp, `chunk-${bytes}`);
    writeFileSync(path, Buffer.alloc(bytes, "x"));
    ctx.chunks.set(bytes, path);
  }
  return ctx.chunks.get(bytes);
}

/**
 * A child writes `bytes` of 'x' with no newline (a 32 MiB file cat'ed in a loop); the manager's
 * stdout is a FIFO drained by slow-reader.mjs at a fixed rate. Peak RSS of the manager is what
 * counts; the run is capped so a slow manager cannot hold the benchmark up.
 */
function boundedMemoryCase(cfg) {
  const chunk = Math.min(32 * MIB, cfg.s8Bytes);
  const loops = Math.max(1, Math.round(cfg.s8Bytes / chunk));
  const total = chunk * loops;
  const rate = cfg.readerBytesPerMs;
  return {
    id: "s8-no-newline",
    headline: `${total >= 1024 * MIB ? `${total / 1024 / MIB} GiB` : `${total / MIB} MiB`} without a newline, slow reader`,
    title: `8. bounded memory: ${total / MIB} MiB without a newline, reader taking ≤ ${rate / 1024} KiB/ms`,
    tools: [...MANAGERS, "cat"],
    repsKey: "reps",
    metrics: [
      { key: "rssMb", label: "manager peak RSS", unit: "MB", better: "lower" },
      { key: "deliveredMb", label: "delivered to the reader", unit: "MB", better: "higher" },
      { key: "wallMs", label: "launch → exit", unit: "ms", better: "lower" },
    ],
    primary: "rssMb",
    vsNode: ["rssMb"],
    async run(tool, ctx) {
      const path = chunkFile(ctx, chunk);
      const cmd = `i=0; while [ $i -lt ${loops} ]; do cat ${path}; i=$((i+1)); done`;
      const spec = { procs: [{ name: "big", cmd }] };
      const fifoDir = mkdtempSync(join(ctx.tmp, "fifo-"));
      const fifo = join(fifoDir, "fifo");
      spawnSync("mkfifo", [fifo]);
      // The harness holds the FIFO open read-write while the reader starts, so neither side's
      // open blocks; once the reader is in, the tool gets a plain write-only end.
      const holdFd = openSync(fifo, "r+");
      const reader = spawn(process.execPath, [ctx.readerScript, fifo, String(rate)], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let readerOut = "";
      reader.stdout.on("data", (d) => {
        readerOut += d;
      });
      const readerDone = new Promise((resolve) => reader.on("exit", resolve));
      // The reader's open succeeds at once (we hold a writer); wait until it holds the FIFO.
      const deadline = nowMs() + 5000;
      while (nowMs() < deadline && !fifoHeldBy(reader.pid, fifo)) await sleep(2);
      const writeFd = openSync(fifo, "w");
      closeSync(holdFd);
      const run = startRun(tool, spec, ctx, writeFd);
      closeSync(writeFd);
      const res = await within(run.exited, cfg.s8CapMs);
      const wallMs = res === CAP ? null : res.t - run.t0;
      if (res === CAP) capNote(run, `capped at ${cfg.s8CapMs / 1000} s`);
      const usage = await finish(run, { natural: res !== CAP });
      if ((await within(readerDone, 5000)) === CAP) reader.kill("SIGKILL");
      let deliveredMb = null;
      try {
        deliveredMb = JSON.parse(readerOut).bytes / MB;
      } catch {}
      if (res !== CAP && deliveredMb !== null && deliveredMb * MB < total) {
        run.notes.push(
          `exited with ${((total - deliveredMb * MB) / MB).toFixed(0)} MB never delivered`,
        );
      }
      rmSync(fifoDir, { recursive: true, force: true });
      return {
        metrics: { rssMb: usage.rssMb, deliveredMb, wallMs },
        notes: run.notes,
        capped: run.capped,
      };
    },
  };
}

function fifoHeldBy(pid, fifo) {
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) === fifo) return true;
    } catch {}
  }
  return false;
}

/** The cases of a mode, in the order they run and are reported. */

/** The `then` step of a shutdown scenario: ask the tool to stop, time its exit and its children's. */
function stopAndWatch(tool, capMs) {
  return async (run, mpid, kids) => {
    const t0 = nowMs();
    sendStop(tool, mpid, kids);
    const stop = await watchStop(run, mpid, kids, t0, capMs);
    if (stop.exitMs === null) capNote(run, `did not exit within ${capMs / 1000} s`);
    return stop;
  };
}

export function buildCases(cfg) {
  return [
    startupCase(cfg),
    firstLineCase(cfg),
    throughputCase(cfg),
    fanInCase(cfg),
    shutdownCase(cfg),
    stubbornCase(cfg),
    kill9Case(cfg),
    ...cfg.scaleSizes.map((n) => scaleCase(cfg, n)),
    boundedMemoryCase(cfg),
  ];
}
