import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanEnv,
  FIXTURES,
  fixtureArg,
  nodeArg,
  runCli,
  startCli,
  useProjects,
} from "../helpers.js";

const node = nodeArg;
const fixture = fixtureArg;
const project = useProjects();

describe("foreman run", () => {
  it("runs a command with the .env loaded and exits with its code", async () => {
    const cwd = project({ ".env": "GREETING=hello\n" });
    const result = await runCli(["run", "sh", "-c", 'echo "$GREETING"; exit 7'], { cwd });
    expect(result.stdout).toBe("hello\n");
    expect(result.exitCode).toBe(7);
  });

  it("runs a single string through the shell", async () => {
    const cwd = project({ ".env": "NAME=world\n" });
    const result = await runCli(["run", 'echo "hi $NAME" && exit 0'], { cwd });
    expect(result.stdout).toBe("hi world\n");
    expect(result.exitCode).toBe(0);
  });

  it("runs a Procfile entry by name, passing extra arguments", async () => {
    const cwd = project({
      Procfile: `show: ${node} ${fixture("print-env.cjs")}\n`,
      ".env": "A=1\nB=2\n",
    });
    const result = await runCli(["run", "show", "A", "B"], { cwd });
    expect(result.stdout).toBe("A=1\nB=2\n");
  });

  it("exits with 128+n when the command dies by signal n", async () => {
    const cwd = project({});
    const result = await runCli(
      ["run", process.execPath, join(FIXTURES, "exit-with.cjs"), "SIGSEGV"],
      { cwd },
    );
    expect(result.exitCode).toBe(139);
  });

  it("exits 127 with one line when the command does not exist", async () => {
    const cwd = project({});
    const result = await runCli(["run", "no-such-command-xyz", "arg"], { cwd });
    expect(result.exitCode).toBe(127);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toMatch(/^foreman: command not found: no-such-command-xyz/);
  });

  it("forwards signals to the command and reports how it ended", async () => {
    const cwd = project({});
    const running = startCli(["run", process.execPath, join(FIXTURES, "wait.cjs")], { cwd });
    await running.waitFor(/ready/);
    running.child.kill("SIGUSR1");
    await running.waitFor(/got SIGUSR1/);
    running.child.kill("SIGTERM");
    await running.waitFor(/got SIGTERM/);
    expect((await running.exited).code).toBe(0);
  });

  it("exits 128+15 when the forwarded SIGTERM kills the command", async () => {
    const cwd = project({});
    const running = startCli(
      ["run", process.execPath, "-e", "console.log('ready'); setInterval(() => {}, 1e9)"],
      { cwd },
    );
    await running.waitFor(/ready/);
    running.child.kill("SIGTERM");
    expect((await running.exited).code).toBe(143);
  });
});

describe("foreman check", () => {
  it("names the processes of a valid Procfile", async () => {
    const cwd = project({ Procfile: "web: node server.js\nworker: node jobs.js\n" });
    const result = await runCli(["check"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("valid procfile detected (web, worker)\n");
  });

  it("lists every error with file, line and a hint, and exits 1", async () => {
    const cwd = project({ Procfile: "web: node a.js\nweb : node b.js\nworker:\nweb: node c.js\n" });
    const result = await runCli(["check"], { cwd });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/^foreman: /);
    expect(result.stderr).toMatch(/Procfile:2:/);
    expect(result.stderr).toMatch(/Procfile:3:/);
    expect(result.stderr).toMatch(/Procfile:4:/);
  });

  it("--json reports processes and diagnostics for tools, without .env values", async () => {
    const cwd = project({ Procfile: "web: node a.js\n", ".env": "SECRET_TOKEN = hunter2-value\n" });
    const result = await runCli(["check", "--json"], { cwd });
    const report = JSON.parse(result.stdout) as {
      processes: Array<{ name: string; command: string; line: number }>;
      diagnostics: Array<{ severity: string; code: string; line: number }>;
    };
    expect(report.processes).toEqual([{ name: "web", command: "node a.js", line: 1 }]);
    expect(report.diagnostics.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain("hunter2");
  });

  it("warns about a .env readable by others, naming chmod 600", async () => {
    const cwd = project({
      Procfile: "web: node a.js\n",
      ".env": { content: "A=1\n", mode: 0o644 },
    });
    const result = await runCli(["check"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/chmod 600/);
  });
});

describe("foreman env", () => {
  it("prints the expanded variables the .env files define", async () => {
    const cwd = project({ ".env": "HOST=localhost\nURL=http://${HOST}:5000\nMSG='two words'\n" });
    const result = await runCli(["env"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("HOST=localhost\nURL=http://localhost:5000\nMSG='two words'\n");
  });

  it("--json prints an object", async () => {
    const cwd = project({ ".env": "A=1\nB=${A}2\n" });
    const result = await runCli(["env", "--json"], { cwd });
    expect(JSON.parse(result.stdout)).toEqual({ A: "1", B: "12" });
  });

  it("--explain names the file and line that set a key", async () => {
    const cwd = project({ ".env": "A=1\n", "local.env": "# override\nA=2\n" });
    const result = await runCli(["env", "-e", ".env,local.env", "--explain", "A"], { cwd });
    expect(result.stdout).toBe("A is set by local.env:2\n");
    const missing = await runCli(["env", "--explain", "NOPE"], { cwd });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^foreman: no \.env file sets NOPE/);
  });
});

describe(".foreman defaults", () => {
  it("supplies defaults for flags, and the command line wins", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("print-env.cjs")} PORT\n`,
      ".foreman": "port: 7100\ntimestamp: false\n",
    });
    const fromFile = await runCli(["start"], { cwd });
    expect(fromFile.stdout).toMatch(/^web\.1 {2}\| PORT=7100$/m);
    const fromFlag = await runCli(["start", "-p", "7200", "--timestamp"], { cwd });
    expect(fromFlag.stdout).toMatch(/^\d\d:\d\d:\d\d web\.1 {2}\| PORT=7200$/m);
  });

  it("reads formation as a map, and reports an unknown key without failing", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("print-env.cjs")} PS && ${node} ${fixture("wait.cjs")}\n`,
      ".foreman": "formation:\n  web: 2\ncolour: true\ntimestamp: false\n",
    });
    const running = startCli(["start"], { cwd });
    await running.waitFor(/^web\.1 +\| ready/m);
    await running.waitFor(/^web\.2 +\| ready/m);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/^web\.2 +\| PS=web\.2$/m);
    expect(running.stderr).toMatch(
      /foreman: warning: unknown key "colour" in \.foreman, .*\.foreman:3/,
    );
  });
});

describe("help and version", () => {
  it("prints the version and help", async () => {
    const cwd = project({});
    expect((await runCli(["--version"], { cwd })).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await runCli(["help", "start"], { cwd });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/--formation/);
    expect((await runCli(["start", "--help"], { cwd })).stdout).toMatch(/--timeout/);
  });

  it("honours FORCE_COLOR=0 over a --color default of auto", async () => {
    const cwd = project({ Procfile: `web: ${node} ${fixture("lines.cjs")} 1\n` });
    const result = await runCli(["start"], { cwd, env: cleanEnv({ FORCE_COLOR: "0" }) });
    expect(result.stdout).not.toContain("\u001b[");
  });
});
