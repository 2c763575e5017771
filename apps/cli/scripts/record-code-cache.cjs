"use strict";
// Run by bundle.mjs: loads dist/foreman.cjs exactly as bin/foreman.js does (same wrapper, same
// flags), runs `foreman start` once on a one-process Procfile, then saves V8's code cache of
// the bundle, prefixed with the bundle's build id, to dist/foreman.cjs.cache.
const { mkdtempSync, rmSync, writeFileSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");
const { loadBundle, stdoutFor, io, CODE_CACHE } = require("../bin/foreman.js");

// `foreman start` sets V8 flags once it has run a while (src/_memory.ts). The training run must
// not: a code cache records a hash of V8's flags, and one made after a change is rejected at
// every start that has not made the same change (the bundle is then compiled from source).
require("node:v8").setFlagsFromString = () => {};

async function train() {
  const bundle = loadBundle({ useCache: false });
  if (bundle === undefined || bundle.id === undefined) throw new Error("no bundle to train");
  const dir = mkdtempSync(join(tmpdir(), "foreman-train-"));
  try {
    // Lines out (one without its newline), as the first run of a real Procfile prints them.
    writeFileSync(join(dir, "Procfile"), "warm: echo ready; printf partial\n");
    // bundle.mjs points stdout at /dev/null, a device: process.stdout, as in a terminal.
    const stdout = stdoutFor(bundle);
    await bundle.main(["start"], { ...io(stdout), cwd: dir });
    if (stdout !== process.stdout) await stdout.flush();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const data = bundle.script.createCachedData();
  writeFileSync(CODE_CACHE, Buffer.concat([Buffer.from(`${bundle.id}\n`, "latin1"), data]));
}

train().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`record-code-cache: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
