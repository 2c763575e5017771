// biome-ignore-all lint/suspicious/noTemplateCurlyInString: env text with ${VAR} references is the subject here
import { parse as dotenvParse } from "dotenv";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanEnv } from "./_parse.js";
import { parseEnv } from "./index.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

// Inputs that exercise every corner of dotenv's LINE pattern we know of.
const dotenvCases: [string, string][] = [
  ["empty file", ""],
  ["blank and comment lines", "\n\n# comment\n   # indented comment\n\n"],
  ["basic", "A=1\nB=two\n"],
  ["no trailing newline", "A=1"],
  ["empty value", "A=\nB=\n"],
  ["empty value at end of file", "A="],
  ["whitespace-only value", "A=   \n"],
  ["single quotes", "A='one two'\n"],
  ["double quotes", 'A="one two"\n'],
  ["backticks", "A=`one 'two' \"three\"`\n"],
  ["empty quotes", "A=''\nB=\"\"\nC=``\n"],
  ["double-quoted escapes", 'A="a\\nb\\rc\\td"\n'],
  ["single-quoted escapes stay", "A='a\\nb'\n"],
  ["multi-line double quotes", 'A="line 1\nline 2\nline 3"\nB=after\n'],
  ["multi-line single quotes", "A='line 1\nline 2'\nB=after\n"],
  ["multi-line backticks", "A=`line 1\nline 2`\n"],
  ["PEM key", 'KEY="-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34==\n-----END KEY-----"\n'],
  ["export", "export A=1\nexport   B=2\n"],
  ["export as a key", "export=1\n"],
  ["inline comment", "A=value # comment\nB=value#not-a-space\n"],
  ["hash inside quotes", "A=\"a # b\"\nB='#c'\n"],
  ["comment after quotes", 'A="x" # comment\n'],
  ["hash directly after equals", "COLOR=#fff\n"],
  ["CRLF", "A=1\r\nB=2\r\n"],
  ["lone CR", "A=1\rB=2\r"],
  ["CRLF inside a multi-line value", 'A="x\r\ny"\r\n'],
  ["spaces around equals", "A = 1\nB =2\nC= 3\n"],
  ["tabs", "\tA\t=\t1\t\n"],
  ["colon separator", "A: 1\nB:2\n"],
  ["colon then next line", "C:\nD=x\n"],
  ["key alone then equals line", "E\n=f\n"],
  ["empty value then definition", "A=\nB=c\n"],
  ["BOM", "\ufeffA=1\nB=2\n"],
  ["BOM before a comment", "\ufeff# c\nA=1\n"],
  ["BOM before a blank line", "\ufeff\nA=1\n"],
  ["duplicates", "A=1\nA=2\nB=3\nA=4\n"],
  ["unterminated double quote", 'A="abc\nB=2\n'],
  ["unterminated quote swallowed until a later quote", 'A="abc\nB=2\nC="\n'],
  ["unterminated quote with a later bad quote", 'A="abc\nB=2\nC="x"\n'],
  ["text after closing quote", "A='a' 'b'\nB=\"x\"y\n"],
  ["escaped quotes", 'A="say \\"hi\\""\nB=\'it\\\'s\'\n'],
  ["line without equals", "JUSTTEXT\nA=1\n"],
  ["bare export", "export A\nB=1\n"],
  ["invalid keys", "MY KEY=1\n$X=2\nKEY[0]=3\n=4\nÄ=5\n"],
  ["dotted, dashed and numeric keys", "a.b=1\nc-d=2\n1X=3\n"],
  ["prototype keys", "__proto__=1\nconstructor=2\ntoString=3\n"],
  ["merge conflict", "<<<<<<< HEAD\nA=1\n=======\nA=2\n>>>>>>> branch\n"],
  ["unicode", "A=héllo wörld ✓\nB='日本'\n"],
  ["dollar signs", "A=$B\nB=${C:-d}\nC='$X'\nD=\\$E\n"],
  ["trailing spaces", "A=1   \nB='x'   \n"],
  ["YAML-ish list", "- A=1\n"],
  ["quote in the middle", 'A=ab"cd\n'],
  ["line separator characters", "A=a\u2028b\nB=c\u2029\n"],
];

