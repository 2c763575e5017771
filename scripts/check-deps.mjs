#!/usr/bin/env node
// Only apps/cli composes the @foreman packages; a package under packages/ that depends on another
// one would make it impossible to install or work on that package alone.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const problems = [];
for (const dir of readdirSync(join(root, "packages"))) {
  const manifestPath = join(root, "packages", dir, "package.json");
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const field of [
    "dependencies",
    "devDependencies",
    "peerDependencies",
    "optionalDependencies",
  ]) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      if (dep.startsWith("@foreman/") && dep !== manifest.name) {
        problems.push(
          `packages/${dir}/package.json: ${field} names ${dep}; only apps/cli may compose @foreman packages (state a structural type instead)`,
        );
      }
    }
  }
  // Source imports are checked too: a package could reach another through a relative path.
  const srcDir = join(root, "packages", dir, "src");
  if (!existsSync(srcDir)) continue;
  for (const file of readdirSync(srcDir, { recursive: true })) {
    if (!String(file).endsWith(".ts")) continue;
    const text = readFileSync(join(srcDir, String(file)), "utf8");
    for (const match of text.matchAll(/from\s+["']([^"']+)["']/g)) {
      const spec = match[1];
      if (
        (spec.startsWith("@foreman/") && !spec.startsWith(`${manifest.name}`)) ||
        spec.includes("../../")
      ) {
        problems.push(
          `packages/${dir}/src/${file}: imports ${spec}; packages never import each other`,
        );
      }
    }
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`check-deps: ${p}`);
  process.exit(1);
}
console.log("check-deps: no package under packages/ depends on another @foreman package");
