// biome-ignore-all lint/suspicious/noTemplateCurlyInString: env text with ${VAR} references is the subject here
import { parse as dotenvParse } from "dotenv";
import { expand as dotenvExpand } from "dotenv-expand";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CombineEnvOptions, combineEnvFiles, type LoadedEnvFile } from "./_load.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

function file(text: string, name = ".env", mode?: number): LoadedEnvFile {
  const loaded: LoadedEnvFile = { shown: name, path: `/project/${name}`, text };
  if (mode !== undefined) loaded.mode = mode;
  return loaded;
}

function combine(text: string, options: CombineEnvOptions = {}) {
  return combineEnvFiles([file(text)], options);
}

/** dotenv + dotenv-expand, the reference, with copies so nothing (least of all process.env) is written. */
function reference(text: string, inherit: Record<string, string> = {}): Record<string, string> {
  const parsed = dotenvParse(text);
  const result = dotenvExpand({ parsed: { ...parsed }, processEnv: { ...inherit } });
  return result.parsed ?? {};
}

const expansionCases: [string, string, Record<string, string>][] = [
  ["braced", "A=1\nB=${A}\n", {}],
  ["unbraced", "A=1\nB=$A/x\n", {}],
  ["default", "B=${MISSING:-fallback}\n", {}],
  ["default with dash only", "B=${MISSING-fallback}\n", {}],
  ["default not used", "A=1\nB=${A:-fallback}\n", {}],
  ["default for an empty value", "A=\nB=${A:-fallback}\nC=${A-dash}\n", {}],
  ["alternative", "A=1\nB=${A:+alt}\nC=${MISSING:+alt}\nD=${A+alt}\n", {}],
  ["nested default", "B=${MISSING:-${ALSO:-deep}}\n", {}],
  ["escaped dollar stays literal", "A=1\nB=\\$A\nC=\\${A}\nD=cost: \\$5\n", {}],
  ["escaped and unescaped together", "A=a\nB=\\${A} ${A}\n", {}],
  ["forward reference is empty", "B=$A\nA=1\n", {}],
  ["self reference", "A=$A\n", {}],
  ["self reference with inherited value", "A=$A:/x\n", { A: "in" }],
  ["reference to inherited", "B=${HOME}/bin\n", { HOME: "/root" }],
  ["inherited wins over the file (dotenv-expand short-circuit)", "A=file\nB=$A\n", { A: "env" }],
  ["empty inherited value counts as unset", "A=file\nB=$A\n", { A: "" }],
  ["single quotes are expanded too", "A=1\nB='$A'\n", {}],
  ["double quotes", 'A=1\nB="x $A y"\n', {}],
  ["replacement patterns in a value", "A=x$$y\nB=$A\nC=$&\n", {}],
  ["recursive expansion", "A=$B\nB=1\nC=$A\n", { B: "$D", D: "deep" }],
  ["dollar at the end", "A=cost$\nB=$\nC=${}\n", {}],
  ["mutual reference", "A=$B\nB=$A\n", {}],
  ["numeric keys are processed first", "B=b\n1=$B\n", {}],
];

describe("expansion equals dotenv-expand 12", () => {
  it.each(expansionCases)("%s", (_name, text, inherit) => {
    expect(combine(text, { inherit, override: false }).vars).toEqual(reference(text, inherit));
    if (Object.keys(inherit).length === 0) expect(combine(text).vars).toEqual(reference(text));
  });
});

describe("deliberate differences from dotenv-expand", () => {
  // dotenv-expand loops forever on ${constructor} and gives "[object Undefined]" for $toString,
  // because it looks names up on a plain object; we look up own properties only.
  it.each([
    ["${constructor}", ""],
    ["$toString", ""],
    ["${hasOwnProperty:-d}", "d"],
  ])("names of Object.prototype members are not set: %s", (value, expected) => {
    expect(combine(`A=${value}\n`).vars).toEqual({ A: expected });
  });

  it("does not split on the string 'null' (dotenv-expand turns ${nullable} into 'able')", () => {
    expect(combine("nullable=x\nA=${nullable}\n").vars.A).toBe("x");
  });

  it("stops a value that keeps growing (dotenv-expand never returns) and reports it", () => {
    const result = combine("X=a\\$X\nA=q$X\n");
    expect(result.vars).toEqual({ X: "a$X", A: "q$X" });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: "ENV_EXPANSION_LOOP", severity: "error", line: 2, key: "A" }),
    ]);
  });
});

