#!/usr/bin/env node
// Every published package has the same shape (see CONVENTIONS.md) and passes publint.
// Run after `pnpm build`: publint reads dist/.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { publint } from "publint";

const root = new URL("..", import.meta.url).pathname;
const problems = [];
const dirs = [
  ...readdirSync(join(root, "packages")).map((d) => join("packages", d)),
  ...readdirSync(join(root, "apps")).map((d) => join("apps", d)),
].filter((d) => existsSync(join(root, d, "package.json")));

for (const dir of dirs) {
  const abs = join(root, dir);
  const m = JSON.parse(readFileSync(join(abs, "package.json"), "utf8"));
  const need = (ok, what) => ok || problems.push(`${dir}/package.json: ${what}`);
  need(
    typeof m.name === "string" && m.name.startsWith("@foreman/"),
    'name must be "@foreman/<name>"',
  );
  need(
    typeof m.description === "string" && m.description.length > 10,
    "needs a one-line description",
  );
  need(m.type === "module", 'needs "type": "module"');
  need(m.license === "MIT", 'needs "license": "MIT"');
  need(m.engines?.node === ">=20", 'needs "engines": { "node": ">=20" }');
  need(Array.isArray(m.files) && m.files.includes("dist"), 'needs "files": ["dist", ...]');
  need(
    typeof m.scripts?.build === "string" && typeof m.scripts?.test === "string",
    "needs build and test scripts",
  );
  need(existsSync(join(abs, "README.md")), "needs a README.md beside it");
  if (dir.startsWith("packages/")) {
    need(m.sideEffects === false, 'needs "sideEffects": false');
    const dot = m.exports?.["."];
    need(dot && Object.keys(dot)[0] === "types", 'exports["."] must list "types" first');
    need(existsSync(join(abs, "src", "index.ts")), "needs src/index.ts");
  }
  const { messages } = await publint({ pkgDir: abs, level: "warning", strict: true });
  for (const msg of messages)
    problems.push(`${dir}: publint ${msg.type} ${msg.code} at ${msg.path?.join(".") ?? "?"}`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-packages: ${p}`);
  process.exit(1);
}
console.log(`check-packages: ${dirs.length} packages have the house shape and pass publint`);
