#!/usr/bin/env node
// `pnpm bench`: the scenarios of issue 4, ours beside the peers and the baselines, as whole
// processes. Plain Node ESM with no dependencies, so it runs without a build step.
//
//   node bench/run.mjs                full run → bench/RESULTS.md, results.json, HEADLINE.md
//   node bench/run.mjs --quick        reduced sizes and repetitions (< 1 min) → bench/results/tmp/
//   node bench/run.mjs --self-check   each scenario once at tiny sizes + checks of the harness
// Options: --only=ID[,ID] (case ids or prefixes, e.g. s3,s7), --tools=ID[,ID], --reps=N,
//          --out=DIR, --peers (quick mode runs only ours and the baselines unless given),
//          --render=FILE.json (re-render the Markdown from a results.json; runs nothing),
//          --compare=BIN (another build's bin/foreman.js, run beside ours as "foreman-b"),
//          --no-warm-memory (do not warm memory before each throughput run; see proc.mjs).
// See bench/README.md.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join } from "node:path";
import { checkOutput, dataLine } from "./lib/integrity.mjs";
import { hasGnuTime, kill, marked, nowMs } from "./lib/proc.mjs";
import {
  evaluateTargets,
  renderHeadline,
  renderMarkdown,
  summarize,
  toJson,
} from "./lib/report.mjs";
import { buildCases } from "./lib/scenarios.mjs";
import { BENCH_DIR, compareTool, detectTools } from "./lib/tools.mjs";

const MIB = 1024 * 1024;

const MODES = {
  full: {
    reps: 5,
    // Scenarios whose target is a few milliseconds wide get more runs, so that one slow patch of
    // the shared machine cannot decide "met" or "not met": startup (1.2 × ~70 ms) and SIGINT → exit.
    repsCheap: 20,
    repsStop: 10,
    // Throughput swings most (the kernel's page-cache work varies 2–3× from one run to the next
    // on this machine, for every tool), so its medians get 10 runs too.
    repsThroughput: 10,
    s3Bytes: 200e6,
    s4BytesEach: 25e6,
    warmMemoryMib: 400,
    throughputCapMs: 10_000,
    scaleSizes: [1, 10, 100, 500],
    s8Bytes: 1024 * MIB,
    s8CapMs: 15_000,
    readerBytesPerMs: 256 * 1024,
    upCapMs: 30_000,
    stopCapMs: 10_000,
    stubbornCapMs: 5_000,
  },
  quick: {
    reps: 3,
    repsCheap: 5,
    repsStop: 3,
    repsThroughput: 3,
    s3Bytes: 20e6,
    s4BytesEach: 2.5e6,
    warmMemoryMib: 64,
    throughputCapMs: 3_000,
    scaleSizes: [1, 10, 100],
    s8Bytes: 96 * MIB,
    s8CapMs: 3_000,
    readerBytesPerMs: 256 * 1024,
    upCapMs: 10_000,
    stopCapMs: 5_000,
    stubbornCapMs: 4_000,
  },
  "self-check": {
    reps: 1,
    repsCheap: 1,
    repsStop: 1,
    repsThroughput: 1,
    s3Bytes: 1e6,
    s4BytesEach: 1e5,
    warmMemoryMib: 8,
    throughputCapMs: 5_000,
    scaleSizes: [1, 5],
    s8Bytes: 4 * MIB,
    s8CapMs: 5_000,
    readerBytesPerMs: 256 * 1024,
    upCapMs: 10_000,
    stopCapMs: 5_000,
    stubbornCapMs: 4_000,
  },
};

