// Guarantee 4: .env values stay secret. Never in any process's argv (foreman's, the watchdog's,
// the shells', the children's and grandchildren's), never in foreman's own messages or `check
// --json`; a .env readable by others is flagged with `chmod 600`; and a value that looks like
// shell code is never executed, by any command.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cmdline,
  describePids,
  fixture,
  NODE,
  newTag,
  projects,
  runForeman,
  startForeman,
  tagEnv,
  taggedProcesses,
} from "./_helpers.js";

const project = projects();
const SECRET = "s3cr3t-Marker-9f2c";

describe("secrets never reach argv", () => {
  it("no process foreman start runs, down to grandchildren, has a .env value in its argv", async () => {
    const cwd = project({
      ".env": `SECRET_TOKEN=${SECRET}\nDATABASE_URL="postgres://app:${SECRET}@db/app"\n`,
      // The commands name the variables; only the shell may expand them, into its environment.
      Procfile: [
        `web: test -n "$SECRET_TOKEN" && echo "token of \${#SECRET_TOKEN} chars" && exec ${NODE} ${fixture("wait.cjs")}`,
        `tree: ${NODE} ${fixture("tree.cjs")}`,
        `nested: sh -c 'echo "nested sees \${#DATABASE_URL} chars"; exec sleep 30' # \${SECRET_TOKEN}`,
        "",
      ].join("\n"),
    });
    const tag = newTag();
    const foreman = startForeman(["start", "--no-timestamp", "-t", "1"], { cwd, env: tagEnv(tag) });
    const webPid = Number((await foreman.waitFor(/web\.1 +\| ready web\.1 pid=(\d+)/))[1]);
    await foreman.waitFor(/tree\.1 +\| tree ready/);
    await foreman.waitFor(/nested\.1 +\| nested sees \d+ chars/);
    await foreman.waitFor(/web\.1 +\| token of 18 chars/);
    const running = taggedProcesses(tag);
    // foreman, the watchdog, web, the tree (8), nested: every one of them is looked at.
    expect(running.length).toBeGreaterThanOrEqual(12);
    const leaking = running.filter((pid) => cmdline(pid).includes(SECRET));
    expect(leaking, describePids(leaking)).toEqual([]);
    // and the environment is where the values are: the shell expanded them from there
    expect(readFileSync(`/proc/${webPid}/environ`, "latin1")).toContain(SECRET);
    foreman.child.kill("SIGINT");
    expect((await foreman.exited).code).toBe(0);
    expect(foreman.text()).not.toContain(SECRET);
  });

  it("foreman run of a Procfile entry puts no value in argv either", async () => {
    const cwd = project({
      ".env": `SECRET_TOKEN=${SECRET}\n`,
      Procfile: `web: test -n "$SECRET_TOKEN" && exec ${NODE} ${fixture("wait.cjs")}\n`,
    });
    const tag = newTag();
    const run = startForeman(["run", "web"], { cwd, env: tagEnv(tag) });
    await run.waitFor(/ready/);
    const running = taggedProcesses(tag);
    expect(running.length).toBeGreaterThanOrEqual(2);
    const leaking = running.filter((pid) => cmdline(pid).includes(SECRET));
    expect(leaking, describePids(leaking)).toEqual([]);
    run.child.kill("SIGTERM");
    expect((await run.exited).code).toBe(0);
  });
});

describe("secrets never reach our messages", () => {
  // Every line below makes env-loader say something; none may quote the value.
  const WARNINGS_ONLY = [
    `SPACED = ${SECRET}-spaced`,
    `COLON: ${SECRET}-colon`,
    `SINGLE='${SECRET}-$HOME'`,
    `DUP=${SECRET}-first`,
    `DUP=${SECRET}-second`,
    `URL=http://x/#${SECRET}-hash`,
    `UNDEF=$NOT_DEFINED_${SECRET.replace(/-/g, "_")}`,
    `SELFREF=\${SELFREF}${SECRET}`,
    "",
  ].join("\n");
  const WITH_ERRORS = [
    WARNINGS_ONLY,
    `${SECRET}-pasted-alone-on-a-line`,
    `xx${SECRET}-pasted-after-two-letters`,
    `BAD KEY=${SECRET}-badkey`,
    `UNTERMINATED="${SECRET}-unterminated`,
    `NEXTLINE:`,
    `${SECRET}-nextline=1`,
    "",
  ].join("\n");

  it.each([
    { title: "warnings only", env: WARNINGS_ONLY, startCode: 0 },
    { title: "with errors", env: WITH_ERRORS, startCode: 1 },
  ])(
    "$title: start, check, check --json, env, run and export say nothing of a value",
    async ({ env, startCode }) => {
      const cwd = project({ ".env": env, Procfile: "web: echo ok\n" });
      const outputs: string[] = [];
      const run = async (args: string[]) => {
        const result = await runForeman(args, { cwd });
        outputs.push(`$ foreman ${args.join(" ")}\n${result.stdout}${result.stderr}`);
        return result;
      };
      expect((await run(["start", "--no-timestamp"])).code).toBe(startCode);
      const check = await run(["check"]);
      expect(check.stderr.toString()).toMatch(/^foreman: /);
      const json = await run(["check", "--json"]);
      expect(JSON.parse(json.stdout.toString()).diagnostics.length).toBeGreaterThanOrEqual(4);
      await run(["env", "--explain", "SPACED"]);
      await run(["env", "--explain", "NOPE"]);
      await run(["run", "true"]);
      await run(["export", "systemd", join(cwd, "out")]);
      // `foreman env` prints values by design (it is what it is for): only its stderr counts.
      const printed = await runForeman(["env"], { cwd });
      outputs.push(printed.stderr.toString());
      for (const output of outputs) expect(output).not.toContain(SECRET);
    },
  );
});

