import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI, type makeProject, runCli, useProjects } from "../helpers.js";

const project = useProjects();

const OK = "web: node -e 0\nworker: node -e 0\n";

interface BadInputCase {
  title: string;
  files?: Parameters<typeof makeProject>[0];
  setup?: (dir: string) => void;
  args: string[];
  exitCode: number;
  message: RegExp;
}

// Every case: one line on stderr, `foreman: ...`, the expected exit code, nothing started.
const cases: BadInputCase[] = [
  { title: "a missing Procfile", files: {}, args: ["start"], exitCode: 1, message: /Procfile/ },
  {
    title: "a Procfile that is a directory",
    setup: (d) => mkdirSync(join(d, "Procfile")),
    args: ["start"],
    exitCode: 1,
    message: /directory/,
  },
  {
    title: "an empty Procfile",
    files: { Procfile: "" },
    args: ["start"],
    exitCode: 1,
    message: /no processes/i,
  },
  {
    title: "a Procfile of comments only",
    files: { Procfile: "# nothing\n\n" },
    args: ["start"],
    exitCode: 1,
    message: /no processes/i,
  },
  {
    title: "a Procfile line without a colon",
    files: { Procfile: "web node a.js\n" },
    args: ["start"],
    exitCode: 1,
    message: /Procfile:1/,
  },
  {
    title: "a FIFO as Procfile",
    setup: (d) => execFileSync("mkfifo", [join(d, "Procfile")]),
    args: ["start"],
    exitCode: 1,
    message: /Procfile/,
  },
  {
    title: "/dev/zero as Procfile",
    files: {},
    args: ["start", "-f", "/dev/zero"],
    exitCode: 1,
    message: /\/dev\/zero/,
  },
  {
    title: "a missing -e file",
    files: { Procfile: OK },
    args: ["start", "-e", "nope.env"],
    exitCode: 1,
    message: /nope\.env/,
  },
  {
    title: "a directory as -e file",
    files: { Procfile: OK },
    setup: (d) => mkdirSync(join(d, "dir.env")),
    args: ["start", "-e", "dir.env"],
    exitCode: 1,
    message: /dir\.env/,
  },
  {
    title: "an unknown flag",
    files: { Procfile: OK },
    args: ["start", "--bogus"],
    exitCode: 2,
    message: /unknown option --bogus/,
  },
  {
    title: "an unknown command",
    files: { Procfile: OK },
    args: ["strat"],
    exitCode: 2,
    message: /unknown command "strat".*start/,
  },
  {
    title: "a flag without its value",
    files: { Procfile: OK },
    args: ["start", "-m"],
    exitCode: 2,
    message: /-m needs a value/,
  },
  {
    title: "a negative formation count",
    files: { Procfile: OK },
    args: ["start", "-m", "web=-1"],
    exitCode: 2,
    message: /formation/,
  },
  {
    title: "a formation count that is not a number",
    files: { Procfile: OK },
    args: ["start", "-m", "web=x"],
    exitCode: 2,
    message: /formation/,
  },
  {
    title: "a formation naming an unknown process",
    files: { Procfile: OK },
    args: ["start", "-m", "nothere=1"],
    exitCode: 2,
    message: /nothere.*web, worker/,
  },
  {
    title: "an unknown process name",
    files: { Procfile: OK },
    args: ["start", "nothere"],
    exitCode: 2,
    message: /nothere.*web, worker/,
  },
  {
    title: "a port out of range",
    files: { Procfile: OK },
    args: ["start", "-p", "70000"],
    exitCode: 2,
    message: /port "70000"/,
  },
  {
    title: "a port that is not a number",
    files: { Procfile: OK },
    args: ["start", "-p", "abc"],
    exitCode: 2,
    message: /port "abc"/,
  },
  {
    title: "a timeout that is not a number",
    files: { Procfile: OK },
    args: ["start", "-t", "soon"],
    exitCode: 2,
    message: /timeout "soon"/,
  },
  {
    title: "a formation of nothing",
    files: { Procfile: OK },
    args: ["start", "-m", "all=0"],
    exitCode: 2,
    message: /no process/,
  },
  {
    title: "a formation over the safety limit",
    files: { Procfile: OK },
    args: ["start", "-m", "web=1001"],
    exitCode: 2,
    message: /--force/,
  },
  {
    title: "invalid YAML in .foreman",
    files: { Procfile: OK, ".foreman": "port: [1,\n" },
    args: ["start"],
    exitCode: 1,
    message: /\.foreman/,
  },
  {
    title: "a bad .foreman value",
    files: { Procfile: OK, ".foreman": "timestamp: maybe\n" },
    args: ["start"],
    exitCode: 1,
    message: /timestamp.*true or false/,
  },
  {
    title: "a binary Procfile",
    files: { Procfile: "web: a\u0000b\n" },
    args: ["start"],
    exitCode: 1,
    message: /Procfile/,
  },
];

describe("bad input: one line, a clear message, a non-zero exit, nothing started", () => {
  it.each(cases)("$title", async (testCase) => {
    const cwd = project(testCase.files ?? {});
    testCase.setup?.(cwd);
    const result = await runCli(testCase.args, { cwd });
    expect(result.exitCode).toBe(testCase.exitCode);
    expect(result.stdout).toBe("");
    const lines = result.stderr.trimEnd().split("\n");
    expect(lines, result.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^foreman: /);
    expect(lines[0]).toMatch(testCase.message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("names an unreadable Procfile (as an unprivileged user)", async () => {
    const cwd = project({ Procfile: { content: OK, mode: 0o000 } });
    let setprivOk = true;
    try {
      execFileSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]);
    } catch {
      setprivOk = false;
    }
    if (!setprivOk || process.getuid?.() !== 0) {
      console.log("skipped: needs root and setpriv to run as an unprivileged user");
      return;
    }
    const { execa } = await import("execa");
    execFileSync("chmod", ["755", cwd]);
    const result = await execa(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, CLI, "start"],
      { cwd, reject: false },
    );
    expect(result.exitCode).toBe(1);
    expect(String(result.stderr)).toMatch(/^foreman: .*Procfile/);
    expect(String(result.stderr).trim().split("\n")).toHaveLength(1);
  });
});
