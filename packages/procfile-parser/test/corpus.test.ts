// Compares the parser with Ruby foreman 0.87.2 on 178 real Procfiles (see the corpus README).
// The corpus lives outside the repo and is never copied into it; this file skips itself when
// the corpus is absent. FOREMAN_CORPUS_DIR points it elsewhere.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ProcfileDiagnostic, readProcfile } from "../src/index.js";

interface TruthRecord {
  id: string;
  entries: { name: string; command: string }[];
  error: string | null;
  check: { exit: number; output: string };
}

function findRepoRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "pnpm-workspace.yaml"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
const corpusDir =
  process.env.FOREMAN_CORPUS_DIR ??
  (repoRoot === undefined ? undefined : resolve(repoRoot, "..", "shared", "corpus"));
const truthPath =
  corpusDir === undefined ? undefined : join(corpusDir, "truth", "procfiles.foreman-0.87.2.jsonl");
const present = truthPath !== undefined && existsSync(truthPath);
if (!present)
  console.log(
    `skipping the Procfile corpus test: no corpus at ${corpusDir ?? "(repo root not found)"}`,
  );

const truth: TruthRecord[] = present
  ? readFileSync(truthPath, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as TruthRecord)
  : [];

// Ruby foreman 0.87.2, Foreman::Procfile#parse: File.read(f).gsub("\r\n","\n").split("\n"), each
// line matched against /^([A-Za-z0-9_-]+):\s*(.+)$/. Ruby's \s is ASCII and its `.` stops only at
// \n, hence the explicit classes. The emulation is checked against the recorded truth first, so
// the line numbers it gives can be trusted.
const RUBY_ENTRY = /^([A-Za-z0-9_-]+):[ \t\n\v\f\r]*([^\n]+)$/;
const BLANK_OR_COMMENT = /^[ \t\f\v]*(?:#.*)?$/s;
const TRAILING_WHITESPACE = /[ \t\f\v\r]+$/;

interface Expectation {
  entries: { name: string; command: string; line: number }[];
  /** Lines Ruby drops silently (or that we drop: duplicates, blank commands): each needs an error. */
  reportedLines: number[];
  indentedLines: number[];
  /** True when Ruby reads every line as an entry or a comment, without duplicates. */
  clean: boolean;
}

function expectationFor(rawSource: string, rubyEntries: TruthRecord["entries"]): Expectation {
  const lines = rawSource.replace(/\r\n/g, "\n").split("\n");
  const emulated = lines.flatMap((line) => {
    const match = RUBY_ENTRY.exec(line);
    return match === null ? [] : [{ name: match[1]!, command: match[2]! }];
  });
  expect(emulated).toEqual(rubyEntries);

  const expectation: Expectation = {
    entries: [],
    reportedLines: [],
    indentedLines: [],
    clean: true,
  };
  const seen = new Set<string>();
  const take = (name: string, rawCommand: string, line: number): boolean => {
    const command = rawCommand.replace(TRAILING_WHITESPACE, "");
    if (command === "" || seen.has(name)) return false;
    seen.add(name);
    expectation.entries.push({ name, command, line });
    return true;
  };
  lines.forEach((text, index) => {
    const line = index + 1;
    const rubyMatch = RUBY_ENTRY.exec(text);
    if (rubyMatch !== null) {
      if (!take(rubyMatch[1]!, rubyMatch[2]!, line)) {
        expectation.reportedLines.push(line);
        expectation.clean = false;
      }
      return;
    }
    if (BLANK_OR_COMMENT.test(text)) return;
    expectation.clean = false;
    // An indented entry: Ruby drops it, Heroku (and we) run it.
    const indented = /^[ \t\f\v]+/.test(text)
      ? RUBY_ENTRY.exec(text.replace(/^[ \t\f\v]+/, ""))
      : null;
    if (indented !== null && take(indented[1]!, indented[2]!, line))
      expectation.indentedLines.push(line);
    else expectation.reportedLines.push(line);
  });
  return expectation;
}

function codesByLine(diagnostics: ProcfileDiagnostic[]): string[] {
  return diagnostics.map((d) => `${d.line}:${d.code}`);
}

describe.skipIf(!present)("Procfile corpus vs Ruby foreman 0.87.2", () => {
  const dir = corpusDir ?? "";

  it("has the files and ground truth its README describes", () => {
    const readme = readFileSync(join(dir, "README.md"), "utf8");
    expect(readme).toContain("procfiles.foreman-0.87.2.jsonl");
    const files = readdirSync(join(dir, "procfiles"));
    expect(truth.map((record) => record.id).sort()).toEqual(files.sort());
    expect(truth.length).toBeGreaterThanOrEqual(178);
  });

  it.each(truth.map((record) => [record.id, record] as const))(
    "procfile %s",
    async (id, record) => {
      const path = join(dir, "procfiles", id);
      const raw = readFileSync(path);
      // Ruby splits only on LF (after CRLF→LF); a lone CR would shift its line numbers against ours.
      expect(raw.toString("latin1").replace(/\r\n/g, "")).not.toContain("\r");
      const result = await readProcfile(path);
      const expectation = expectationFor(
        new TextDecoder("utf-8", { ignoreBOM: true }).decode(raw),
        record.entries,
      );

      expect(result.entries).toEqual(expectation.entries);
      const errorLines = new Set(
        result.diagnostics.filter((d) => d.severity === "error").map((d) => d.line),
      );
      for (const line of expectation.reportedLines)
        expect(errorLines, `line ${line} is reported`).toContain(line);
      for (const line of expectation.indentedLines) {
        expect(codesByLine(result.diagnostics)).toContain(`${line}:PROCFILE_INDENTED_ENTRY`);
      }
      const noProcesses = result.diagnostics.some((d) => d.code === "PROCFILE_NO_PROCESSES");
      expect(noProcesses).toBe(expectation.entries.length === 0);
      if (expectation.clean) {
        const errors = result.diagnostics.filter(
          (d) => d.severity === "error" && d.code !== "PROCFILE_NO_PROCESSES",
        );
        expect(errors).toEqual([]);
      }
      for (const diagnostic of result.diagnostics) expect(diagnostic.file).toBe(path);
    },
  );

  // The files the corpus README calls out, with exactly the diagnostics we give them.
  it.each<[string, string[]]>([
    [
      "005",
      [
        "6:PROCFILE_YAML_BLOCK",
        "7:PROCFILE_YAML_BLOCK",
        "8:PROCFILE_YAML_BLOCK",
        "9:PROCFILE_YAML_BLOCK",
        "10:PROCFILE_YAML_BLOCK",
      ],
    ],
    ["032", ["3:PROCFILE_TEMPLATE_TAG", "6:PROCFILE_TEMPLATE_TAG"]],
    [
      "051",
      [
        "8:PROCFILE_MERGE_CONFLICT",
        "10:PROCFILE_MERGE_CONFLICT",
        "11:PROCFILE_DUPLICATE_NAME",
        "12:PROCFILE_MERGE_CONFLICT",
      ],
    ],
    ["068", ["1:PROCFILE_MISSING_COLON", "2:PROCFILE_MISSING_COLON", "1:PROCFILE_NO_PROCESSES"]],
    ["143", ["7:PROCFILE_INDENTED_ENTRY"]],
    ["152", ["2:PROCFILE_SPACE_BEFORE_COLON"]],
    ["153", ["1:PROCFILE_MISSING_COLON", "2:PROCFILE_MISSING_COLON", "1:PROCFILE_NO_PROCESSES"]],
    ["159", []],
    ["160", []],
    ["170", []],
    ["171", []],
    ["173", ["2:PROCFILE_DUPLICATE_NAME"]],
  ])("notable file %s", async (id, expected) => {
    const { diagnostics } = await readProcfile(join(dir, "procfiles", id));
    expect(codesByLine(diagnostics)).toEqual(expected);
  });

  it.each(["029", "030"])(
    "ERB template %s: every dropped line is a template-tag error",
    async (id) => {
      const { diagnostics } = await readProcfile(join(dir, "procfiles", id));
      expect(diagnostics.length).toBeGreaterThan(5);
      expect(new Set(diagnostics.map((d) => d.code))).toEqual(new Set(["PROCFILE_TEMPLATE_TAG"]));
    },
  );

  it("152: the hint shows the fixed line", async () => {
    const { diagnostics } = await readProcfile(join(dir, "procfiles", "152"));
    expect(diagnostics[0]?.hint).toBe("did you mean `error: ruby ./error`?");
  });

  it("CRLF files (159, 160, 170, 171) give the same commands as Ruby, without CR", async () => {
    for (const id of ["159", "160", "170", "171"]) {
      const { entries } = await readProcfile(join(dir, "procfiles", id));
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) expect(entry.command).not.toContain("\r");
    }
  });
});