describe("precedence", () => {
  it("file values override inherited ones by default, and references see the file value", () => {
    const result = combine("A=file\nB=$A\n", { inherit: { A: "env", C: "kept" } });
    expect(result.vars).toEqual({ A: "file", B: "file" });
    expect(result.env).toEqual({ A: "file", B: "file", C: "kept" });
  });

  it("a reference to an inherited variable the file redefines later sees the inherited value", () => {
    expect(combine("B=$A\nA=file\n", { inherit: { A: "env" } }).vars).toEqual({
      B: "env",
      A: "file",
    });
  });

  it("PATH=$PATH:... extends the inherited value", () => {
    expect(combine("PATH=$PATH:/app/bin\n", { inherit: { PATH: "/usr/bin" } }).env.PATH).toBe(
      "/usr/bin:/app/bin",
    );
  });

  it("override: false lets a non-empty inherited value win, and vars agrees with env", () => {
    const result = combine("A=file\nB=file\nC=file\n", {
      inherit: { A: "env", B: "", D: undefined },
      override: false,
    });
    expect(result.env).toEqual({ A: "env", B: "file", C: "file" });
    expect(result.vars).toEqual({ A: "env", B: "file", C: "file" });
    expect(result.sources.A).toEqual({ key: "A", file: "/project/.env", line: 1 });
  });

  it("expand: false keeps values as written", () => {
    const result = combine("A=1\nB=${A}\\$\n", { expand: false, inherit: { A: "env" } });
    expect(result.vars).toEqual({ A: "1", B: "${A}\\$" });
    expect(combine("A=1\n", { expand: false, override: false, inherit: { A: "env" } }).env.A).toBe(
      "env",
    );
  });

  it("a later file wins; its values can refer to an earlier file's", () => {
    const result = combineEnvFiles(
      [file("A=1\nB=$A\nC=first\n", "a.env"), file("A=2\nD=${A}-${B}-${C}\n", "b.env")],
      {},
    );
    expect(result.vars).toEqual({ A: "2", B: "1", C: "first", D: "2-1-first" });
    expect(result.sources).toEqual({
      A: { key: "A", file: "/project/b.env", line: 1 },
      B: { key: "B", file: "/project/a.env", line: 2 },
      C: { key: "C", file: "/project/a.env", line: 3 },
      D: { key: "D", file: "/project/b.env", line: 2 },
    });
    expect(result.files).toEqual(["/project/a.env", "/project/b.env"]);
  });

  it("keeps __proto__ from the environment as an ordinary key", () => {
    const result = combine("A=1\n", { inherit: { ["__proto__"]: "x" } });
    expect(Object.keys(result.env)).toEqual(["__proto__", "A"]);
    expect(Object.getPrototypeOf(result.env)).toBe(Object.prototype);
  });
});

