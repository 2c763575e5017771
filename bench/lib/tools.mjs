// The tools under test: ours, the peers users would pick instead, and the baselines that show the
// floor (raw: the same commands under plain sh; cat: the same data through one more pipe; node:
// the runtime's own startup and memory; node-floor: a manager in Node that only spawns and copies,
// the limit of anything written for Node on this machine).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_DIR = dirname(BENCH_DIR);
const OURS_BIN = join(REPO_DIR, "apps/cli/bin/foreman.js");
const PEERS_DIR = join(BENCH_DIR, ".peers/node_modules");

function npmBin(pkg, bin) {
  const pkgJson = join(PEERS_DIR, pkg, "package.json");
  if (!existsSync(pkgJson)) return null;
  const meta = JSON.parse(readFileSync(pkgJson, "utf8"));
  const rel = typeof meta.bin === "string" ? meta.bin : meta.bin?.[bin];
  return rel ? { path: join(PEERS_DIR, pkg, rel), version: meta.version } : null;
}

function firstLine(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 10_000 });
  if (r.status !== 0 || r.error) return null;
  return `${r.stdout}${r.stderr}`.trim().split("\n")[0] ?? "";
}

/** Ruby foreman's executable: a `foreman` on PATH that is a Ruby script (never ours via node_modules/.bin). */
function findRubyForeman() {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (!dir || dir.includes("node_modules")) continue;
    const path = join(dir, "foreman");
    if (!existsSync(path)) continue;
    try {
      if (readFileSync(path, "latin1").slice(0, 200).split("\n")[0].includes("ruby")) return path;
    } catch {}
  }
  return null;
}

function procfileOf(spec) {
  return `${spec.procs.map((p) => `${p.name}: ${p.cmd}`).join("\n")}\n`;
}

function formationOf(spec) {
  if (spec.procs.every((p) => (p.count ?? 1) === 1)) return null;
  return spec.procs.map((p) => `${p.name}=${p.count ?? 1}`).join(",");
}

/** The same commands under plain sh, every instance in the background, then `wait`. */
export function rawScript(spec) {
  const instances = spec.procs.reduce((n, p) => n + (p.count ?? 1), 0);
  if (instances === 1) return spec.procs[0].rawCmd ?? spec.procs[0].cmd;
  const parts = spec.procs.map((p) => {
    const cmd = p.rawCmd ?? p.cmd;
    const count = p.count ?? 1;
    if (count === 1) return `(${cmd}) &`;
    return `i=0; while [ $i -lt ${count} ]; do (${cmd}) & i=$((i+1)); done;`;
  });
  return `${parts.join("\n")}\nwait`;
}

function writeProcfile(dir, spec) {
  const path = join(dir, "Procfile");
  writeFileSync(path, procfileOf(spec));
  return path;
}

/**
 * `COMMAND... start -f Procfile [-m name=N] [-t S]`: how ours and Ruby foreman are started (the
 * same flags), after writing the Procfile.
 */
function startArgv(command, spec, dir) {
  writeProcfile(dir, spec);
  const formation = formationOf(spec);
  return [
    ...command,
    "start",
    "-f",
    "Procfile",
    ...(formation ? ["-m", formation] : []),
    ...(spec.timeoutS ? ["-t", String(spec.timeoutS)] : []),
  ];
}

/** How ours is started, from a given bin (this checkout's, or another build's for --compare). */
function foremanTool(bin) {
  return { argv: (spec, dir) => startArgv([process.execPath, bin], spec, dir) };
}

/**
 * `--compare=BIN`: another build of ours (say `cp -a apps/cli/bin apps/cli/dist
 * apps/cli/package.json /tmp/before/` from before a change), run as one more tool in the same
 * interleaved runs, so that the report compares the two builds under the same load. Shown beside
 * the peers, as "foreman-b".
 */
export function compareTool(bin) {
  const path = resolve(bin);
  const version = existsSync(path) ? firstLine(process.execPath, [path, "--version"]) : null;
  return {
    ...foremanTool(path),
    id: "foreman-b",
    label: "foreman-b (--compare)",
    kind: "peer",
    available: version !== null,
    why: version === null ? `--compare: ${path} does not answer --version` : null,
    version: version === null ? null : `${version} (${path})`,
    invocation: `node ${path} start -f Procfile [-m name=N] [-t S]`,
  };
}

/**
 * Each tool: id, label, kind, and (once detected) available/version/why, plus argv(spec, dir)
 * which writes whatever file the tool reads and returns the command line. `spec` is
 * { procs: [{ name, cmd, count?, rawCmd? }], timeoutS? }.
 */
