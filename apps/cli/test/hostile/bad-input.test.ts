// Guarantee 3: every bad input is one clear line and a non-zero exit, never a hang or a stack
// trace, and it is found before anything is spawned. test/e2e/bad-input.test.ts covers the
// Procfile basics; this file throws the same hostile files at the .env, .foreman and every
// command, and adds the limits, the flag values and the command that is not found.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  aliveAfter,
  fixture,
  NODE,
  newTag,
  pidsFrom,
  projects,
  runForeman,
  tagEnv,
  taggedProcesses,
} from "./_helpers.js";

const project = projects();
const MARKER = "started-marker";
// Every process touches the marker first thing: if it exists, something was spawned.
const PROCFILE = `web: touch ${MARKER} && sleep 30\nworker: touch ${MARKER} && sleep 30\n`;
const MiB = 1024 * 1024;

type FileName = "Procfile" | ".env" | ".foreman";

interface HostileFile {
  title: string;
  make(path: string, name: FileName): void;
  message: RegExp;
}

/** Text that would be valid in the file, so only the hostile part can be blamed. */
const VALID: Record<FileName, string> = {
  Procfile: PROCFILE,
  ".env": "A=1\n",
  ".foreman": "timeout: 3\n",
};

const hostileFiles: HostileFile[] = [
  { title: "a directory", make: (p) => mkdirSync(p), message: /directory/ },
  { title: "a FIFO", make: (p) => execFileSync("mkfifo", [p]), message: /FIFO|regular file/ },
  {
    title: "/dev/zero",
    make: (p) => symlinkSync("/dev/zero", p),
    message: /device|regular file/,
  },
  {
    title: "binary (NUL bytes)",
    make: (p, name) => writeFileSync(p, `${VALID[name]}\0\0\0\n`),
    message: /NUL|binary|not a text file/,
  },
  {
    title: "invalid UTF-8",
    make: (p, name) =>
      writeFileSync(p, Buffer.concat([Buffer.from(VALID[name]), Buffer.from([0xff, 0xfe, 0x0a])])),
    message: /UTF-8/,
  },
  {
    title: "huge (10 MiB)",
    make: (p, name) =>
      writeFileSync(p, `${VALID[name]}${`#${"x".repeat(99)}\n`.repeat((10 * MiB) / 100)}`),
    message: /large|limit/,
  },
  {
    title: "just over 1 MiB",
    make: (p, name) => writeFileSync(p, `${VALID[name]}#${"x".repeat(MiB)}\n`),
    message: /large|limit/,
  },
];

/** The commands each file feeds, with the arguments that make them read it. */
const COMMANDS: Record<FileName, string[][]> = {
  Procfile: [["start"], ["check"], ["run", `touch ${MARKER}`], ["export", "systemd", "out"]],
  ".env": [["start"], ["check"], ["env"], ["run", `touch ${MARKER}`], ["export", "systemd", "out"]],
  ".foreman": [
    ["start"],
    ["check"],
    ["env"],
    ["run", `touch ${MARKER}`],
    ["export", "systemd", "out"],
  ],
};

const matrix = (["Procfile", ".env", ".foreman"] as const).flatMap((name) =>
  hostileFiles.flatMap((file) =>
    COMMANDS[name].map((args) => ({
      name,
      file,
      args,
      label: `${name} ${file.title}: ${args[0]}`,
    })),
  ),
);

async function expectOneLineFailure(
  cwd: string,
  args: readonly string[],
  exitCode: number,
  message: RegExp,
  env?: Record<string, string | undefined>,
): Promise<void> {
  const result = await runForeman(args, { cwd, timeoutMs: 15_000, ...(env ? { env } : {}) });
  const stderr = result.stderr.toString();
  // A hang is killed (SIGKILL) by runForeman's timeout and fails here.
  expect({ code: result.code, signal: result.signal }, stderr).toEqual({
    code: exitCode,
    signal: null,
  });
  expect(result.stdout.toString()).toBe("");
  const lines = stderr.trimEnd().split("\n");
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^foreman: /);
  expect(lines[0]).toMatch(message);
  expect(stderr).not.toMatch(/\n\s+at |internal error/);
  // Validated before anything was spawned.
  expect(existsSync(join(cwd, MARKER))).toBe(false);
}

