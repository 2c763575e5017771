#!/usr/bin/env node
"use strict";
// CommonJS on purpose (bin/package.json): an ES module entry costs Node 20 the start of its ESM
// loader, about 5 ms, and only a classic script can be compiled from a V8 code cache.
//
// dist/foreman.cjs is the whole CLI bundled by scripts/bundle.mjs, and dist/foreman.cjs.cache
// the bytecode V8 made for it during a training run at build time. With both, `foreman start`
// reads two files and compiles almost nothing. Without the bundle (a tsc-only build), or when
// dist/main.js was rebuilt after it, the modules in dist/ are used as they are.
const { readFileSync, statSync } = require("node:fs");
const { dirname, join } = require("node:path");
const { Script } = require("node:vm");

const DIST = join(__dirname, "..", "dist");
const BUNDLE = join(DIST, "foreman.cjs");
const CODE_CACHE = join(DIST, "foreman.cjs.cache");
// The bundle's first line and the cache's first bytes carry the same build id: V8 itself only
// compares the source's length before trusting a cache, which a rebuild could keep.
const BUILD_ID = /^\/\/ foreman-bundle ([0-9a-f]{16,64})\n/;

function mtimeMs(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The `require` the bundle gets: it only ever asks for Node's built-in modules and for its own
 * `./yaml.cjs` (see bundle.mjs, which fails the build on anything else). Not
 * `module.createRequire`, whose loading (node:module and the ESM loader behind it) costs every
 * start half a millisecond.
 */
function bundleRequire(id) {
  return id === "./yaml.cjs" ? require("../dist/yaml.cjs") : require(id);
}

/** Loads the bundle; undefined when there is none or it is older than the tsc output. */
function loadBundle({ useCache = true } = {}) {
  const bundled = mtimeMs(BUNDLE);
  if (bundled === undefined) return undefined;
  const compiled = mtimeMs(join(DIST, "main.js"));
  // A second of slack: an archive or cache may restore the files in any order; a real tsc run
  // after the bundle was made takes longer than that.
  if (compiled !== undefined && compiled > bundled + 1000) return undefined;
  const source = readFileSync(BUNDLE, "utf8");
  const id = BUILD_ID.exec(source)?.[1];
  let cachedData;
  if (useCache && id !== undefined) {
    try {
      const cache = readFileSync(CODE_CACHE);
      const header = Buffer.from(`${id}\n`, "latin1");
      if (cache.subarray(0, header.length).equals(header)) {
        cachedData = cache.subarray(header.length);
      }
    } catch {
      // No cache: V8 compiles the source instead.
    }
  }
  // The same wrapper as Node's CommonJS loader, so the bundle runs as any module would.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    cachedData === undefined ? { filename: BUNDLE } : { filename: BUNDLE, cachedData },
  );
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, bundleRequire, module, BUNDLE, dirname(BUNDLE));
  return { ...module.exports, script, id };
}

/** The same functions from the modules tsc wrote, for a build without the bundle. */
async function loadModules() {
  const [{ main }, { createFileOutput, isRegularFile }] = await Promise.all([
    import("../dist/main.js"),
    import("@foreman/output-mux"),
  ]);
  return { main, createFileOutput, isRegularFile };
}

/**
 * stdout redirected to a file is written from the threadpool, so that the disk works while the
 * next lines are framed (process.stdout writes files synchronously); a pipe or a terminal keeps
 * process.stdout, with its EPIPE and blocking behaviour.
 */
function stdoutFor(cli) {
  return cli.isRegularFile(1) ? cli.createFileOutput(1) : process.stdout;
}

function io(stdout) {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout,
    // Creating process.stderr costs a stream (a pipe: a socket); most runs never write to it.
    get stderr() {
      return process.stderr;
    },
  };
}

async function run() {
  const cli = loadBundle() ?? (await loadModules());
  const stdout = stdoutFor(cli);
  const code = await cli.main(process.argv.slice(2), io(stdout));
  // Commands finish their own output before returning (start flushes its log) and a file output
  // is flushed here, so exiting cannot cut a line; it also ends any handle a stray grandchild
  // might still hold open.
  if (stdout !== process.stdout) await stdout.flush();
  process.exit(code);
}

if (require.main === module) {
  run();
} else {
  // scripts/bundle.mjs loads the bundle through this same code to record its code cache.
  module.exports = { loadBundle, stdoutFor, io, BUNDLE, CODE_CACHE };
}
