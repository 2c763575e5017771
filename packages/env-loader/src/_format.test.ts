import { describe, expect, it } from "vitest";
import { type EnvDiagnostic, EnvError, formatDiagnostic, parseEnv } from "./index.js";

const base: EnvDiagnostic = {
  severity: "warning",
  code: "ENV_DUPLICATE_KEY",
  message: '"A" is defined on line 1 and again on line 3; the later value wins',
  line: 3,
  column: 1,
};

describe("formatDiagnostic", () => {
  it.each<[string, EnvDiagnostic, string]>([
    [
      "file, position, hint",
      { ...base, file: ".env", hint: "delete one" },
      '.env:3:1: warning: "A" is defined on line 1 and again on line 3; the later value wins; delete one',
    ],
    [
      "no hint",
      { ...base, file: ".env" },
      '.env:3:1: warning: "A" is defined on line 1 and again on line 3; the later value wins',
    ],
    [
      "no file",
      { ...base, hint: "delete one" },
      '3:1: warning: "A" is defined on line 1 and again on line 3; the later value wins; delete one',
    ],
    [
      "whole-file diagnostic (line 0)",
      { ...base, severity: "error", file: ".env", line: 0, column: 0, message: "bad", hint: "fix" },
      ".env: error: bad; fix",
    ],
    [
      "control characters escaped everywhere",
      { ...base, file: "a\nb\u001b.env", message: "m\rx\u202e", hint: "h\t" },
      "a\\nb\\x1b.env:3:1: warning: m\\rx\\u202e; h\\t",
    ],
  ])("%s", (_name, diagnostic, expected) => {
    expect(formatDiagnostic(diagnostic)).toBe(expected);
  });

  it("formats what parseEnv produces on one line each", () => {
    const { diagnostics } = parseEnv("A = 1\nKEY\u0007=2\n", { filename: ".env" });
    const lines = diagnostics.map(formatDiagnostic);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(/^\.env:\d+:\d+: (error|warning): /);
      expect(line).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe("EnvError", () => {
  it("carries code, file, path, line, hint and cause", () => {
    const cause = new Error("EACCES");
    const error = new EnvError({
      code: "ENV_FILE_UNREADABLE",
      message: ".env: cannot read the file (permission denied)",
      file: ".env",
      path: "/app/.env",
      line: 2,
      hint: "check it",
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: "EnvError",
      code: "ENV_FILE_UNREADABLE",
      file: ".env",
      path: "/app/.env",
      line: 2,
      hint: "check it",
      cause,
    });
    expect(new EnvError({ code: "X", message: "m" })).not.toHaveProperty("file");
  });
});