export function detectTools() {
  const tools = [];

  const oursBuilt = existsSync(join(REPO_DIR, "apps/cli/dist/main.js"));
  tools.push({
    ...foremanTool(OURS_BIN),
    id: "foreman",
    label: "foreman (ours)",
    kind: "ours",
    available: oursBuilt,
    why: oursBuilt ? null : "not built: run `pnpm build`",
    version: oursBuilt ? firstLine(process.execPath, [OURS_BIN, "--version"]) : null,
    invocation: "node apps/cli/bin/foreman.js start -f Procfile [-m name=N] [-t S]",
  });

  const rubyBin = findRubyForeman();
  const rubyVersion = rubyBin ? firstLine(rubyBin, ["version"]) : null;
  tools.push({
    id: "ruby-foreman",
    label: "Ruby foreman",
    kind: "peer",
    available: rubyVersion !== null,
    why: rubyVersion === null ? "not installed: `pnpm bench:peers` (apt ruby-foreman)" : null,
    version: rubyVersion ? `${rubyVersion} (${firstLine("ruby", ["--version"])})` : null,
    invocation: "foreman start -f Procfile [-m name=N] [-t S]",
    argv: (spec, dir) => startArgv([rubyBin], spec, dir),
  });

  const nf = npmBin("foreman", "nf");
  tools.push({
    id: "nf",
    label: "node-foreman (nf)",
    kind: "peer",
    available: nf !== null,
    why: nf === null ? "not installed: `pnpm bench:peers` (npm foreman)" : null,
    version: nf?.version ?? null,
    invocation: "nf start -j Procfile [name=N] (no kill timeout option)",
    argv(spec, dir) {
      writeProcfile(dir, spec);
      const formation = formationOf(spec);
      return [
        process.execPath,
        nf.path,
        "start",
        "-j",
        "Procfile",
        ...(formation ? [formation] : []),
      ];
    },
  });

  const conc = npmBin("concurrently", "concurrently");
  tools.push({
    id: "concurrently",
    label: "concurrently",
    kind: "peer",
    available: conc !== null,
    why: conc === null ? "not installed: `pnpm bench:peers` (npm concurrently)" : null,
    version: conc?.version ?? null,
    invocation:
      'concurrently -k [--kill-timeout MS] "cmd" … (default prefixes; -k: stop all when one exits, as foreman does)',
    argv(spec) {
      const cmds = spec.procs.flatMap((p) => Array.from({ length: p.count ?? 1 }, () => p.cmd));
      return [
        process.execPath,
        conc.path,
        "-k",
        ...(spec.timeoutS ? ["--kill-timeout", String(spec.timeoutS * 1000)] : []),
        ...cmds,
      ];
    },
  });

  const dash = spawnSync("dpkg-query", ["-W", "-f=${Version}", "dash"], { encoding: "utf8" });
  tools.push({
    id: "raw",
    label: "raw (sh, no manager)",
    kind: "baseline",
    available: true,
    version: `sh${dash.status === 0 ? ` (dash ${dash.stdout})` : ""}`,
    invocation: "sh -c '(cmd) & … wait' (a single command runs as `sh -c cmd`)",
    argv(spec) {
      return ["sh", "-c", rawScript(spec)];
    },
  });

  tools.push({
    id: "cat",
    label: "raw piped to cat",
    kind: "baseline",
    available: true,
    version: firstLine("cat", ["--version"]),
    invocation: "sh -c '{ raw script; } | cat'",
    argv(spec) {
      return ["sh", "-c", `{ ${rawScript(spec)}\n} | cat`];
    },
  });

  tools.push({
    id: "node-floor",
    label: "bare Node manager",
    kind: "baseline",
    available: true,
    version: process.version,
    invocation:
      "node bench/lib/node-floor.cjs cmd… (spawn + pipe copy, no framing: the floor of any Node manager)",
    argv(spec) {
      const cmds = spec.procs.flatMap((p) => Array.from({ length: p.count ?? 1 }, () => p.cmd));
      return [process.execPath, join(BENCH_DIR, "lib/node-floor.cjs"), ...cmds];
    },
  });

  tools.push({
    id: "node",
    label: "bare node -e 0",
    kind: "baseline",
    available: true,
    version: process.version,
    invocation: "node -e 0",
    argv() {
      return [process.execPath, "-e", "0"];
    },
  });

  return tools;
}