function parseArgs(argv) {
  const opts = {
    mode: "full",
    only: null,
    tools: null,
    reps: null,
    out: null,
    peers: false,
    render: null,
    compare: null,
    warmMemory: true,
  };
  for (const arg of argv) {
    const [key, value] = arg.split("=", 2);
    if (key === "--quick") opts.mode = "quick";
    else if (key === "--self-check") opts.mode = "self-check";
    else if (key === "--peers") opts.peers = true;
    else if (key === "--render") opts.render = value;
    else if (key === "--only") opts.only = value.split(",");
    else if (key === "--tools") opts.tools = value.split(",");
    else if (key === "--reps") opts.reps = Number(value);
    else if (key === "--out") opts.out = value;
    else if (key === "--compare") opts.compare = value;
    else if (key === "--no-warm-memory") opts.warmMemory = false;
    else if (key === "--help" || key === "-h") {
      console.log(
        readFileSync(new URL(import.meta.url), "utf8")
          .split("\n")
          .slice(1, 10)
          .join("\n"),
      );
      process.exit(0);
    } else {
      console.error(`bench: unknown option ${arg}`);
      process.exit(2);
    }
  }
  // The peers alone take minutes (Ruby foreman moves 6 MB/s); quick mode is for working on ours.
  if (opts.mode === "quick" && !opts.tools && !opts.peers) {
    opts.tools = ["foreman", "raw", "cat", "node", "node-floor"];
    opts.toolsWhy = "not run (--quick; add --peers)";
  }
  if (opts.compare && opts.tools && !opts.tools.includes("foreman-b")) opts.tools.push("foreman-b");
  return opts;
}

function machine() {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "?";
  return {
    cpu: model,
    cores: os.cpus().length,
    memoryGb: Math.round(os.totalmem() / 1e9),
    kernel: os.release(),
    // Read by every Node process at startup, before any script: it moves every Node figure.
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ?? null,
    // Free memory handed back to the host (see warmMemory in lib/proc.mjs); null where absent.
    pageReportingOrder: readText("/sys/module/page_reporting/parameters/page_reporting_order"),
  };
}

