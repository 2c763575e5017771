import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatProcfile } from "./_format.js";
import { parseProcfile } from "./_parse.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

// Pieces people (and accidents) put in Procfiles, so random lines hit every branch.
const token = fc.constantFrom(
  "web",
  "worker",
  "my.app",
  "a-b_C9",
  ":",
  ": ",
  " :",
  " ",
  "  ",
  "\t",
  "\r",
  "\n",
  "\r\n",
  "#",
  "\uFEFF",
  "\uFFFD",
  "\u0000",
  "\u001b[31m",
  "$PORT",
  "&&",
  "\\",
  "|",
  ">-",
  "<%=",
  "%>",
  "{{",
  "{%",
  "<<<<<<< HEAD",
  "=======",
  ">>>>>>> main",
  "node server.js",
  "😀",
);
const procfileLike = fc
  .array(fc.oneof(token, fc.string({ maxLength: 4 })), { maxLength: 30 })
  .map((parts) => parts.join(""));
const anySource = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), procfileLike);

const BLANK_OR_COMMENT = /^[ \t\f\v]*(?:#.*)?$/s;

function contentLines(source: string): number[] {
  return source
    .replace(/^\uFEFF/, "")
    .split(/\r\n|\r|\n/)
    .flatMap((line, index) => (BLANK_OR_COMMENT.test(line) ? [] : [index + 1]));
}

describe("parseProcfile properties", () => {
  it("never throws, and every non-blank, non-comment line is an entry or has a diagnostic", () => {
    fc.assert(
      fc.property(anySource, (source) => {
        const { entries, diagnostics } = parseProcfile(source);
        // A NUL makes the whole file binary: one diagnostic stands for every line.
        if (source.includes("\u0000")) {
          expect(entries).toEqual([]);
          expect(diagnostics.map((d) => d.code)).toEqual(["PROCFILE_BINARY"]);
          return;
        }
        const covered = new Set([...entries.map((e) => e.line), ...diagnostics.map((d) => d.line)]);
        for (const line of contentLines(source)) expect(covered).toContain(line);
        if (entries.length === 0)
          expect(diagnostics.map((d) => d.code)).toContain("PROCFILE_NO_PROCESSES");
      }),
      { numRuns: fuzzRuns(1500) },
    );
  });

  it("yields only well-formed entries, with unique names and ascending lines", () => {
    fc.assert(
      fc.property(anySource, (source) => {
        const { entries, diagnostics } = parseProcfile(source);
        const lineCount = source.split(/\r\n|\r|\n/).length;
        for (const entry of entries) {
          expect(entry.name).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(entry.command).not.toMatch(/^[ \t\f\v]|[ \t\f\v]$|^$|[\r\n\u0000\uFFFD]/);
          expect(entry.line).toBeLessThanOrEqual(lineCount);
        }
        expect(new Set(entries.map((e) => e.name)).size).toBe(entries.length);
        expect(entries.map((e) => e.line)).toEqual(
          [...entries.map((e) => e.line)].sort((a, b) => a - b),
        );
        for (const diagnostic of diagnostics) {
          expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          expect(diagnostic.column).toBeGreaterThanOrEqual(1);
          expect(diagnostic.message).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
          expect(diagnostic.hint ?? "").not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        }
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
  const command = fc
    .string({ unit: "grapheme-composite", minLength: 1, maxLength: 40 })
    .map((text) => text.replace(/[\r\n\u0000\uFFFD]/g, "x").replace(/^[ \t\f\v]+|[ \t\f\v]+$/g, ""))
    .filter((text) => text !== "");
  const entryList = fc.uniqueArray(fc.record({ name, command }), {
    selector: (entry) => entry.name,
    minLength: 1,
    maxLength: 8,
  });

  it("round-trips: parseProcfile(formatProcfile(entries)) gives the same entries", () => {
    fc.assert(
      fc.property(entryList, (entries) => {
        const { entries: parsed, diagnostics } = parseProcfile(formatProcfile(entries));
        expect(parsed.map(({ name, command }) => ({ name, command }))).toEqual(entries);
        expect(parsed.map((e) => e.line)).toEqual(entries.map((_, index) => index + 1));
        // A command may itself look like a YAML block header (`|`); nothing else is an error.
        const errors = diagnostics.filter(
          (d) => d.severity === "error" && d.code !== "PROCFILE_YAML_BLOCK",
        );
        expect(errors).toEqual([]);
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it("agrees with Ruby foreman's regex on every non-indented LF line it accepts", () => {
    // Ruby's `\s` is ASCII-only and its `.` stops only at LF; JavaScript's are wider.
    const ruby = /^([A-Za-z0-9_-]+):[ \t\n\v\f\r]*([^\n]+)$/;
    fc.assert(
      fc.property(procfileLike, (source) => {
        if (source.includes("\u0000") || source.includes("\r")) return;
        const { entries } = parseProcfile(source);
        const byLine = new Map(entries.map((e) => [e.line, e]));
        source
          .replace(/^\uFEFF/, "")
          .split("\n")
          .forEach((line, index) => {
            const match = ruby.exec(line);
            const entry = byLine.get(index + 1);
            if (match === null || line.includes("\uFFFD")) {
              if (entry !== undefined) expect(line).toMatch(/^[ \t\f\v]/);
              return;
            }
            const trimmed = (match[2] ?? "").replace(/[ \t\f\v]+$/, "");
            // Either we read the same entry, or it is a blank command or a later duplicate.
            if (entry !== undefined)
              expect([entry.name, entry.command]).toEqual([match[1], trimmed]);
            else expect(trimmed === "" || entries.some((e) => e.name === match[1])).toBe(true);
          });
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });
});