describe("a .env others can read is flagged", () => {
  it.each([
    { mode: 0o644, command: "start" },
    { mode: 0o640, command: "start" },
    { mode: 0o604, command: "start" },
    { mode: 0o640, command: "check" },
    { mode: 0o604, command: "check" },
  ])(
    "mode $mode.toString(8) with $command: a warning naming chmod 600",
    async ({ mode, command }) => {
      const cwd = project({ Procfile: "web: echo ok\n", "app.env": { content: "A=1\n", mode } });
      const result = await runForeman([command, "-e", "app.env"], { cwd });
      expect(result.code).toBe(0);
      expect(result.stderr.toString()).toMatch(/^foreman: warning: .*app\.env.*chmod 600/m);
    },
  );

  it("mode 600: no warning", async () => {
    const cwd = project({ Procfile: "web: echo ok\n", ".env": { content: "A=1\n", mode: 0o600 } });
    expect((await runForeman(["start"], { cwd })).stderr.toString()).toBe("");
    expect((await runForeman(["check"], { cwd })).stderr.toString()).toBe("");
  });
});

describe("a value that looks like shell code is never executed", () => {
  const values = (dir: string): string =>
    [
      `A=x;touch ${dir}/PWNED_A`,
      `B=$(touch ${dir}/PWNED_B)`,
      `C=\`touch ${dir}/PWNED_C\``,
      `D="'; touch ${dir}/PWNED_D; '"`,
      `E="a\\ntouch ${dir}/PWNED_E"`,
      `F='$(touch ${dir}/PWNED_F)'`,
      `G=\${A}$(touch ${dir}/PWNED_G)`,
      `H="|| touch ${dir}/PWNED_H &"`,
      "",
    ].join("\n");
  const pwned = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("PWNED"));

  it("start, run, check, env and export", async () => {
    const cwd = project({});
    writeFileSync(join(cwd, ".env"), values(cwd), { mode: 0o600 });
    writeFileSync(
      join(cwd, "Procfile"),
      'web: echo "quoted: $A|$B|$C|$D|$E|$F|$G|$H"; echo unquoted: $A $B $C $D $E $F $G $H\n',
    );
    const start = await runForeman(["start", "--no-timestamp"], { cwd });
    expect(start.code, start.stderr.toString()).toBe(0);
    // The values arrive as text.
    expect(start.stdout.toString()).toContain(
      `quoted: x;touch ${cwd}/PWNED_A|$(touch ${cwd}/PWNED_B)|`,
    );
    for (const args of [
      ["run", 'echo "$A $B $C $D $E $F $G $H"'],
      ["run", "echo $A $B $C $D $E $F $G $H"],
      ["run", "printenv", "B"],
      ["run", "web"],
      ["check"],
      ["check", "--json"],
      ["env"],
      ["env", "--json"],
      ["env", "--explain", "B"],
    ]) {
      const result = await runForeman(args, { cwd });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    }
    const out = mkdtempSync(join(tmpdir(), "foreman-export-"));
    try {
      for (const format of [
        "systemd",
        "supervisord",
        "runit",
        "upstart",
        "launchd",
        "docker-compose",
        "kubernetes",
      ]) {
        const result = await runForeman(["export", format, join(out, format)], { cwd });
        expect(result.code, `${format}: ${result.stderr}`).toBe(0);
      }
      // supervisord's env file is sourced by /bin/sh before the command runs: source it.
      const envFile = readdirSync(join(out, "supervisord")).find((f) =>
        f.endsWith(".env"),
      ) as string;
      const printed = execFileSync(
        "sh",
        ["-c", '. "$0" && printf "%s|%s|%s" "$A" "$B" "$G"', join(out, "supervisord", envFile)],
        { encoding: "utf8" },
      );
      expect(printed).toBe(
        `x;touch ${cwd}/PWNED_A|$(touch ${cwd}/PWNED_B)|x;touch ${cwd}/PWNED_A$(touch ${cwd}/PWNED_G)`,
      );
      expect(pwned(out)).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    expect(pwned(cwd)).toEqual([]);
    expect(existsSync(join(cwd, "PWNED_B"))).toBe(false);
  });
});