describe("hostile files: one line, exit 1, nothing started", () => {
  it.each(matrix)("$label", async ({ name, file, args }) => {
    const cwd = project(name === "Procfile" ? {} : { Procfile: PROCFILE });
    file.make(join(cwd, name), name);
    await expectOneLineFailure(cwd, args, 1, file.message);
  });

  it.for([
    { name: ".env", args: ["start"] },
    { name: ".env", args: ["run", `touch ${MARKER}`] },
    { name: ".foreman", args: ["start"] },
  ])("an unreadable $name, as an unprivileged user: $args.0", async ({ name, args }, context) => {
    if (process.getuid?.() !== 0) context.skip("needs root, to switch to an unprivileged user");
    try {
      execFileSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "true"]);
    } catch {
      context.skip("setpriv (util-linux) cannot switch users here");
    }
    const cwd = project({
      Procfile: PROCFILE,
      [name]: { content: VALID[name as FileName], mode: 0o000 },
    });
    chmodSync(cwd, 0o777);
    const result = await runForeman(args, {
      cwd,
      wrapper: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"],
    });
    const stderr = result.stderr.toString();
    expect(result.code, stderr).toBe(1);
    expect(stderr.trimEnd().split("\n"), stderr).toHaveLength(1);
    expect(stderr).toMatch(
      new RegExp(`^foreman: .*${name.replace(".", "\\.")}.*(permission|EACCES|read)`, "i"),
    );
    expect(existsSync(join(cwd, MARKER))).toBe(false);
  });

  it("an empty .env is fine: no variables, no complaint", async () => {
    const cwd = project({ Procfile: "web: echo hello\n", ".env": "" });
    const result = await runForeman(["start", "--no-timestamp"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr.toString()).toBe("");
    expect(result.stdout.toString()).toMatch(/web\.1 +\| hello/);
  });

  it("a missing named .env, for every command that reads it", async () => {
    const cwd = project({ Procfile: PROCFILE });
    for (const args of COMMANDS[".env"]) {
      const [command, ...rest] = args;
      await expectOneLineFailure(
        cwd,
        [command as string, "-e", "nope.env", ...rest],
        1,
        /nope\.env/,
      );
    }
  });
});

describe("the directory to run in: one line, exit 1, nothing started", () => {
  it.each([
    { title: "start, -d a missing directory", args: ["start", "-f", "Procfile", "-d", "nowhere"] },
    { title: "start, -d a file", args: ["start", "-f", "Procfile", "-d", "Procfile"] },
    { title: "run, -d a missing directory", args: ["run", "-d", "nowhere", `touch ${MARKER}`] },
    { title: "run, -d a file", args: ["run", "-d", "Procfile", `touch ${MARKER}`] },
  ])("$title", async ({ args }) => {
    const cwd = project({ Procfile: PROCFILE });
    await expectOneLineFailure(
      cwd,
      args,
      1,
      /the directory to run in (does not exist|is not a directory): (nowhere|Procfile)/,
    );
  });
});

