// Statistics, the targets of issue 4, and the three outputs: RESULTS.md, results.json and the
// short HEADLINE.md the README quotes.

export function summarize(values) {
  const xs = values
    .filter((v) => typeof v === "number" && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = Math.floor(xs.length / 2);
  const median = xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
  return {
    median,
    min: xs[0],
    max: xs[xs.length - 1],
    n: xs.length,
    sum: xs.reduce((a, b) => a + b, 0),
  };
}

function fmt(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (unit === "s") return abs >= 10 ? value.toFixed(1) : value.toFixed(2);
  if (unit === "procs" || unit === "lines" || unit === "runs") return String(Math.round(value));
  if (abs >= 100) return String(Math.round(value));
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function withUnit(value, unit, suffix) {
  const text = fmt(value, unit);
  return text === "—" ? text : `${text}${suffix}`;
}

function cell(summary, metric, runs) {
  if (!summary) return "—";
  if (metric.count) return `${Math.round(summary.sum)}/${runs}`;
  const partial = summary.n < runs ? ` [${summary.n}/${runs} runs]` : "";
  if (summary.min === summary.max) return `${fmt(summary.median, metric.unit)}${partial}`;
  return `${fmt(summary.median, metric.unit)} (${fmt(summary.min, metric.unit)}–${fmt(summary.max, metric.unit)})${partial}`;
}

/** "3.1× better" / "2.0× worse" for ours against `other`; null when a ratio means nothing. */
function versus(ours, other, better) {
  if (!Number.isFinite(ours) || !Number.isFinite(other) || ours <= 0 || other <= 0) return null;
  const factor = better === "lower" ? other / ours : ours / other;
  if (factor > 1 / 1.05 && factor < 1.05) return "≈ same";
  if (factor >= 1) return `${factor.toFixed(factor >= 10 ? 0 : 1)}× better`;
  const inv = 1 / factor;
  return `${inv.toFixed(inv >= 10 ? 0 : 1)}× worse`;
}

function cappedText(toolEntry) {
  return toolEntry.runs?.some((r) => r.capped) ? "it hit the cap" : "—";
}

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return "—";
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}×`;
}

function med(results, caseId, toolId, key) {
  const c = results.cases.find((x) => x.id === caseId);
  return c?.tools[toolId]?.summary?.[key]?.median ?? null;
}

function caseOf(results, caseId) {
  return results.cases.find((x) => x.id === caseId) ?? null;
}

const PEERS = ["ruby-foreman", "nf", "concurrently"];

function bestPeer(results, caseId, key, better) {
  let best = null;
  for (const id of PEERS) {
    const v = med(results, caseId, id, key);
    if (v === null) continue;
    if (!best || (better === "lower" ? v < best.value : v > best.value)) best = { id, value: v };
  }
  return best;
}

/** The targets of issue 4, judged on this run's medians. */
export function evaluateTargets(results) {
  const label = Object.fromEntries(results.tools.map((t) => [t.id, t.label]));
  const out = [];
  const add = (row) => out.push(row);
  const runsOf = (caseId, toolId) => caseOf(results, caseId)?.tools[toolId]?.runs?.length ?? 0;
  const sumOf = (caseId, toolId, key) =>
    caseOf(results, caseId)?.tools[toolId]?.summary?.[key]?.sum ?? null;
  const peerText = (caseId, key, better, unit, suffix = "") => {
    const b = bestPeer(results, caseId, key, better);
    return b ? `${label[b.id]} ${fmt(b.value, unit)}${suffix}` : "—";
  };

  // The bare `node -e 0` of this run: no Node manager can do anything before Node has started.
  const nodeMs = med(results, "s1-startup", "node", "wallMs");
  const config = results.meta?.config ?? {};
  for (const [caseId, name, minMbps, bytes] of [
    ["s3-throughput", "throughput, 1 process", 1000, config.s3Bytes],
    ["s4-fan-in", "throughput, 8 processes", 600, (config.s4BytesEach ?? Number.NaN) * 8],
  ]) {
    const mbps = med(results, caseId, "foreman", "mbps");
    const steady = med(results, caseId, "foreman", "steadyMbps");
    const runs = runsOf(caseId, "foreman");
    const intact = sumOf(caseId, "foreman", "intact");
    const torn = sumOf(caseId, "foreman", "torn");
    const measured = mbps !== null;
    add({
      scenario: name,
      target: `≥ ${minMbps} MB/s, ${caseId === "s3-throughput" ? "all lines intact" : "zero torn lines"}`,
      ours: measured
        ? `${fmt(mbps, "MB/s")} MB/s (steady ${fmt(steady, "MB/s")}), intact ${intact}/${runs}, torn ${torn}`
        : "not measured",
      bestPeer: peerText(caseId, "mbps", "higher", "MB/s", " MB/s"),
      raw: withUnit(med(results, caseId, "raw", "mbps"), "MB/s", " MB/s"),
      floor: withUnit(med(results, caseId, "node-floor", "mbps"), "MB/s", " MB/s"),
      reach: throughputReach(bytes, med(results, caseId, "raw", "lastLineMs"), nodeMs, minMbps),
      met: measured ? mbps >= minMbps && intact === runs && torn === 0 : null,
    });
  }

  const startup = med(results, "s1-startup", "foreman", "wallMs");
  const node = nodeMs;
  const startupFloor = med(results, "s1-startup", "node-floor", "wallMs");
  add({
    scenario: "startup + teardown",
    target: "≤ 1.2 × bare `node -e 0`",
    ours:
      startup === null
        ? "not measured"
        : `${fmt(startup, "ms")} ms = ${ratio(startup, node)} node (${fmt(node, "ms")} ms)`,
    bestPeer: peerText("s1-startup", "wallMs", "lower", "ms", " ms"),
    raw: withUnit(med(results, "s1-startup", "raw", "wallMs"), "ms", " ms"),
    floor:
      startupFloor === null
        ? "—"
        : `${fmt(startupFloor, "ms")} ms = ${ratio(startupFloor, node)} node`,
    // One spawn and one pipe, nothing of a manager's own: what child_process allows at best.
    reach:
      startupFloor === null || node === null
        ? null
        : {
            value: startupFloor / node,
            text: `≥ ${ratio(startupFloor, node)} node (bare Node manager)`,
            beyond: startupFloor > 1.2 * node,
          },
    met: startup === null || node === null ? null : startup <= 1.2 * node,
  });

  const exit20 = med(results, "s5-sigint-20", "foreman", "exitMs");
  add({
    scenario: "SIGINT → exit, 20 processes",
    target: "≤ 15 ms median",
    ours: exit20 === null ? "not measured" : `${fmt(exit20, "ms")} ms`,
    bestPeer: peerText("s5-sigint-20", "exitMs", "lower", "ms", " ms"),
    raw: withUnit(med(results, "s5-sigint-20", "raw", "exitMs"), "ms", " ms"),
    floor: withUnit(med(results, "s5-sigint-20", "node-floor", "exitMs"), "ms", " ms"),
    met: exit20 === null ? null : exit20 <= 15,
  });

  const up500 = med(results, "s7-scale-500", "foreman", "upMs");
  const peer500 = bestPeer(results, "s7-scale-500", "upMs", "lower");
  const raw500 = med(results, "s7-scale-500", "raw", "upMs");
  const floor500 = med(results, "s7-scale-500", "node-floor", "upMs");
  add({
    scenario: "500 processes all running",
    target: "≤ 0.7 s",
    ours: up500 === null ? "not measured in this mode" : `${fmt(up500 / 1000, "s")} s`,
    bestPeer: peer500 ? `${label[peer500.id]} ${fmt(peer500.value / 1000, "s")} s` : "—",
    raw: raw500 === null ? "—" : `${fmt(raw500 / 1000, "s")} s`,
    floor: floor500 === null ? "—" : `${fmt(floor500 / 1000, "s")} s`,
    reach:
      floor500 === null
        ? null
        : {
            value: floor500,
            text: `≥ ${fmt(floor500 / 1000, "s")} s (bare Node manager)`,
            beyond: floor500 > 700,
          },
    met: up500 === null ? null : up500 <= 700,
  });

  const nodeRss = med(results, "s1-startup", "node", "rssMb");
  const rss1 = med(results, "s7-scale-1", "foreman", "rssMb");
  const rss500 = med(results, "s7-scale-500", "foreman", "rssMb");
  add({
    scenario: "manager RSS, 1 / 500 processes",
    target: "≤ 1.25 × / 1.6 × bare node",
    ours: `${fmt(rss1, "MB")} / ${fmt(rss500, "MB")} MB = ${ratio(rss1, nodeRss)} / ${ratio(rss500, nodeRss)} node (${fmt(nodeRss, "MB")} MB)`,
    bestPeer: (() => {
      const a = bestPeer(results, "s7-scale-1", "rssMb", "lower");
      const b = bestPeer(results, "s7-scale-500", "rssMb", "lower");
      if (!a) return "—";
      if (!b) return `${label[a.id]} ${fmt(a.value, "MB")} / — MB`;
      if (a.id === b.id) return `${label[a.id]} ${fmt(a.value, "MB")} / ${fmt(b.value, "MB")} MB`;
      return `${label[a.id]} ${fmt(a.value, "MB")} / ${label[b.id]} ${fmt(b.value, "MB")} MB`;
    })(),
    raw: "—",
    floor: (() => {
      const a = med(results, "s7-scale-1", "node-floor", "rssMb");
      const b = med(results, "s7-scale-500", "node-floor", "rssMb");
      if (a === null) return "—";
      return `${fmt(a, "MB")} / ${b === null ? "—" : fmt(b, "MB")} MB = ${ratio(a, nodeRss)} / ${b === null ? "—" : ratio(b, nodeRss)}`;
    })(),
    met:
      rss1 === null || nodeRss === null
        ? null
        : rss1 <= 1.25 * nodeRss && (rss500 === null ? null : rss500 <= 1.6 * nodeRss),
  });

  const bigRss = med(results, "s8-no-newline", "foreman", "rssMb");
  const idleRss = med(results, "s1-startup", "foreman", "rssMb");
  const growth = bigRss === null || idleRss === null ? null : bigRss - idleRss;
  const s8 = caseOf(results, "s8-no-newline");
  add({
    scenario: s8?.headline ?? "no newline, slow reader",
    target: "RSS growth ≤ 64 MB",
    ours:
      bigRss === null
        ? "not measured"
        : growth === null
          ? `${fmt(bigRss, "MB")} MB peak (growth needs scenario 1)`
          : `${fmt(bigRss, "MB")} MB peak, +${fmt(growth, "MB")} MB over startup`,
    bestPeer: peerText("s8-no-newline", "rssMb", "lower", "MB", " MB peak"),
    raw: `cat: ${withUnit(med(results, "s8-no-newline", "cat", "rssMb"), "MB", " MB")}`,
    floor: "—",
    met: growth === null ? null : growth <= 64,
  });

  const left = caseOf(results, "s6-kill9")?.tools.foreman?.summary?.left;
  add({
    scenario: "`kill -9` of the manager",
    target: "0 left after 2 s",
    ours: left ? `${fmt(left.max, "procs")} left (worst of ${left.n})` : "not measured",
    bestPeer: peerText("s6-kill9", "left", "lower", "procs", " left"),
    raw: withUnit(med(results, "s6-kill9", "raw", "left"), "procs", " left"),
    floor: "—",
    met: left ? left.max === 0 : null,
  });
  return out;
}

/**
 * The most a Node manager can reach in this run: it cannot send a byte before Node has started
 * (bare `node -e 0`), nor copy faster than the writer alone to the same file (raw). Both from
 * this run's medians; undefined figures give no bound.
 */
function throughputReach(bytes, rawMs, nodeMs, targetMbps) {
  if (!Number.isFinite(bytes) || rawMs === null || nodeMs === null) return null;
  const mbps = bytes / 1e6 / ((rawMs + nodeMs) / 1000);
  return {
    value: mbps,
    text: `≤ ${fmt(mbps, "MB/s")} MB/s (node ${fmt(nodeMs, "ms")} ms + raw ${fmt(rawMs, "ms")} ms)`,
    beyond: mbps < targetMbps,
  };
}

function metText(met, reach) {
  if (met === null) return "n/a";
  if (met) return "met";
  return reach?.beyond ? "**not met**: beyond reach here" : "**not met**";
}

function reachText(reach) {
  return reach ? reach.text : "—";
}

export function renderMarkdown(results) {
  const { meta } = results;
  const toolIds = results.tools.map((t) => t.id);
  const label = Object.fromEntries(results.tools.map((t) => [t.id, t.label]));
  const lines = [];
  const row = (cells) => lines.push(`| ${cells.join(" | ")} |`);
  const head = (cells) => {
    row(cells);
    row(cells.map(() => "---"));
  };

  lines.push("# Benchmark results", "");
  lines.push(
    `Generated by \`${meta.command}\` on ${meta.date} (${meta.mode} mode, ${meta.runtimeS.toFixed(0)} s). ` +
      "Every figure is the median of the runs, with min–max in brackets; runs of the tools are " +
      "interleaved, and only ratios taken within this one run are meaningful (the machine is " +
      "shared and noisy). See `bench/README.md` for what each scenario measures and how.",
    "",
  );
  lines.push("## Machine", "");
  lines.push(`- CPU: ${meta.machine.cpu} × ${meta.machine.cores}`);
  lines.push(`- memory: ${meta.machine.memoryGb} GB; kernel ${meta.machine.kernel}`);
  if (meta.machine.nodeExtraCaCerts) {
    lines.push(
      `- \`NODE_EXTRA_CA_CERTS=${meta.machine.nodeExtraCaCerts}\` is set and passed to every tool: each Node process (bare \`node -e 0\`, ours, nf, concurrently) parses those certificates before it runs anything: bare \`node -e 0\` took 76 ms with it and 31 ms without on 2026-12-04 (hyperfine, median)`,
    );
  }
  if (meta.machine.pageReportingOrder !== null && meta.machine.pageReportingOrder !== undefined) {
    const warm = meta.config?.warmMemoryMib ?? 0;
    lines.push(
      `- free memory is handed back to the host (free page reporting, order ${meta.machine.pageReportingOrder}), and touching it again costs a host fault per page: ${warm > 0 ? `each throughput run (scenarios 3 and 4) is preceded by touching ${warm} MiB in a process that then exits, for every tool alike` : "memory was not warmed before the throughput runs (--no-warm-memory)"} (bench/README.md, "page reporting")`,
    );
  }
  lines.push(`- Node ${meta.node}; GNU time: ${meta.gnuTime ? "yes" : "no (no RSS/CPU figures)"}`);
  lines.push(`- load average at start / end: ${meta.loadStart} / ${meta.loadEnd}`);
  lines.push(`- repetitions: ${meta.reps}`, "");

  lines.push("## Tools", "");
  head(["tool", "version", "invocation", "status"]);
  for (const t of results.tools) {
    row([
      t.label,
      t.version ?? "—",
      t.invocation.replaceAll("|", "\\|"),
      t.available ? "ok" : `**missing**: ${t.why}`,
    ]);
  }
  lines.push("");

  lines.push("## Targets of issue 4", "");
  head([
    "scenario",
    "target",
    "ours (this run)",
    "met?",
    "best peer",
    "raw",
    "bare Node manager",
    "limit for a Node manager here",
  ]);
  for (const t of results.targets) {
    row([
      t.scenario,
      t.target,
      t.ours,
      metText(t.met, t.reach),
      t.bestPeer,
      t.raw,
      t.floor ?? "—",
      reachText(t.reach),
    ]);
  }
  lines.push("");

  lines.push("## Summary: the main figure of each scenario", "");
  head(["scenario", "metric", ...toolIds.map((id) => label[id])]);
  for (const c of results.cases) {
    const metric = c.metrics.find((m) => m.key === c.primary);
    row([
      c.title,
      `${metric.label} (${metric.unit}, ${metric.better} is better)`,
      ...toolIds.map((id) => toolCell(c, id, metric)),
    ]);
  }
  lines.push("");

  lines.push("## Ours against each tool (main figure; ratios of medians)", "");
  // Baselines have their ratio columns; the "vs" columns are for the peers.
  const others = results.tools.filter((t) => t.kind === "peer").map((t) => t.id);
  head(["scenario", "ours ÷ raw", "ours ÷ bare node", ...others.map((id) => `vs ${label[id]}`)]);
  for (const c of results.cases) {
    const metric = c.metrics.find((m) => m.key === c.primary);
    const ours = c.tools.foreman?.summary?.[metric.key]?.median;
    const nodeKey = c.vsNode?.includes(metric.key) ? metric.key : null;
    const nodeVal = nodeKey ? med(results, "s1-startup", "node", nodeKey) : null;
    row([
      c.title,
      metric.noRatio ? "—" : ratio(ours, c.tools.raw?.summary?.[metric.key]?.median),
      nodeVal === null ? "—" : ratio(ours, nodeVal),
      ...others.map((id) => {
        const other = c.tools[id];
        if (!other) return "not in this scenario";
        if (other.status !== "ok") return other.status;
        const v = other.summary?.[metric.key]?.median;
        if (metric.noRatio || metric.count) {
          return `${fmt(ours, metric.unit)} vs ${fmt(v, metric.unit)}`;
        }
        return versus(ours, v, metric.better) ?? cappedText(other);
      }),
    ]);
  }
  lines.push("");

  lines.push("## Details", "");
  for (const c of results.cases) {
    lines.push(`### ${c.title}`, "");
    const ids = Object.keys(c.tools);
    const nodeMetrics = c.vsNode ?? [];
    head([
      "tool",
      ...c.metrics.map((m) => `${m.label} (${m.unit})`),
      "× raw",
      ...(nodeMetrics.length ? nodeMetrics.map((k) => `${k} × bare node`) : []),
      "ours vs it",
      "notes",
    ]);
    const primary = c.metrics.find((m) => m.key === c.primary);
    const ours = c.tools.foreman?.summary?.[primary.key]?.median;
    for (const id of ids) {
      const t = c.tools[id];
      const v = t.summary?.[primary.key]?.median;
      row([
        label[id],
        ...c.metrics.map((m, i) => (t.status === "ok" || i === 0 ? toolCell(c, id, m) : "")),
        primary.noRatio || t.status !== "ok"
          ? "—"
          : ratio(v, c.tools.raw?.summary?.[primary.key]?.median),
        ...nodeMetrics.map((k) =>
          t.status === "ok"
            ? ratio(t.summary?.[k]?.median, med(results, "s1-startup", "node", k))
            : "—",
        ),
        id === "foreman" || t.status !== "ok" || primary.noRatio
          ? "—"
          : (versus(ours, v, primary.better) ?? cappedText(t)),
        (t.notes ?? []).join("; ").replaceAll("|", "\\|") || "",
      ]);
    }
    lines.push("");
  }
  return `${alignTables(lines.join("\n")).trimEnd()}\n`;
}