describe("expansion diagnostics", () => {
  it("ENV_UNDEFINED_VARIABLE for a reference without a default to an unset variable", () => {
    const result = combine("A=$NOPE\nB=${NOPE:-ok}\nC=${HOME}\n", { inherit: { HOME: "/h" } });
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        code: "ENV_UNDEFINED_VARIABLE",
        severity: "warning",
        line: 1,
        key: "A",
      }),
    ]);
    expect(result.diagnostics[0]?.message).not.toContain("NOPE");
  });

  it("ENV_SINGLE_QUOTE_EXPANDED when a single-quoted value holds a reference", () => {
    const result = combine("A=1\nB='$A'\nC=\"$A\"\nD='\\$A'\n");
    expect(result.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ["ENV_SINGLE_QUOTE_EXPANDED", 2],
    ]);
    expect(combine("B='$A'\n", { expand: false }).diagnostics).toEqual([]);
  });

  it("ENV_FILE_PERMISSIONS for a file readable by group or others, with a chmod hint", () => {
    const result = combineEnvFiles([file("A=1\n", "my .env", 0o100644)]);
    expect(result.diagnostics).toEqual([
      {
        severity: "warning",
        code: "ENV_FILE_PERMISSIONS",
        message: expect.stringContaining("mode 644"),
        file: "my .env",
        line: 0,
        column: 0,
        hint: "chmod 600 'my .env'",
      },
    ]);
    expect(combineEnvFiles([file("A=1\n", ".env", 0o100600)]).diagnostics).toEqual([]);
    expect(combineEnvFiles([file("A=1\n", ".env", 0o100640)]).diagnostics[0]?.message).toContain(
      "its group",
    );
  });
});

// Env-like text rich in references, for comparing with dotenv-expand.
const names = ["A", "B", "C", "PATH", "X_1"];
const valuePiece = fc.oneof(
  fc.constantFrom(...names.map((name) => `$${name}`)),
  fc.constantFrom(...names.map((name) => `\${${name}}`)),
  fc.constantFrom(
    "${A:-d}",
    "${B-d}",
    "${C:+alt}",
    "${PATH+alt}",
    "${MISSING:-${A}}",
    "\\$A",
    "\\${B}",
    "$",
    "$$",
    "$&",
    "{",
    "}",
    ":-",
    "x",
    "/",
    " ",
    "'",
    '"',
    "\\",
  ),
);
const valueArbitrary = fc.array(valuePiece, { maxLength: 5 }).map((pieces) => pieces.join(""));
const envTextArbitrary = fc
  .array(fc.tuple(fc.constantFrom(...names), fc.constantFrom("", "'", '"'), valueArbitrary), {
    maxLength: 6,
  })
  .map((lines) => lines.map(([key, quote, value]) => `${key}=${quote}${value}${quote}\n`).join(""));
const inheritArbitrary = fc.dictionary(
  fc.constantFrom(...names),
  fc.oneof(valueArbitrary, fc.constant("")),
  { maxKeys: 3 },
);

describe("expansion properties", () => {
  it("override: false equals dotenv-expand with the inherited env as processEnv", () => {
    fc.assert(
      fc.property(envTextArbitrary, inheritArbitrary, (text, inherit) => {
        const ours = combine(text, { inherit, override: false });
        // A value that never settles would hang dotenv-expand; ours stops and says so.
        fc.pre(!ours.diagnostics.some((d) => d.code === "ENV_EXPANSION_LOOP"));
        expect(ours.vars).toEqual(reference(text, inherit));
      }),
      { numRuns: fuzzRuns(2000) },
    );
  });

  it("override: true equals dotenv-expand when the files and the environment share no key", () => {
    fc.assert(
      fc.property(envTextArbitrary, inheritArbitrary, (text, inherit) => {
        const fileKeys = Object.keys(dotenvParse(text));
        const disjoint = Object.fromEntries(
          Object.entries(inherit).filter(([key]) => !fileKeys.includes(key)),
        );
        const ours = combine(text, { inherit: disjoint });
        fc.pre(!ours.diagnostics.some((d) => d.code === "ENV_EXPANSION_LOOP"));
        expect(ours.vars).toEqual(reference(text, disjoint));
      }),
      { numRuns: fuzzRuns(1000) },
    );
  });

  it("never puts a value in an expansion diagnostic", () => {
    const MARKER = "s3cr3t!Zq";
    fc.assert(
      fc.property(envTextArbitrary, (text) => {
        const marked = text.replace(/=(['"]?)/g, `=$1${MARKER}`);
        for (const diagnostic of combine(marked).diagnostics) {
          expect(diagnostic.message).not.toContain(MARKER);
          expect(diagnostic.hint ?? "").not.toContain(MARKER);
        }
      }),
      { numRuns: fuzzRuns(500) },
    );
  });
});
