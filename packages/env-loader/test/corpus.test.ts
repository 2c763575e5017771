// The shared corpus of real .env files (see its README.md), read in place and never copied into
// the repo. It lives beside the repository: <repo root>/../shared/corpus, or FOREMAN_CORPUS_DIR.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type EnvError, loadEnv, parseEnv } from "../src/index.js";

function findCorpus(): string | undefined {
  const fromEnv = process.env.FOREMAN_CORPUS_DIR;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return join(dir, "..", "shared", "corpus");
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface DotenvTruth {
  id: string;
  vars: Record<string, string>;
  expanded: Record<string, string>;
  error: string | null;
}
interface ForemanTruth {
  id: string;
  vars: Record<string, string> | null;
  error: string | null;
}

function readJsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

const corpus = findCorpus();
const dotenvTruthPath = corpus && join(corpus, "truth", "envs.dotenv-18.0.10.jsonl");
const foremanTruthPath = corpus && join(corpus, "truth", "envs.foreman-0.87.2.jsonl");
const present =
  dotenvTruthPath !== undefined &&
  foremanTruthPath !== undefined &&
  existsSync(dotenvTruthPath) &&
  existsSync(foremanTruthPath);
if (!present) {
  console.log(
    `skipping the .env corpus tests: no corpus at ${corpus ?? "(no pnpm-workspace.yaml above this file)"}; set FOREMAN_CORPUS_DIR to run them`,
  );
}

const dotenvTruth = present ? readJsonl<DotenvTruth>(dotenvTruthPath) : [];
const foremanTruth = new Map(
  (present ? readJsonl<ForemanTruth>(foremanTruthPath) : []).map((t) => [t.id, t]),
);
/** Files whose first bytes are a UTF-8 BOM (README: 018, 041, 073). */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe.skipIf(!present)("the .env corpus", () => {
  const envsDir = join(corpus ?? "", "envs");

  it("holds 83 files, each with ground truth from dotenv and Ruby foreman", () => {
    expect(dotenvTruth).toHaveLength(83);
    for (const truth of dotenvTruth) {
      expect(existsSync(join(envsDir, truth.id))).toBe(true);
      expect(foremanTruth.has(truth.id)).toBe(true);
    }
  });

  it.each(dotenvTruth.map((truth) => [truth.id, truth] as const))("envs/%s", async (id, truth) => {
    const bytes = readFileSync(join(envsDir, id));
    // As dotenv reads a file: UTF-8, invalid bytes replaced, a BOM kept (parseEnv strips it).
    const text = bytes.toString("utf8");
    const parsed = parseEnv(text, { filename: id });
    expect(parsed.vars).toEqual(truth.vars);
    expect(Object.keys(parsed.lines).sort()).toEqual(Object.keys(truth.vars).sort());

    // Decision: a BOM is stripped with a warning; dotenv keeps the first key too (JavaScript's
    // \s matches U+FEFF), so the values agree. Ruby foreman loses that key.
    const hasBom = bytes.subarray(0, 3).equals(BOM);
    expect(parsed.diagnostics.some((d) => d.code === "ENV_BOM")).toBe(hasBom);

    if (!Buffer.from(text, "utf8").equals(bytes)) {
      // Decision: not UTF-8 (042 is Latin-1) is an error, not U+FFFD in a value as dotenv gives.
      const error: unknown = await loadEnv([id], { cwd: envsDir, inherit: {} }).catch(
        (caught: unknown) => caught,
      );
      expect((error as EnvError).code).toBe("ENV_FILE_INVALID_UTF8");
      expect((error as EnvError).message).toMatch(
        new RegExp(`^${id}: not valid UTF-8 at line \\d+$`),
      );
      return;
    }

    const loaded = await loadEnv([id], { cwd: envsDir, inherit: {} });
    expect(loaded.vars).toEqual(truth.expanded);
    expect(Object.keys(loaded.sources).sort()).toEqual(Object.keys(truth.expanded).sort());
    for (const [key, source] of Object.entries(loaded.sources)) {
      expect(source).toEqual({ key, file: join(envsDir, id), line: parsed.lines[key] });
    }

    // No message quotes a value: check every value long enough not to occur in a message by chance.
    const keys = Object.keys(truth.vars).join("\n");
    const values = Object.values(truth.vars).filter((v) => v.length >= 6 && !keys.includes(v));
    // (File-level diagnostics, line 0, are about the file's mode and name no value.)
    for (const diagnostic of loaded.diagnostics.filter((d) => d.line > 0)) {
      for (const value of values) {
        expect(diagnostic.message).not.toContain(value);
        expect(diagnostic.hint ?? "").not.toContain(value);
      }
    }

    // Where Ruby foreman reads a key dotenv does not, the line sits inside a multi-line value
    // dotenv read (072: the last line of a PEM key looks like KEY=).
    const ruby = foremanTruth.get(id)?.vars ?? {};
    for (const key of Object.keys(ruby).filter((k) => !(k in truth.vars))) {
      expect(Object.values(truth.vars).some((value) => value.includes(`\n${key}`))).toBe(true);
    }
  });
});