function toolCell(c, id, metric) {
  const t = c.tools[id];
  if (!t) return "·";
  if (t.status !== "ok") return t.status;
  return cell(t.summary?.[metric.key] ?? null, metric, t.runs.length);
}

/**
 * Pads every Markdown table the way Biome formats it (the repo lints bench/): each column as
 * wide as its widest cell (at least 3), the separator row all dashes.
 */
export function alignTables(markdown) {
  const out = [];
  let block = [];
  const flush = () => {
    if (block.length === 0) return;
    const rows = block.map((line) =>
      line
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
    const width = (text) => [...text].length;
    const widths = [];
    rows.forEach((cells, i) => {
      if (i === 1) return;
      cells.forEach((c, j) => {
        widths[j] = Math.max(widths[j] ?? 3, width(c));
      });
    });
    rows.forEach((cells, i) => {
      const padded = cells.map((c, j) =>
        i === 1 ? "-".repeat(widths[j]) : c + " ".repeat(widths[j] - width(c)),
      );
      out.push(`| ${padded.join(" | ")} |`);
    });
    block = [];
  };
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) block.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out.join("\n");
}

export function renderHeadline(results) {
  const lines = [
    `<!-- generated by \`${results.meta.command}\` on ${results.meta.date}; see bench/RESULTS.md -->`,
    "| scenario | ours | best peer | raw | bare Node manager | limit for a Node manager here | target | met? |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const t of results.targets) {
    lines.push(
      `| ${t.scenario} | ${t.ours} | ${t.bestPeer} | ${t.raw} | ${t.floor ?? "—"} | ${reachText(t.reach)} | ${t.target} | ${metText(t.met, t.reach)} |`,
    );
  }
  return `${alignTables(lines.join("\n")).trimEnd()}\n`;
}

const WIDTH = 100;

/** JSON laid out the way Biome formats it (the repo lints bench/), so the output stays clean. */
export function toJson(value, indent = "", keyLen = 0) {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const items = value.map((v) => JSON.stringify(v) ?? "null");
      const flat = `[${items.join(", ")}]`;
      if (indent.length + keyLen + flat.length + 1 <= WIDTH) return flat;
      if (value.every((v) => typeof v === "number")) {
        // Biome fills number arrays: as many per line as fit.
        const out = [];
        let line = "";
        for (const [i, item] of items.entries()) {
          const piece = i < items.length - 1 ? `${item},` : item;
          if (line === "") line = inner + piece;
          else if (line.length + 1 + piece.length <= WIDTH) line += ` ${piece}`;
          else {
            out.push(line);
            line = inner + piece;
          }
        }
        out.push(line);
        return `[\n${out.join("\n")}\n${indent}]`;
      }
    }
    return `[\n${value.map((v) => inner + toJson(v, inner, 0)).join(",\n")}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return "{}";
  const body = entries.map(([k, v]) => {
    const key = `${JSON.stringify(k)}: `;
    return inner + key + toJson(v, inner, key.length);
  });
  return `{\n${body.join(",\n")}\n${indent}}`;
}
