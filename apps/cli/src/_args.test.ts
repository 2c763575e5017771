import { describe, expect, it } from "vitest";
import { type OptionSpec, parseArgs } from "./_args.js";

const specs: OptionSpec[] = [
  { name: "procfile", short: "f", type: "string", description: "" },
  { name: "env", short: "e", type: "list", description: "" },
  { name: "color", short: "c", type: "boolean", negatable: true, description: "" },
  { name: "help", short: "h", type: "boolean", description: "" },
];

describe("parseArgs", () => {
  it.each([
    [["-f", "P"], { procfile: "P" }],
    [["-fP"], { procfile: "P" }],
    [["--procfile=P"], { procfile: "P" }],
    [["--procfile", "P"], { procfile: "P" }],
    [["-e", "a", "--env", "b,c"], { env: ["a", "b,c"] }],
    [["--color"], { color: true }],
    [["--no-color"], { color: false }],
    [["-ch"], { color: true, help: true }],
  ] as const)("reads %j", (argv, options) => {
    expect(parseArgs(argv, specs, { command: "start" }).options).toEqual(options);
  });

  it("keeps positionals, and everything after -- or the first positional when asked", () => {
    expect(parseArgs(["web", "-c", "worker"], specs, { command: "start" }).positionals).toEqual([
      "web",
      "worker",
    ]);
    expect(parseArgs(["--", "-c"], specs, { command: "start" }).positionals).toEqual(["-c"]);
    expect(
      parseArgs(["ls", "-c", "--x"], specs, { command: "run", stopAtPositional: true }),
    ).toEqual({
      options: {},
      positionals: ["ls", "-c", "--x"],
    });
  });

  it.each([
    [["--bogus"], "CLI_UNKNOWN_OPTION"],
    [["-x"], "CLI_UNKNOWN_OPTION"],
    [["-f"], "CLI_MISSING_VALUE"],
    [["--color=yes"], "CLI_UNEXPECTED_VALUE"],
    [["--no-procfile"], "CLI_UNKNOWN_OPTION"],
  ] as const)("refuses %j with %s", (argv, code) => {
    expect(() => parseArgs(argv, specs, { command: "start" })).toThrow(
      expect.objectContaining({ code, kind: "usage" }),
    );
  });
});
