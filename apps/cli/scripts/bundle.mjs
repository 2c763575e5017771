#!/usr/bin/env node
// Bundles the compiled CLI (dist/main.js, from tsc) with the @foreman packages and dotenv into one
// CommonJS file, dist/foreman.cjs, and records V8's code cache for it (dist/foreman.cjs.cache)
// from a training run of `foreman start`. bin/foreman.js loads both; see the comment there.
//
// Why CommonJS and not ESM: on Node 20 an ES module entry starts the ESM loader (~5 ms) and
// cannot use a code cache (module.enableCompileCache() arrived in Node 22.1); a classic script
// compiled from the cache starts in about a tenth of the time V8 needs to compile the source.
//
// yaml, which only a project with a `.foreman` needs, is bundled apart into dist/yaml.cjs and
// required on first use. Everything else is in the one file: a command that is not run costs
// only the reading of its text (its functions are compiled lazily, or come from the cache).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const dist = join(root, "dist");
const bundlePath = join(dist, "foreman.cjs");
const cachePath = join(dist, "foreman.cjs.cache");
const verbose = process.argv.includes("--verbose");

for (const stale of [bundlePath, cachePath, join(dist, "yaml.cjs")]) rmSync(stale, { force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: "none",
  logLevel: "warning",
};

await build({
  ...common,
  stdin: { contents: 'module.exports = require("yaml");', resolveDir: root, loader: "js" },
  outfile: join(dist, "yaml.cjs"),
});

const result = await build({
  ...common,
  // bin/foreman.js also needs the file output of output-mux, before main() runs.
  stdin: {
    contents:
      'export * from "./dist/main.js";\nexport { createFileOutput, isRegularFile } from "@foreman/output-mux";\n',
    resolveDir: root,
    sourcefile: "bundle-entry.js",
    loader: "js",
  },
  outfile: bundlePath,
  write: false,
  metafile: verbose,
  // `await import("yaml")` becomes a require() of the separate bundle, made on first use.
  supported: { "dynamic-import": false },
  plugins: [
    {
      name: "yaml-apart",
      setup(b) {
        b.onResolve({ filter: /^yaml$/ }, () => ({ path: "./yaml.cjs", external: true }));
      },
    },
    {
      // Startup's few small file reads, synchronously: see fs-promises-sync.mjs.
      name: "fs-promises-sync",
      setup(b) {
        b.onResolve({ filter: /^(node:)?fs\/promises$/ }, () => ({
          path: join(root, "scripts/fs-promises-sync.mjs"),
        }));
      },
    },
  ],
  // main.js finds package.json (for --version) relative to its own URL.
  define: { "import.meta.url": "__foremanBundleUrl" },
  // The modules are ES modules, strict by definition; esbuild's minified CommonJS output leaves
  // the directive out, so put it back.
  banner: { js: '"use strict";' },
  footer: { js: 'var __foremanBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

const body = result.outputFiles[0].text;
// bin/foreman.js hands the bundle a require that knows only built-ins and ./yaml.cjs.
for (const [, id] of body.matchAll(/\brequire\("([^"]+)"\)/g)) {
  if (id !== "./yaml.cjs" && !isBuiltin(id)) {
    throw new Error(`bundle: dist/foreman.cjs requires ${id}, which bin/foreman.js cannot load`);
  }
}
if (/\bimport\(/.test(body)) {
  // The bundle runs as a vm.Script, which has no dynamic import().
  throw new Error("bundle: a dynamic import() was left in dist/foreman.cjs");
}
const id = createHash("sha256").update(body).digest("hex").slice(0, 32);
writeFileSync(bundlePath, `// foreman-bundle ${id}\n${body}`);

// The training run: a child process with the flags `foreman` itself runs with (none), loading the
// bundle through bin/foreman.js and starting a one-process Procfile, so that the cache holds the
// functions startup really runs, not only the top level.
const trained = spawnSync(process.execPath, [join(root, "scripts/record-code-cache.cjs")], {
  stdio: ["ignore", "ignore", "inherit"],
  timeout: 30_000,
});
if (trained.status !== 0) {
  // Not fatal: without the cache the bundle is compiled from source, a few ms slower.
  rmSync(cachePath, { force: true });
  console.warn(`bundle: no code cache (training run: ${trained.error?.message ?? trained.status})`);
}

if (verbose) {
  for (const [file, info] of Object.entries(result.metafile.outputs)) {
    console.log(`${file} ${(info.bytes / 1024).toFixed(1)} KiB`);
  }
}