describe("parseEnv vars equal dotenv.parse", () => {
  it.each(dotenvCases)("%s", (_name, source) => {
    const result = parseEnv(source);
    expect(result.vars).toEqual(dotenvParse(source));
    expect(Object.keys(result.lines).sort()).toEqual(Object.keys(result.vars).sort());
  });
});

describe("lines", () => {
  it("gives the line where the winning definition starts, counting multi-line values", () => {
    const { lines } = parseEnv('A=1\nB="x\ny\nz"\n\nC=3\nA=4\r\nD=5\n');
    expect(lines).toEqual({ A: 7, B: 2, C: 6, D: 8 });
  });

  it("counts a lone CR as a line end, as dotenv does", () => {
    expect(parseEnv("A=1\rB=2").lines).toEqual({ A: 1, B: 2 });
  });
});

describe("BOM", () => {
  it("strips it, warns, and keeps the first key as dotenv does", () => {
    const source = "\ufeffFIRST=1\nSECOND=2\n";
    const result = parseEnv(source, { filename: ".env" });
    expect(result.vars).toEqual({ FIRST: "1", SECOND: "2" });
    expect(result.vars).toEqual(dotenvParse(source));
    expect(result.lines).toEqual({ FIRST: 1, SECOND: 2 });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: "ENV_BOM",
        severity: "warning",
        line: 1,
        column: 1,
        file: ".env",
      }),
    ]);
  });
});

interface ExpectedDiagnostic {
  severity: "error" | "warning";
  line: number;
  column: number;
  key?: string;
}

const diagnosticCases: [string, string, ExpectedDiagnostic][] = [
  ["ENV_BOM", "\ufeffA=1\n", { severity: "warning", line: 1, column: 1 }],
  [
    "ENV_SPACE_AROUND_EQUALS",
    "OK=1\nA = 1\n",
    { severity: "warning", line: 2, column: 3, key: "A" },
  ],
  ["ENV_SPACE_AROUND_EQUALS", "A= 1\n", { severity: "warning", line: 1, column: 2, key: "A" }],
  ["ENV_COLON_SEPARATOR", "A: 1\n", { severity: "warning", line: 1, column: 2, key: "A" }],
  ["ENV_VALUE_ON_NEXT_LINE", "C:\nD=x\n", { severity: "error", line: 1, column: 2, key: "C" }],
  ["ENV_VALUE_ON_NEXT_LINE", "E\n=f\n", { severity: "error", line: 1, column: 1, key: "E" }],
  ["ENV_VALUE_ON_NEXT_LINE", 'A=\n"x"\n', { severity: "error", line: 1, column: 2, key: "A" }],
  ["ENV_UNTERMINATED_QUOTE", 'A="abc\nB=2\n', { severity: "error", line: 1, column: 3, key: "A" }],
  ["ENV_UNTERMINATED_QUOTE", "A='abc # x\n", { severity: "error", line: 1, column: 3, key: "A" }],
  ["ENV_TEXT_AFTER_QUOTE", 'A="x"y\n', { severity: "warning", line: 1, column: 6, key: "A" }],
  [
    "ENV_INLINE_HASH",
    "URL=http://x/#top\n",
    { severity: "warning", line: 1, column: 14, key: "URL" },
  ],
  ["ENV_INLINE_HASH", "COLOR=#fff\n", { severity: "warning", line: 1, column: 7, key: "COLOR" }],
  [
    "ENV_SUSPICIOUS_MULTILINE",
    'A="abc\nB=2\nC="\n',
    { severity: "warning", line: 1, column: 3, key: "A" },
  ],
  ["ENV_INVALID_KEY", "MY KEY=1\n", { severity: "error", line: 1, column: 1 }],
  ["ENV_INVALID_KEY", "  =1\n", { severity: "error", line: 1, column: 3 }],
  ["ENV_INVALID_KEY", "__proto__=1\n", { severity: "error", line: 1, column: 1, key: "__proto__" }],
  ["ENV_NONPORTABLE_KEY", "a.b=1\n", { severity: "warning", line: 1, column: 1, key: "a.b" }],
  ["ENV_MISSING_EQUALS", "A=1\n  sometext\n", { severity: "error", line: 2, column: 3 }],
  ["ENV_MISSING_EQUALS", "export A\n", { severity: "error", line: 1, column: 1, key: "A" }],
  ["ENV_MERGE_CONFLICT_MARKER", ">>>>>>> main\n", { severity: "error", line: 1, column: 1 }],
  ["ENV_DUPLICATE_KEY", "A=1\nB=2\nA=3\n", { severity: "warning", line: 3, column: 1, key: "A" }],
];