describe("bad values: one line, exit 2, nothing started", () => {
  const usage: Array<{
    title: string;
    args: string[];
    files?: Record<string, string>;
    message: RegExp;
  }> = [
    { title: "a negative timeout", args: ["start", "-t", "-1"], message: /timeout|option -1/ },
    {
      title: "a timeout above a day",
      args: ["start", "-t", "100000"],
      message: /timeout "100000"/,
    },
    { title: "an empty timeout", args: ["start", "--timeout="], message: /timeout ""/ },
    { title: "a timeout of NaN", args: ["start", "-t", "NaN"], message: /timeout "NaN"/ },
    { title: "port 0", args: ["start", "-p", "0"], message: /port "0"/ },
    { title: "port 65536", args: ["start", "-p", "65536"], message: /port "65536"/ },
    { title: "a port with junk", args: ["start", "-p", "5000x"], message: /port "5000x"/ },
    {
      title: "a port that overflows for the second instance",
      args: ["start", "-p", "65535", "-m", "web=2"],
      message: /web\.2 would get port 65536/,
    },
    {
      title: "PORT in .env that is not a port",
      args: ["start"],
      files: { ".env": "PORT=abc\n" },
      message: /PORT in .*\.env is not a port number/,
    },
    { title: "a formation without a count", args: ["start", "-m", "web"], message: /formation/ },
    { title: "a formation with two =", args: ["start", "-m", "web=1=2"], message: /formation/ },
    { title: "a formation without a name", args: ["start", "-m", "=1"], message: /formation/ },
    {
      title: "a formation count beyond any integer",
      args: ["start", "-m", "web=99999999999999999999"],
      message: /too large/,
    },
    {
      title: "a formation over 2000 in all (each type within 1000)",
      args: ["start", "-m", "web=1000,worker=1001"],
      message: /--force/,
    },
    {
      title: "a formation over 2000 in all, types at their limit",
      args: ["start", "-m", "web=1000,worker=1000,extra=1"],
      files: { Procfile: `${PROCFILE}extra: touch ${MARKER}\n` },
      message: /2001 processes, more than 2000 in all.*--force/,
    },
    { title: "an unknown process name", args: ["start", "web", "nothere"], message: /nothere/ },
    { title: "an unknown flag for check", args: ["check", "--bogus"], message: /--bogus/ },
    { title: "an unknown flag for env", args: ["env", "--bogus"], message: /--bogus/ },
    { title: "an unknown flag for run", args: ["run", "--bogus", "true"], message: /--bogus/ },
    { title: "an unknown flag for export", args: ["export", "--bogus"], message: /--bogus/ },
    { title: "an unknown short flag", args: ["start", "-z"], message: /-z/ },
    { title: "-f without its value", args: ["start", "-f"], message: /-f needs a value/ },
    { title: "--env without its value", args: ["start", "--env"], message: /--env needs a value/ },
    {
      title: "a value for a boolean flag",
      args: ["start", "--raw=yes"],
      message: /--raw takes no value/,
    },
    { title: "run without a command", args: ["run"], message: /needs a command/ },
  ];
  it.each(usage)("$title", async ({ args, files, message }) => {
    const cwd = project({ Procfile: PROCFILE, ...(files ?? {}) });
    await expectOneLineFailure(cwd, args, 2, message);
  });

  it("PORT from .env is never echoed in the message (it may be a pasted secret)", async () => {
    const cwd = project({ Procfile: PROCFILE, ".env": "PORT=hunter2-secret\n" });
    const result = await runForeman(["start"], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr.toString()).not.toContain("hunter2");
  });
});

describe("a command that is not found", () => {
  it("fails with 127 and the shell's reason, stops the others at once, and exits 127", async () => {
    // -t 60: if foreman waited for the SIGKILL timeout instead of stopping at once, the run
    // would exceed runForeman's 20 s limit and be killed.
    const cwd = project({
      Procfile: `web: ${NODE} ${fixture("wait.cjs")}\nbroken: definitely-not-a-command-xyz --flag\n`,
    });
    const tag = newTag();
    const result = await runForeman(
      ["start", "--no-timestamp", "-m", "web=5,broken=1", "-t", "60"],
      {
        cwd,
        env: tagEnv(tag),
        timeoutMs: 20_000,
      },
    );
    const stdout = result.stdout.toString();
    expect(result.code, stdout).toBe(127);
    expect(stdout).toMatch(/broken\.1 +\| .*definitely-not-a-command-xyz.*not found/);
    expect(stdout).toMatch(/broken\.1 +\| exited with code 127/);
    for (let i = 1; i <= 5; i += 1) {
      expect(stdout).toMatch(
        new RegExp(`web\\.${i} +\\| (exited with code 0|terminated by SIGTERM)`),
      );
    }
    const pids = pidsFrom(stdout);
    expect(pids).toHaveLength(6);
    expect(await aliveAfter([...pids, ...taggedProcesses(tag)], 2000)).toEqual([]);
  });

  it("foreman run: 127 and one line for a missing program, 126 for one that is not executable", async () => {
    const cwd = project({ "not-exec.sh": "#!/bin/sh\necho hi\n" });
    chmodSync(join(cwd, "not-exec.sh"), 0o644);
    const missing = await runForeman(["run", "no-such-program-xyz", "arg"], { cwd });
    expect(missing.code).toBe(127);
    expect(missing.stderr.toString()).toMatch(
      /^foreman: command not found: no-such-program-xyz; [^\n]+\n$/,
    );
    const notExecutable = await runForeman(["run", "./not-exec.sh", "arg"], { cwd });
    expect(notExecutable.code).toBe(126);
    expect(notExecutable.stderr.toString()).toMatch(
      /^foreman: permission denied: \.\/not-exec\.sh; [^\n]+\n$/,
    );
  });
});