function readText(path) {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

function load() {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
}

/**
 * The environment every tool runs with. `runtimeDir` becomes XDG_RUNTIME_DIR, where our foreman
 * keeps its control socket: the harness SIGKILLs a run's processes (the watchdog too, which
 * carries the run's token), and what that leaves then goes with the benchmark's own temporary
 * directory instead of piling up in the user's.
 */
function toolEnv(runtimeDir) {
  const env = { ...process.env, NO_COLOR: "1", XDG_RUNTIME_DIR: runtimeDir };
  delete env.FORCE_COLOR;
  delete env.BENCH_RUN;
  return env;
}

/**
 * One line per kind of note, with how many runs it applies to: notes that differ only in their
 * first number ("412 torn/merged line(s)", "438 torn/merged line(s)") merge into a range.
 */
function mergeNotes(runs) {
  const groups = new Map();
  for (const r of runs) {
    for (const note of r.notes) {
      const key = note.replace(/\d+(\.\d+)?/, "#");
      const number = /\d+(\.\d+)?/.exec(note)?.[0];
      const g = groups.get(key) ?? { note, count: 0, numbers: [] };
      g.count++;
      if (number !== undefined) g.numbers.push(Number(number));
      groups.set(key, g);
    }
  }
  return [...groups].map(([key, g]) => {
    const min = Math.min(...g.numbers);
    const max = Math.max(...g.numbers);
    const text = g.numbers.length > 0 && min !== max ? key.replace("#", `${min}–${max}`) : g.note;
    return runs.length > 1 ? `${text} (${g.count}/${runs.length})` : text;
  });
}

function brief(c, r) {
  const m = c.metrics.find((x) => x.key === c.primary);
  const v = r.metrics[c.primary];
  const value = typeof v === "number" ? `${v.toFixed(v >= 100 ? 0 : 2)} ${m.unit}` : "—";
  return `${value}${r.notes.length ? ` (${r.notes.join("; ")})` : ""}`;
}

async function runCases(cases, tools, cfg, opts, ctx) {
  const out = [];
  for (const c of cases) {
    const reps = opts.reps ?? cfg[c.repsKey];
    const entry = {
      id: c.id,
      title: c.title,
      headline: c.headline,
      primary: c.primary,
      vsNode: c.vsNode,
      reps,
      metrics: c.metrics,
      tools: {},
    };
    const runnable = [];
    for (const id of c.tools) {
      const tool = tools.find((t) => t.id === id);
      if (!tool.available) entry.tools[id] = { status: "missing", why: tool.why, runs: [] };
      else if (opts.tools && !opts.tools.includes(id)) {
        entry.tools[id] = { status: opts.toolsWhy ?? "not run (--tools)", runs: [] };
      } else {
        entry.tools[id] = { status: "ok", runs: [] };
        runnable.push(tool);
      }
    }
    const t0 = nowMs();
    if (c.repsKey === "repsCheap" && cfg.warmup !== false) {
      for (const tool of runnable) await c.run(tool, ctx).catch(() => {});
    }
    const capsHit = new Map();
    for (let rep = 0; rep < reps; rep++) {
      // Interleaved and rotated, so a slow patch of the shared machine hits every tool alike; and
      // every other repetition in reverse, so that no tool always runs right after the same one.
      // A run is slowed by what the one before left (200 MB of page cache to free, say): with
      // one direction only, two copies of the same build differed by 10–20 % in throughput.
      const rotated = runnable.map((_, i) => runnable[(i + rep) % runnable.length]);
      const order = rep % 2 === 1 ? rotated.reverse() : rotated;
      for (const tool of order) {
        // A tool that ran into a cap twice has its result (it is that slow, or never finishes);
        // repeating it would only spend the time budget. Twice, because a tool can also hang
        // by bad luck once (Ruby foreman sometimes deadlocks at start).
        if ((capsHit.get(tool.id) ?? 0) >= 2) continue;
        let r;
        try {
          r = await c.run(tool, ctx);
        } catch (error) {
          r = { metrics: {}, notes: [`harness error: ${error?.stack ?? error}`] };
        }
        entry.tools[tool.id].runs.push(r);
        if (r.capped) {
          capsHit.set(tool.id, (capsHit.get(tool.id) ?? 0) + 1);
          if (capsHit.get(tool.id) === 2 && rep < reps - 1)
            r.notes.push("second cap: not repeated");
        }
        console.error(`[${c.id}] ${rep + 1}/${reps} ${tool.id}: ${brief(c, r)}`);
      }
    }
    for (const t of Object.values(entry.tools)) {
      if (t.status !== "ok") continue;
      t.summary = {};
      for (const m of c.metrics) t.summary[m.key] = summarize(t.runs.map((r) => r.metrics[m.key]));
      t.notes = mergeNotes(t.runs);
      for (const r of t.runs) delete r.integrity;
    }
    console.error(`[${c.id}] done in ${((nowMs() - t0) / 1000).toFixed(1)} s`);
    out.push(entry);
  }
  return out;
}

/** The harness's own checks: the integrity checker must catch what it exists to catch. */
function checkTheChecker(dir) {
  const failures = [];
  const line = dataLine;
  const prefixes = ["17:25:04 p0.1   | ", "5:25:08 PM p0.1 |  ", "[0] ", "p0.1 | "];
  const file = join(dir, "crafted");
  const check = (name, text, opts, expect) => {
    writeFileSync(file, text);
    const r = checkOutput(readFileSync(file), opts);
    for (const [k, v] of Object.entries(expect)) {
      if (r[k] !== v) failures.push(`checker/${name}: ${k} = ${r[k]}, expected ${v}`);
    }
  };
  const opts = { sources: 1, linesPerSource: 4, prefixed: true };
  for (const p of prefixes) {
    const good = [0, 1, 2, 3].map((i) => p + line(0, i)).join("");
    const status = `${p.replace(/p0\.1/, "system")}started with pid 42\n`;
    check(`good ${JSON.stringify(p)}`, status + good, opts, { intact: true, good: 4, torn: 0 });
    const whole = p + line(0, 1);
    const cut = 40;
    const tornText =
      p +
      line(0, 0) +
      whole.slice(0, cut) +
      "\n" +
      p +
      whole.slice(cut) +
      p +
      line(0, 2) +
      p +
      line(0, 3);
    check(`torn ${JSON.stringify(p)}`, tornText, opts, { intact: false, torn: 2 });
  }
  const p = prefixes[0];
  const merged = p + line(0, 0) + p + line(0, 1).slice(0, -1) + line(0, 2) + p + line(0, 3);
  check("merged", merged, opts, { intact: false, torn: 1 });
  check("missing", [0, 1, 3].map((i) => p + line(0, i)).join(""), opts, {
    intact: false,
    missing: 1,
  });
  check("out of order", [0, 2, 1, 3].map((i) => p + line(0, i)).join(""), opts, {
    intact: false,
    outOfOrder: 1,
  });
  check("unprefixed", p + line(0, 0) + line(0, 1) + p + line(0, 2) + p + line(0, 3), opts, {
    intact: false,
    badPrefix: 1,
  });
  check(
    "truncated tail",
    [0, 1, 2].map((i) => p + line(0, i)).join("") + p + line(0, 3).slice(0, 50),
    opts,
    {
      intact: false,
      torn: 1,
    },
  );
  check(
    "raw good",
    [0, 1, 2, 3].map((i) => line(0, i)).join(""),
    { ...opts, prefixed: false },
    {
      intact: true,
    },
  );
  const two = { sources: 2, linesPerSource: 2, prefixed: true };
  const interleaved = p + line(1, 0) + p + line(0, 0) + p + line(0, 1) + p + line(1, 1);
  check("two sources interleaved", interleaved, two, { intact: true, good: 4 });
  // Source 0's head glued to source 1's tail at the same offset has the shape of a whole line.
  const glued = line(0, 1).slice(0, 8) + line(1, 0).slice(8);
  const gluedText = p + line(0, 0) + p + glued + p + line(1, 1);
  check("two sources glued mid-line", gluedText, two, { intact: false, torn: 1 });
  return failures;
}

function selfCheckRuns(results) {
  const failures = [];
  const get = (caseId, toolId) => results.find((c) => c.id === caseId)?.tools[toolId];
  for (const c of results) {
    for (const [id, t] of Object.entries(c.tools)) {
      for (const r of t.runs) {
        for (const n of r.notes) {
          if (n.startsWith("harness error")) failures.push(`${c.id}/${id}: ${n}`);
        }
      }
    }
  }
  const expectValue = (caseId, toolId, key, pred, what) => {
    const t = get(caseId, toolId);
    if (!t) return;
    const v = t.runs[0]?.metrics[key];
    if (!pred(v)) failures.push(`${caseId}/${toolId}: ${key} = ${v}, expected ${what}`);
  };
  // The baselines are known quantities: they check the harness, not the product.
  expectValue("s1-startup", "node", "wallMs", (v) => v > 0, "> 0");
  expectValue("s1-startup", "node", "rssMb", (v) => !hasGnuTime || v > 5, "> 5 MB (GNU time)");
  expectValue("s2-first-line", "raw", "allMs", (v) => v > 0, "> 0");
  expectValue("s3-throughput", "raw", "intact", (v) => v === 1, "an intact raw copy");
  expectValue("s3-throughput", "cat", "intact", (v) => v === 1, "an intact copy through cat");
  expectValue("s5-sigint-20", "raw", "left", (v) => v === 0, "0 (raw children killed)");
  // Killing plain sh leaves its 5 subshells and 5 sleeps: the leftover detector must see them.
  expectValue("s6-kill9", "raw", "left", (v) => v === 10, "10 orphans of raw sh found");
  expectValue("s7-scale-5", "raw", "upMs", (v) => v > 0, "all 5 up");
  expectValue(
    "s8-no-newline",
    "cat",
    "deliveredMb",
    (v) => Math.abs(v - (4 * MIB) / 1e6) < 1e-9,
    "4 MiB delivered",
  );
  return failures;
}

function writeOutputs(results, outDir) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "RESULTS.md"), renderMarkdown(results));
  writeFileSync(join(outDir, "results.json"), `${toJson(results)}\n`);
  writeFileSync(join(outDir, "HEADLINE.md"), renderHeadline(results));
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    // Re-render the Markdown (and the targets) from a results.json, without running anything.
    const results = JSON.parse(readFileSync(opts.render, "utf8"));
    results.targets = evaluateTargets(results);
    writeOutputs(results, opts.out ?? dirname(opts.render));
    process.stdout.write(renderHeadline(results));
    return;
  }
  const cfg = MODES[opts.mode];
  const started = nowMs();
  const tmp = mkdtempSync(join(os.tmpdir(), "foreman-bench-"));
  const runtimeDir = join(tmp, "run");
  mkdirSync(runtimeDir, { mode: 0o700 });
  const ctx = {
    tmp,
    env: toolEnv(runtimeDir),
    readerScript: join(BENCH_DIR, "lib/slow-reader.mjs"),
    warmMemoryMib: opts.warmMemory ? cfg.warmMemoryMib : 0,
  };
  const stop = () => {
    for (const s of marked(`${process.pid}-`, 1, { prefix: true })) kill(s.pid, "SIGKILL");
    rmSync(tmp, { recursive: true, force: true });
    process.exit(130);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const tools = detectTools();
  if (opts.compare) tools.push(compareTool(opts.compare));
  for (const t of tools) {
    console.error(`tool ${t.id}: ${t.available ? t.version : `MISSING (${t.why})`}`);
  }
  if (!hasGnuTime)
    console.error("bench: /usr/bin/time missing: no RSS/CPU (pnpm bench:peers installs it)");
  let cases = buildCases(cfg);
  if (opts.compare) {
    // The other build runs wherever ours does, right after it in the interleaving.
    for (const c of cases) {
      const at = c.tools.indexOf("foreman");
      if (at >= 0) c.tools.splice(at + 1, 0, "foreman-b");
    }
  }
  if (opts.only) cases = cases.filter((c) => opts.only.some((o) => c.id.startsWith(o)));
  const loadStart = load();

  let failures = [];
  if (opts.mode === "self-check") {
    failures = checkTheChecker(tmp);
    for (const f of failures) console.error(`FAIL ${f}`);
    console.error(`checker: ${failures.length === 0 ? "ok" : `${failures.length} failure(s)`}`);
  }

  const caseResults = await runCases(cases, tools, cfg, opts, ctx);
  rmSync(tmp, { recursive: true, force: true });
  const leaked = marked(`${process.pid}-`, 1, { prefix: true });
  for (const s of leaked) kill(s.pid, "SIGKILL");

  const results = {
    meta: {
      command: `node bench/run.mjs${process.argv.length > 2 ? ` ${process.argv.slice(2).join(" ")}` : ""}`,
      date: new Date().toISOString(),
      mode: opts.mode,
      runtimeS: (nowMs() - started) / 1000,
      machine: machine(),
      node: process.version,
      gnuTime: hasGnuTime,
      loadStart,
      loadEnd: load(),
      reps:
        opts.reps !== null
          ? `${opts.reps} per tool`
          : `${cfg.reps} per tool (${cfg.repsThroughput} for scenarios 3–4, ${cfg.repsStop} for scenario 5a, ${cfg.repsCheap} for scenarios 1–2 after one warm-up run)`,
      config: { ...cfg, warmMemoryMib: ctx.warmMemoryMib },
    },
    tools: tools.map(({ id, label, kind, available, why, version, invocation }) => ({
      id,
      label,
      kind,
      available,
      why,
      version,
      invocation,
    })),
    cases: caseResults,
  };
  results.targets = evaluateTargets(results);

  const outDir =
    opts.out ??
    (opts.mode === "full" && !opts.only && !opts.tools && opts.reps === null && !opts.compare
      ? BENCH_DIR
      : join(BENCH_DIR, "results/tmp", opts.mode));
  writeOutputs(results, outDir);
  process.stdout.write(renderHeadline(results));
  console.error(
    `wrote ${outDir}/{RESULTS.md,results.json,HEADLINE.md} in ${results.meta.runtimeS.toFixed(0)} s`,
  );

  if (leaked.length > 0) failures.push(`${leaked.length} process(es) leaked past the runs`);
  if (opts.mode === "self-check") {
    failures.push(...selfCheckRuns(caseResults));
    for (const f of failures) console.error(`FAIL ${f}`);
    console.error(`self-check: ${failures.length === 0 ? "ok" : `${failures.length} failure(s)`}`);
    process.exit(failures.length === 0 ? 0 : 1);
  }
}

await main();
