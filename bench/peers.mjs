#!/usr/bin/env node
// Installs the peers the benchmark compares against, outside the product's dependencies:
// the npm ones into bench/.peers/ (its own package.json, gitignored), the Debian ones with apt
// when we are root. Run by `pnpm bench:peers`; `pnpm bench` reports whatever is missing.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const peersDir = join(benchDir, ".peers");
const npmPeers = ["foreman", "concurrently"];
// `time` gives the benchmark /usr/bin/time for CPU seconds and peak RSS of each manager.
const aptPeers = ["ruby-foreman", "time"];

function run(cmd, args, options = {}) {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const result = spawnSync(cmd, args, { stdio: "inherit", ...options });
  return result.status === 0;
}

mkdirSync(peersDir, { recursive: true });
const pkgPath = join(peersDir, "package.json");
if (!existsSync(pkgPath)) {
  writeFileSync(
    pkgPath,
    `${JSON.stringify({ name: "foreman-bench-peers", private: true, description: "peers for pnpm bench; not part of the product" }, null, 2)}\n`,
  );
}

let ok = run("npm", [
  "install",
  "--prefix",
  peersDir,
  "--no-audit",
  "--no-fund",
  "--loglevel=error",
  ...npmPeers,
]);

if (process.getuid?.() === 0) {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // A fresh machine has no package lists yet; update only when the first try fails.
  if (!run("apt-get", ["install", "-y", "-qq", ...aptPeers], { env })) {
    ok = run("apt-get", ["update", "-qq"], { env }) && ok;
    ok = run("apt-get", ["install", "-y", "-qq", ...aptPeers], { env }) && ok;
  }
} else {
  console.log(
    `not root: skipping apt-get install ${aptPeers.join(" ")} (install them yourself to compare against Ruby foreman)`,
  );
}

console.log("\ninstalled peers:");
for (const name of npmPeers) {
  const p = join(peersDir, "node_modules", name, "package.json");
  const version = existsSync(p) ? JSON.parse(readFileSync(p, "utf8")).version : "MISSING";
  console.log(`  npm ${name}: ${version}`);
}
for (const name of aptPeers) {
  const r = spawnSync("dpkg-query", ["-W", "-f=${Version}", name], { encoding: "utf8" });
  console.log(`  deb ${name}: ${r.status === 0 && r.stdout ? r.stdout : "MISSING"}`);
}
process.exit(ok ? 0 : 1);
