import { describe, expect, it } from "vitest";
import { assertValidProcfile } from "./_assert.js";
import { ProcfileError } from "./_error.js";
import { formatDiagnostic, formatProcfile } from "./_format.js";
import { parseProcfile } from "./_parse.js";
import type { ProcfileDiagnostic } from "./_types.js";

function thrown(action: () => unknown): ProcfileError {
  try {
    action();
  } catch (error) {
    if (error instanceof ProcfileError) return error;
    throw error;
  }
  throw new Error("expected a ProcfileError");
}

describe("formatProcfile", () => {
  it("writes one `name: command` line per entry", () => {
    expect(
      formatProcfile([
        { name: "web", command: "node server.js" },
        { name: "worker", command: "echo '#' $PORT && x" },
      ]),
    ).toBe("web: node server.js\nworker: echo '#' $PORT && x\n");
    expect(formatProcfile([])).toBe("");
  });

  it("drops surrounding whitespace, as the parser would", () => {
    expect(formatProcfile([{ name: "web", command: "  a b \t" }])).toBe("web: a b\n");
  });

  it.each<[string, { name: string; command: string }, string]>([
    ["name with a dot", { name: "my.app", command: "x" }, "PROCFILE_INVALID_ENTRY"],
    ["empty name", { name: "", command: "x" }, "PROCFILE_INVALID_ENTRY"],
    ["name with a space", { name: "a b", command: "x" }, "PROCFILE_INVALID_ENTRY"],
    ["empty command", { name: "web", command: "" }, "PROCFILE_INVALID_ENTRY"],
    ["blank command", { name: "web", command: " \t" }, "PROCFILE_INVALID_ENTRY"],
    ["LF in command", { name: "web", command: "a\nb" }, "PROCFILE_INVALID_ENTRY"],
    ["CR in command", { name: "web", command: "a\rb" }, "PROCFILE_INVALID_ENTRY"],
    ["NUL in command", { name: "web", command: "a\u0000b" }, "PROCFILE_INVALID_ENTRY"],
    [
      "non-string command",
      { name: "web", command: 1 as unknown as string },
      "PROCFILE_INVALID_ENTRY",
    ],
  ])("throws for %s", (_label, entry, code) => {
    const error = thrown(() => formatProcfile([{ name: "ok", command: "fine" }, entry]));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^entry 2: /);
    expect(error.hint).toBeTruthy();
  });

  it("throws PROCFILE_DUPLICATE_NAME for a name given twice", () => {
    const error = thrown(() =>
      formatProcfile([
        { name: "web", command: "a" },
        { name: "web", command: "b" },
      ]),
    );
    expect(error.code).toBe("PROCFILE_DUPLICATE_NAME");
  });

  it("escapes control characters of a bad name in the message", () => {
    const error = thrown(() => formatProcfile([{ name: "\u001b[2J", command: "x" }]));
    expect(error.message).not.toContain("\u001b");
    expect(error.message).toContain('invalid process name "\\x1b[2J"');
  });
});

describe("formatDiagnostic", () => {
  const base: ProcfileDiagnostic = {
    severity: "error",
    code: "PROCFILE_MISSING_COLON",
    message: "missing colon",
    line: 3,
    column: 5,
  };

  it.each<[string, ProcfileDiagnostic, string]>([
    [
      "with file and hint",
      { ...base, file: "Procfile", hint: "add one" },
      "Procfile:3:5: error: missing colon; add one",
    ],
    ["without a file", { ...base, hint: "add one" }, "3:5: error: missing colon; add one"],
    ["without a hint", { ...base, file: "P" }, "P:3:5: error: missing colon"],
    ["a warning", { ...base, severity: "warning" }, "3:5: warning: missing colon"],
    [
      "control characters everywhere",
      { ...base, file: "a\u001bb", message: "m\u009bx", hint: "h\nx" },
      "a\\x1bb:3:5: error: m\\x9bx; h\\x0ax",
    ],
  ])("%s", (_label, diagnostic, expected) => {
    expect(formatDiagnostic(diagnostic)).toBe(expected);
  });

  it("prints every diagnostic of a hostile Procfile on one safe line", () => {
    const { diagnostics } = parseProcfile("\u001b]0;pwned\u0007 x\nweb:\u001b[2J\u000b\n", {
      filename: "Procfile\u001b",
    });
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const diagnostic of diagnostics) {
      expect(formatDiagnostic(diagnostic)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    }
  });
});

describe("assertValidProcfile", () => {
  it("returns the entries of a valid Procfile, warnings allowed", () => {
    expect(assertValidProcfile("web: a\n  worker: b\n")).toEqual([
      { name: "web", command: "a", line: 1 },
      { name: "worker", command: "b", line: 2 },
    ]);
  });

  it("throws a ProcfileError built from the first error, carrying all diagnostics", () => {
    const error = thrown(() =>
      assertValidProcfile("  web: a\nweb : b\nworker:\n", { filename: "Procfile" }),
    );
    expect(error.code).toBe("PROCFILE_SPACE_BEFORE_COLON");
    expect(error.name).toBe("ProcfileError");
    expect(error.file).toBe("Procfile");
    expect(error.line).toBe(2);
    expect(error.column).toBe(4);
    expect(error.hint).toBe("did you mean `web: b`?");
    expect(error.message).toMatch(
      /^Procfile:2:4: space before ":" in `web : b`.* \(and 1 more error\)$/,
    );
    expect(error.diagnostics.map((d) => d.code)).toEqual([
      "PROCFILE_INDENTED_ENTRY",
      "PROCFILE_SPACE_BEFORE_COLON",
      "PROCFILE_EMPTY_COMMAND",
    ]);
  });

  it("throws PROCFILE_NO_PROCESSES for an empty Procfile", () => {
    const error = thrown(() => assertValidProcfile(""));
    expect(error.code).toBe("PROCFILE_NO_PROCESSES");
    expect(error.message).toBe("1:1: no processes defined");
    expect(error.file).toBeUndefined();
  });
});

describe("ProcfileError", () => {
  it("carries code, location, hint, cause and diagnostics", () => {
    const cause = new Error("inner");
    const error = new ProcfileError({
      code: "PROCFILE_X",
      message: "m",
      line: 1,
      hint: "h",
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: "PROCFILE_X",
      message: "m",
      line: 1,
      hint: "h",
      cause,
      diagnostics: [],
    });
    expect(new ProcfileError({ code: "C", message: "m" }).cause).toBeUndefined();
  });
});
