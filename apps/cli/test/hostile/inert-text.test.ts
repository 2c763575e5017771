// Guarantee 7: untrusted text is inert. Names, file lines, keys and paths that foreman prints are
// escaped (`\x1b` shown, not sent), so a crafted Procfile, .env or .foreman cannot drive the
// terminal through foreman's own messages; and `check` never executes or expands anything.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projects, runForeman } from "./_helpers.js";

const project = projects();

// ESC (CSI to clear the screen, OSC to set the title), BEL, and U+009B, the one-character CSI.
const ESC = "\x1b[2J\x1b]0;pwned\x07";
const C1 = "\u009b31m";

/** Bytes a terminal acts on: C0 controls but \n and \t, DEL, and C1 controls (as UTF-8 C2 80–9F). */
function controlBytes(output: Buffer): string[] {
  const found: string[] = [];
  for (let i = 0; i < output.length; i += 1) {
    const byte = output[i] as number;
    const c1 = byte === 0xc2 && (output[i + 1] ?? 0) >= 0x80 && (output[i + 1] ?? 0) <= 0x9f;
    if ((byte < 0x20 && byte !== 0x0a && byte !== 0x09) || byte === 0x7f || c1) {
      found.push(
        `0x${byte.toString(16)} at ${i}: ${JSON.stringify(output.subarray(Math.max(0, i - 20), i + 20).toString("latin1"))}`,
      );
    }
  }
  return found;
}

interface Case {
  title: string;
  files: Record<string, string>;
  args: string[];
  /** The escaped form that must be shown instead. */
  shows?: RegExp;
}

const cases: Case[] = [
  {
    title: "check: a Procfile line with escape sequences",
    files: { Procfile: `web: echo ok\n${ESC}bad line ${C1}\n` },
    args: ["check"],
    shows: /\\x1b\[2J\\x1b\]0;pwned\\x07bad line \\x9b31m/,
  },
  {
    title: "check --json: commands with escape sequences and C1 controls",
    files: { Procfile: `web: echo ${ESC} ${C1}\n` },
    args: ["check", "--json"],
    shows: /\\u001b\[2J\\u001b\]0;pwned\\u0007 \\u009b31m/,
  },
  {
    title: "start: a Procfile line with escape sequences",
    files: { Procfile: `web: echo ok\n${ESC}oops\n` },
    args: ["start"],
    shows: /\\x1b\[2J/,
  },
  {
    title: "check: a .env key and line with escape sequences",
    files: { Procfile: "web: echo ok\n", ".env": `${ESC}KEY=1\nA${C1}=2\n${ESC}pasted\n` },
    args: ["check"],
    shows: /\\x1b/,
  },
  {
    title: "start: a .env line with escape sequences",
    files: { Procfile: "web: echo ok\n", ".env": `${ESC}KEY=1\n` },
    args: ["start"],
    shows: /\\x1b/,
  },
  {
    title: "env --explain: a key with escape sequences",
    files: { ".env": "A=1\n" },
    args: ["env", "--explain", `${ESC}A`],
    shows: /no \.env file sets \\x1b/,
  },
  {
    title: "env --json: a value with C1 controls",
    files: { ".env": `A="${C1}"\n` },
    args: ["env", "--json"],
    shows: /"A": "\\u009b31m"/,
  },
  {
    title: "start: an unknown process name",
    files: { Procfile: "web: echo ok\n" },
    args: ["start", `${ESC}web`],
    shows: /no process named "\\x1b/,
  },
  {
    title: "start: a bad formation",
    files: { Procfile: "web: echo ok\n" },
    args: ["start", "-m", `web=${ESC}`],
  },
  {
    title: "start: a Procfile path",
    files: {},
    args: ["start", "-f", `${ESC}Procfile`],
    shows: /\\x1b\[2J/,
  },
  {
    title: "an unknown command",
    files: {},
    args: [`${ESC}start`],
    shows: /unknown command "\\x1b/,
  },
  { title: "an unknown option", files: {}, args: ["start", `--${ESC}`] },
  { title: "run: a command that is not found", files: {}, args: ["run", `${ESC}cmd`, "arg"] },
  { title: "export: an unknown format", files: {}, args: ["export", `${ESC}`, "out"] },
  {
    title: ".foreman: an unknown key",
    files: { Procfile: "web: echo ok\n", ".foreman": `"${ESC}key": 1\n` },
    args: ["check"],
    shows: /unknown key "\\x1b/,
  },
  {
    title: ".foreman: a bad value",
    files: { Procfile: "web: echo ok\n", ".foreman": `timestamp: "${ESC}"\n` },
    args: ["check"],
  },
];

describe("untrusted text reaches the terminal escaped", () => {
  it.each(cases)("$title", async ({ files, args, shows }) => {
    const cwd = project(files);
    const result = await runForeman(args, { cwd });
    const output = Buffer.concat([result.stdout, result.stderr]);
    expect(output.length).toBeGreaterThan(0);
    expect(controlBytes(output)).toEqual([]);
    if (shows !== undefined) expect(output.toString()).toMatch(shows);
  });
});

describe("check runs and expands nothing", () => {
  it("leaves $(…), backticks and ${VAR} alone, in the Procfile and the .env", async () => {
    const cwd = project({});
    writeFileSync(
      join(cwd, "Procfile"),
      [
        `web: touch ${cwd}/PWNED_WEB; echo $(touch ${cwd}/PWNED_SUB) \`touch ${cwd}/PWNED_TICK\``,
        "worker: echo $HOME ${USER:-nobody}",
        "",
      ].join("\n"),
    );
    writeFileSync(
      join(cwd, ".env"),
      `A=$(touch ${cwd}/PWNED_ENV)\nB=\${HOME}\nC=\`touch ${cwd}/PWNED_ENVTICK\`\n`,
      { mode: 0o600 },
    );
    const text = await runForeman(["check"], { cwd });
    expect(text.code).toBe(0);
    const json = await runForeman(["check", "--json"], { cwd });
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout.toString()) as {
      processes: Array<{ name: string; command: string }>;
    };
    expect(report.processes.map((p) => p.command)).toEqual([
      `touch ${cwd}/PWNED_WEB; echo $(touch ${cwd}/PWNED_SUB) \`touch ${cwd}/PWNED_TICK\``,
      "echo $HOME ${USER:-nobody}",
    ]);
    expect(json.stdout.toString()).not.toContain(process.env.HOME ?? "/root");
    expect(readdirSync(cwd).filter((f) => f.startsWith("PWNED"))).toEqual([]);
  });

  it("check on a Procfile in a directory it cannot run in still only reads", async () => {
    const cwd = project({});
    mkdirSync(join(cwd, "app"));
    writeFileSync(join(cwd, "app", "Procfile"), `web: touch ${cwd}/PWNED\n`);
    const result = await runForeman(["check", "-f", "app/Procfile", "-d", "/nonexistent"], { cwd });
    expect(result.code).toBe(0);
    expect(readdirSync(cwd)).toEqual(["app"]);
  });
});