describe("diagnostics", () => {
  it.each(diagnosticCases)("%s: %j", (code, source, expected) => {
    const result = parseEnv(source, { filename: "x.env" });
    const found = result.diagnostics.filter((d) => d.code === code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ ...expected, file: "x.env" });
    expect(found[0]!.hint).toBeTruthy();
    // Diagnostics never change what dotenv reads.
    expect(result.vars).toEqual(dotenvParse(source));
  });

  it("names both lines of a duplicate", () => {
    const [duplicate] = parseEnv("A=1\n\nA=2\n").diagnostics;
    expect(duplicate?.message).toContain("line 1");
    expect(duplicate?.message).toContain("line 3");
  });

  it("reports nothing for a tidy file", () => {
    const source = [
      "# Database",
      "DATABASE_URL=postgres://localhost/app",
      "export PORT=5000",
      "",
      'GREETING="hello world" # a comment',
      "SINGLE='x'",
      'MULTI="line 1',
      'line 2"',
      "EMPTY=",
      "EMPTY_WITH_COMMENT= # nothing",
    ].join("\n");
    expect(parseEnv(source).diagnostics).toEqual([]);
  });

  it("does not take a PEM key's base64 lines for definitions", () => {
    const source =
      'KEY="-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLIn==\n-----END KEY-----"\n';
    expect(parseEnv(source).diagnostics).toEqual([]);
  });

  it("masks a line without '=' (it may be a pasted secret)", () => {
    const [diagnostic] = parseEnv("ghp_0123456789abcdefghij\n").diagnostics;
    expect(diagnostic?.message).toContain('"ghp_****"');
    expect(diagnostic?.message).not.toContain("0123");
  });

  it("escapes control characters in anything it quotes", () => {
    const [diagnostic] = parseEnv("MY\u001b[31mKEY=1\n").diagnostics;
    expect(diagnostic?.code).toBe("ENV_INVALID_KEY");
    expect(diagnostic?.message).toContain("\\x1b");
    expect(diagnostic?.message).not.toContain("\u001b");
  });

  it("is sorted by line", () => {
    const { diagnostics } = parseEnv("A=1\nbad line\nA = 2\nB=#x\n");
    const lines = diagnostics.map((d) => d.line);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(new Set(diagnostics.map((d) => d.code))).toEqual(
      new Set([
        "ENV_MISSING_EQUALS",
        "ENV_SPACE_AROUND_EQUALS",
        "ENV_DUPLICATE_KEY",
        "ENV_INLINE_HASH",
      ]),
    );
  });
});

