#!/usr/bin/env node
// Every file in .changeset/ must be a changeset `changeset version` can read: front matter between
// two `---` lines naming workspace packages with patch|minor|major, then a summary. Found because a
// formatter once rewrote the front matter into Markdown headings and every release would have
// failed; Biome now leaves .changeset/*.md alone, and this keeps it that way.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const workspace = new Set();
for (const parent of ["packages", "apps"]) {
  for (const dir of readdirSync(join(root, parent))) {
    const manifest = join(root, parent, dir, "package.json");
    if (existsSync(manifest)) workspace.add(JSON.parse(readFileSync(manifest, "utf8")).name);
  }
}

const RELEASE = /^"(@[a-z0-9-]+\/[a-z0-9-]+)": (patch|minor|major)$/;
const problems = [];
const dir = join(root, ".changeset");
for (const name of readdirSync(dir).sort()) {
  if (!name.endsWith(".md") || name === "README.md") continue;
  const where = `.changeset/${name}`;
  const lines = readFileSync(join(dir, name), "utf8").split("\n");
  const close = lines.indexOf("---", 1);
  if (lines[0] !== "---" || close === -1) {
    problems.push(
      `${where}:1: no front matter; start with ---, a line "@foreman/<pkg>": patch, ---`,
    );
    continue;
  }
  if (close === 1) problems.push(`${where}:2: the front matter names no package`);
  for (let i = 1; i < close; i += 1) {
    const match = RELEASE.exec(lines[i]);
    if (match === null) {
      problems.push(
        `${where}:${i + 1}: expected "@foreman/<pkg>": patch|minor|major, got ${JSON.stringify(lines[i])}`,
      );
    } else if (!workspace.has(match[1])) {
      problems.push(`${where}:${i + 1}: ${match[1]} is not a package of this workspace`);
    }
  }
  if (
    lines
      .slice(close + 1)
      .join("")
      .trim() === ""
  ) {
    problems.push(`${where}:${close + 2}: no summary after the front matter`);
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(problem);
  process.exit(1);
}
console.log("changesets: every file names workspace packages and has a summary");
