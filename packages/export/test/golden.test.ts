import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { exportConfig, FORMATS } from "../src/index.js";
import { SAMPLE } from "./_sample.js";

// UPDATE_GOLDEN=1 rewrites the files; review the diff before committing it.
const GOLDEN = fileURLToPath(new URL("./golden/", import.meta.url));
const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe.each(FORMATS)("%s golden files", (format) => {
  // A user's systemd manager runs units as that user: no --user there.
  const { user: _user, ...withoutUser } = SAMPLE;
  const files = exportConfig(format, format === "systemd-user" ? withoutUser : SAMPLE);
  const dir = join(GOLDEN, format, "files");
  const modesPath = join(GOLDEN, format, "modes.txt");
  const modes = files
    .map(
      (f) =>
        `${f.mode.toString(8).padStart(4, "0")} ${f.path}${f.owner ? ` owner=${f.owner}` : ""}`,
    )
    .join("\n");

  if (update) {
    rmSync(join(GOLDEN, format), { recursive: true, force: true });
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    writeFileSync(modesPath, `${modes}\n`);
  }

  it("writes exactly the golden files, with their modes", () => {
    expect(files.map((f) => f.path).sort()).toEqual(listFiles(dir));
    expect(`${modes}\n`).toBe(readFileSync(modesPath, "utf8"));
  });

  it.each(files.map((f) => [f.path, f.content] as const))("%s matches", (path, content) => {
    expect(content).toBe(readFileSync(join(dir, path), "utf8"));
  });
});