// Pieces of env-like text: keys, separators, quotes of three kinds, comments, line ends.
const keyArbitrary = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("A", "B", "FOO", "a.b", "x-y", "1X", "export", "_") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/) },
);
const pieceArbitrary = fc.oneof(
  { weight: 4, arbitrary: keyArbitrary },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      "=",
      " = ",
      "= ",
      ": ",
      ":",
      "'",
      '"',
      "`",
      "#",
      " # ",
      "export ",
      "\n",
      "\r\n",
      "\r",
      " ",
      "\t",
      "\\",
      "\\n",
      '\\"',
      "$",
      "${A}",
      "\ufeff",
      "\u2028",
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 4 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) },
);
const noiseLineArbitrary = fc
  .array(pieceArbitrary, { maxLength: 8 })
  .map((pieces) => pieces.join(""));
// A line shaped like a definition, to reach quoted, multi-line and duplicate cases often.
const definitionLineArbitrary = fc
  .tuple(
    fc.constantFrom("", "", "export ", " ", "\t"),
    keyArbitrary,
    fc.constantFrom("=", "=", "=", " = ", "= ", ": ", " ="),
    fc.constantFrom("", "", "'", '"', "`", " '", ' "'),
    fc.array(pieceArbitrary, { maxLength: 4 }),
    fc.constantFrom("", "", "'", '"', "`"),
    fc.constantFrom("", "", " # comment", "#x", " "),
  )
  .map((parts) => parts.flat().join(""));
const lineArbitrary = fc.oneof(definitionLineArbitrary, noiseLineArbitrary);
const sourceArbitrary = fc
  .tuple(
    fc.integer({ min: 0, max: 4 }),
    fc.array(lineArbitrary, { maxLength: 10 }),
    fc.constantFrom("\n", "\n", "\r\n", "\r"),
  )
  .map(([bom, lines, end]) => (bom === 0 ? "\ufeff" : "") + lines.join(end));

describe("properties", () => {
  it("never throws; vars equal dotenv.parse; lines and positions are consistent", () => {
    fc.assert(
      fc.property(sourceArbitrary, (source) => {
        const scan = scanEnv(source);
        expect(scan.vars).toEqual(dotenvParse(source));
        expect(Object.keys(scan.lines).sort()).toEqual(Object.keys(scan.vars).sort());
        // The scanner's own reading of each value agrees with dotenv's.
        for (const [key, value] of Object.entries(scan.vars)) {
          expect(scan.definitions.get(key)?.value).toBe(value);
        }
        const lineCount = source.replace(/^\ufeff/, "").split(/\r\n?|\n/).length;
        for (const diagnostic of scan.diagnostics) {
          expect(diagnostic.line).toBeGreaterThanOrEqual(1);
          expect(diagnostic.line).toBeLessThanOrEqual(lineCount);
          expect(diagnostic.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: fuzzRuns(3000) },
    );
  });

  // "!" cannot be part of a key, so a marker is never legitimately quoted as one.
  const MARKER = "s3cr3t!Zq";
  const valueArbitrary = fc
    .tuple(fc.array(pieceArbitrary, { maxLength: 3 }), fc.array(pieceArbitrary, { maxLength: 3 }))
    .map(([before, after]) => `${before.join("")}${MARKER}${after.join("")}`);
  const secretLineArbitrary = fc.oneof(
    fc
      .tuple(
        keyArbitrary,
        fc.constantFrom("=", " = ", ": ", "= "),
        fc.constantFrom("", "'", '"', "`"),
        valueArbitrary,
        fc.constantFrom("", "'", '"', "`"),
        fc.constantFrom("", " # c", "#c"),
      )
      .map((parts) => parts.join("")),
    valueArbitrary,
    lineArbitrary,
  );

  it("never puts a value in a message or hint", () => {
    fc.assert(
      fc.property(
        fc.array(secretLineArbitrary, { maxLength: 8 }),
        fc.constantFrom("\n", "\r\n"),
        (lines, end) => {
          const { diagnostics } = parseEnv(lines.join(end), { filename: ".env" });
          for (const diagnostic of diagnostics) {
            expect(diagnostic.message).not.toContain(MARKER);
            expect(diagnostic.hint ?? "").not.toContain(MARKER);
          }
        },
      ),
      { numRuns: fuzzRuns(2000) },
    );
  });
});
