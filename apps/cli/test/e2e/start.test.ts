import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  cleanEnv,
  FIXTURES,
  fixtureArg,
  isAlive,
  nodeArg,
  pidsFrom,
  runCli,
  startCli,
  useProjects,
  waitUntilGone,
} from "../helpers.js";

const node = nodeArg;
const fixture = fixtureArg;
const project = useProjects();

describe("foreman start: output", () => {
  it("prefixes every line with the time, the padded name and a bar, and reports start and exit", async () => {
    const cwd = project({ Procfile: `web: ${node} ${fixture("lines.cjs")} 2 hello\n` });
    const result = await runCli(["start"], { cwd });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d web.1 {2}\| started with pid \d+$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d web.1 {2}\| hello line 1 x+$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d web.1 {2}\| hello line 2 x+$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d web.1 {2}\| exited with code 0$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d\d:\d\d:\d\d system \| sending SIGTERM to all processes$/),
    );
    // The exit line comes after every line the process wrote.
    const exitAt = lines.findIndex((l) => l.includes("exited with code 0"));
    expect(lines.findIndex((l) => l.includes("hello line 2"))).toBeLessThan(exitAt);
  });

  it("pads names to the longest instance name, with six as the minimum", async () => {
    const cwd = project({
      Procfile: `a: ${node} ${fixture("lines.cjs")} 1\nlongworker: ${node} ${fixture("wait.cjs")}\n`,
    });
    const result = await runCli(["start", "--no-timestamp", "-m", "a=1,longworker=2"], { cwd });
    expect(result.stdout).toMatch(/^a.1 {10}\| started with pid/m);
    expect(result.stdout).toMatch(/^longworker.2 \| started with pid/m);
    expect(result.stdout).toMatch(/^system {7}\| sending SIGTERM/m);
  });

  it("colours prefixes when asked and never when NO_COLOR is set", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("lines.cjs")} 1\nworker: ${node} ${fixture("wait.cjs")}\n`,
    });
    const coloured = await runCli(["start", "--color", "--no-timestamp"], { cwd });
    expect(coloured.stdout).toContain("\u001b[36mweb.1    | \u001b[0m");
    expect(coloured.stdout).toContain("\u001b[33mworker.1 | \u001b[0m");
    const forced = await runCli(["start", "--no-timestamp"], {
      cwd,
      env: cleanEnv({ FORCE_COLOR: "1" }),
    });
    expect(forced.stdout).toContain("\u001b[36m");
    const plain = await runCli(["start", "--no-timestamp"], {
      cwd,
      env: cleanEnv({ NO_COLOR: "1" }),
    });
    expect(plain.stdout).not.toContain("\u001b[");
    const piped = await runCli(["start", "--no-timestamp"], { cwd });
    expect(piped.stdout).not.toContain("\u001b[");
  });

  it("--raw prints the processes' bytes without prefixes", async () => {
    const cwd = project({ Procfile: `web: ${node} ${fixture("lines.cjs")} 2 raw\n` });
    const result = await runCli(["start", "--raw"], { cwd });
    expect(result.stdout).toMatch(/^raw line 1 x+$/m);
    expect(result.stdout).not.toMatch(/\| raw line/);
  });

  it("delivers a last line that has no newline before the exit line", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("partial.cjs")} "the very last words"\n`,
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    const lines = result.stdout.split("\n");
    const words = lines.indexOf("web.1  | the very last words");
    expect(words).toBeGreaterThan(-1);
    expect(lines.findIndex((l) => l.startsWith("web.1  | exited with code 0"))).toBeGreaterThan(
      words,
    );
  });

  it("loses, tears and merges no line from 4 processes writing 10 000 lines each", async () => {
    const procfile = ["a", "b", "c", "d"]
      .map((n) => `${n}: ${node} ${fixture("lines.cjs")} 10000 ${n} wait`)
      .join("\n");
    const cwd = project({ Procfile: `${procfile}\n` });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    for (const tag of ["a", "b", "c", "d"])
      await running.waitFor(new RegExp(`${tag}\\.1 +\\| ${tag} done`));
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    const byTag = new Map<string, number[]>();
    for (const line of running.stdout.split("\n")) {
      const m = /^([abcd])\.1 +\| ([abcd]) line (\d+) (x+)$/.exec(line);
      if (m === null) {
        // Every other line must be one of ours: no fragment of a torn line may appear.
        if (line !== "") {
          expect(line).toMatch(
            /^(system|[abcd]\.1) +\| (started with pid|exited with|terminated by|sending SIG|SIGINT received|[abcd] done|got SIGTERM)/,
          );
        }
        continue;
      }
      expect(m[1]).toBe(m[2]);
      expect(m[4]).toHaveLength(40);
      const list = byTag.get(m[1] as string) ?? [];
      list.push(Number(m[3]));
      byTag.set(m[1] as string, list);
    }
    expect([...byTag.keys()].sort()).toEqual(["a", "b", "c", "d"]);
    for (const [tag, numbers] of byTag) {
      expect(numbers.length, `process ${tag}`).toBe(10_000);
      // In order, without gaps, from 1.
      expect(
        numbers.every((n, i) => n === i + 1),
        `process ${tag} in order`,
      ).toBe(true);
    }
  });
});

describe("foreman start: environment and ports", () => {
  it("gives each process PORT by Procfile position and instance, and PS", async () => {
    const cwd = project({
      Procfile: [
        `web: ${node} ${fixture("print-env.cjs")} PORT PS && ${node} ${fixture("wait.cjs")}`,
        `worker: ${node} ${fixture("print-env.cjs")} PORT PS && ${node} ${fixture("wait.cjs")}`,
        "",
      ].join("\n"),
    });
    const running = startCli(["start", "--no-timestamp", "-m", "web=2,worker=1", "-p", "6000"], {
      cwd,
    });
    await running.waitFor(/worker\.1 +\| ready/);
    await running.waitFor(/web\.2 +\| ready/);
    await running.waitFor(/web\.1 +\| ready/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(running.stdout).toMatch(/^web\.1 +\| PORT=6000$/m);
    expect(running.stdout).toMatch(/^web\.2 +\| PORT=6001$/m);
    expect(running.stdout).toMatch(/^worker\.1 +\| PORT=6100$/m);
    expect(running.stdout).toMatch(/^web\.2 +\| PS=web\.2$/m);
  });

  it("takes the base port from .env, then the environment, then 5000", async () => {
    const procfile = `web: ${node} ${fixture("print-env.cjs")} PORT\n`;
    const fromEnvFile = project({ Procfile: procfile, ".env": "PORT=7000\n" });
    expect(
      (
        await runCli(["start", "--no-timestamp"], {
          cwd: fromEnvFile,
          env: cleanEnv({ PORT: "8000" }),
        })
      ).stdout,
    ).toMatch(/PORT=7000/);
    const fromEnvironment = project({ Procfile: procfile });
    expect(
      (
        await runCli(["start", "--no-timestamp"], {
          cwd: fromEnvironment,
          env: cleanEnv({ PORT: "8000" }),
        })
      ).stdout,
    ).toMatch(/PORT=8000/);
    expect((await runCli(["start", "--no-timestamp"], { cwd: fromEnvironment })).stdout).toMatch(
      /PORT=5000/,
    );
  });

  it("layers the environment: inherited, then .env files in order, then PORT and PS", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("print-env.cjs")} A B C D PS\n`,
      ".env": "A=from-env\nB=from-env\nPS=ignored\n",
      "extra.env": "B=from-extra\nC=${A}-expanded\n",
    });
    const result = await runCli(["start", "--no-timestamp", "-e", ".env,extra.env"], {
      cwd,
      env: cleanEnv({ A: "inherited", D: "inherited" }),
    });
    expect(result.stdout).toMatch(/\| A=from-env$/m);
    expect(result.stdout).toMatch(/\| B=from-extra$/m);
    expect(result.stdout).toMatch(/\| C=from-env-expanded$/m);
    expect(result.stdout).toMatch(/\| D=inherited$/m);
    expect(result.stdout).toMatch(/\| PS=web\.1$/m);
  });

  it("starts only the processes named on the command line", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("lines.cjs")} 1 web\nworker: ${node} ${fixture("lines.cjs")} 1 worker\n`,
    });
    const result = await runCli(["start", "worker", "--no-timestamp"], { cwd });
    expect(result.stdout).toMatch(/^worker\.1 +\| worker line 1/m);
    expect(result.stdout).not.toMatch(/web\.1/);
  });
});

describe("foreman start: shutdown", () => {
  it.each(["SIGINT", "SIGTERM", "SIGHUP"] as const)(
    "stops every process on %s and exits 0",
    async (signal) => {
      const cwd = project({
        Procfile: `web: ${node} ${fixture("wait.cjs")}\nworker: ${node} ${fixture("wait.cjs")}\n`,
      });
      const running = startCli(["start", "--no-timestamp"], { cwd });
      await running.waitFor(/web\.1 +\| ready/);
      await running.waitFor(/worker\.1 +\| ready/);
      const pids = pidsFrom(running.stdout);
      running.child.kill(signal);
      const { code } = await running.exited;
      expect(code).toBe(0);
      expect(running.stdout).toContain(`system   | ${signal} received, starting shutdown`);
      expect(running.stdout).toMatch(/web\.1 +\| got SIGTERM/);
      expect(running.stdout).toMatch(/web\.1 +\| exited with code 0/);
      expect(await waitUntilGone(pids)).toEqual([]);
    },
  );

  it("stops the others when one exits, and exits with that process's code", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("wait.cjs")}\nfailing: ${node} ${fixture("exit-with.cjs")} 3\n`,
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(/failing\.1 +\| exited with code 3/);
    // web may not have installed its handler yet when the SIGTERM comes: either way it was stopped.
    expect(result.stdout).toMatch(/web\.1 +\| (got SIGTERM|terminated by SIGTERM)/);
    // The cause before the effect, as Ruby foreman prints it: the exit, then the stop.
    const lines = result.stdout.split("\n");
    const exitAt = lines.findIndex((l) => /failing\.1 +\| exited with code 3/.test(l));
    const stopAt = lines.findIndex((l) => l.includes("sending SIGTERM to all processes"));
    expect(stopAt).toBeGreaterThan(exitAt);
  });

  it("exits with 128+n when the process that ended everything died by signal n", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("wait.cjs")}\ncrash: ${node} ${fixture("exit-with.cjs")} SIGSEGV\n`,
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(139);
    expect(result.stdout).toMatch(/crash\.1 +\| terminated by SIGSEGV/);
  });

  it("exits 127 at once when a command is not found, with the shell's reason in the log", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("wait.cjs")}\nbroken: definitely-not-a-command-xyz\n`,
    });
    const result = await runCli(["start", "--no-timestamp"], { cwd });
    expect(result.exitCode).toBe(127);
    expect(result.stdout).toMatch(/broken\.1 +\| .*definitely-not-a-command-xyz.*not found/);
  });

  it("SIGKILLs a process that ignores SIGTERM once the timeout has passed", async () => {
    const cwd = project({ Procfile: `stubborn: ${node} ${fixture("wait.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp", "-t", "1"], {
      cwd,
      env: cleanEnv({ IGNORE_TERM: "1" }),
    });
    await running.waitFor(/stubborn\.1 +\| ready/);
    const pids = pidsFrom(running.stdout);
    running.child.kill("SIGINT");
    const { code } = await running.exited;
    expect(code).toBe(0);
    expect(running.stdout).toMatch(/stubborn\.1 +\| ignoring SIGTERM/);
    expect(running.stdout).toMatch(/system +\| sending SIGKILL to all processes/);
    expect(running.stdout).toMatch(/stubborn\.1 +\| terminated by SIGKILL/);
    expect(await waitUntilGone(pids)).toEqual([]);
  });

  it("a second Ctrl-C during the shutdown kills at once", async () => {
    const cwd = project({ Procfile: `stubborn: ${node} ${fixture("wait.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp", "-t", "60"], {
      cwd,
      env: cleanEnv({ IGNORE_TERM: "1" }),
    });
    await running.waitFor(/stubborn\.1 +\| ready/);
    running.child.kill("SIGINT");
    await running.waitFor(/ignoring SIGTERM/);
    // Two deliveries within ~100 ms count as one Ctrl-C; keep pressing until foreman acts on one.
    const presses = setInterval(() => running.child.kill("SIGINT"), 50);
    const { code } = await running.exited.finally(() => clearInterval(presses));
    expect(code).toBe(0);
    expect(running.stdout).toMatch(/terminated by SIGKILL/);
  });

  it("stops grandchildren too: the whole process group", async () => {
    const cwd = project({ Procfile: `tree: ${node} ${fixture("grandchild.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    const match = await running.waitFor(/grandchild pid=(\d+)/);
    await running.waitFor(/tree\.1 +\| ready/);
    const grandchild = Number(match[1]);
    expect(isAlive(grandchild)).toBe(true);
    running.child.kill("SIGINT");
    await running.exited;
    expect(await waitUntilGone([grandchild, ...pidsFrom(running.stdout)])).toEqual([]);
  });

  it("SIGKILLs a grandchild that ignores SIGTERM after its parent has gone", async () => {
    const cwd = project({ Procfile: `tree: ${node} ${fixture("grandchild.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp", "-t", "1"], {
      cwd,
      env: cleanEnv({ IGNORE_TERM: "1" }),
    });
    const match = await running.waitFor(/grandchild pid=(\d+)/);
    await running.waitFor(/tree\.1 +\| ready/);
    running.child.kill("SIGTERM");
    await running.exited;
    expect(await waitUntilGone([Number(match[1])])).toEqual([]);
  });

  it("reports a process that left its group and still holds the output open, instead of hanging", async () => {
    const cwd = project({ Procfile: `web: ${node} ${fixture("escape.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    const escaped = Number((await running.waitFor(/escaped pid=(\d+)/))[1]);
    try {
      running.child.kill("SIGINT");
      // The escaped process keeps our stdout pipe open, so wait for foreman's own exit, not the pipe's close.
      const code = await new Promise<number | null>((resolve) =>
        running.child.once("exit", (c) => resolve(c)),
      );
      expect(code).toBe(0);
      await running.waitFor(/web\.1: its output is still open after its process group stopped/);
    } finally {
      process.kill(escaped, "SIGKILL");
    }
  });

  it("forwards SIGUSR1 and SIGUSR2 to every process", async () => {
    const cwd = project({ Procfile: `web: ${node} ${fixture("wait.cjs")}\n` });
    const running = startCli(["start", "--no-timestamp"], { cwd });
    await running.waitFor(/web\.1 +\| ready/);
    running.child.kill("SIGUSR1");
    await running.waitFor(/web\.1 +\| got SIGUSR1/);
    running.child.kill("SIGUSR2");
    await running.waitFor(/web\.1 +\| got SIGUSR2/);
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
  });

  it("leaves no process behind when foreman itself is killed with SIGKILL", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("grandchild.cjs")}\nworker: ${node} ${fixture("wait.cjs")}\n`,
    });
    const running = startCli(["start", "--no-timestamp"], {
      cwd,
      env: cleanEnv({ IGNORE_TERM: "1" }),
    });
    const grandchild = Number((await running.waitFor(/grandchild pid=(\d+)/))[1]);
    await running.waitFor(/worker\.1 +\| ready/);
    await running.waitFor(/web\.1 +\| ready/);
    const pids = [...pidsFrom(running.stdout), grandchild];
    expect(pids.every(isAlive)).toBe(true);
    running.child.kill("SIGKILL");
    await running.exited;
    expect(await waitUntilGone(pids, 6000)).toEqual([]);
  });

  it("stops cleanly when its reader goes away (foreman start | head -1)", async () => {
    const cwd = project({
      Procfile: `web: ${node} ${fixture("lines.cjs")} 200000 web wait\nworker: ${node} ${fixture("wait.cjs")}\n`,
    });
    const { execa } = await import("execa");
    const result = await execa(
      "bash",
      ["-c", `${node} ${JSON.stringify(join(FIXTURES, "../../bin/foreman.js"))} start | head -n 1`],
      {
        cwd,
        env: cleanEnv(),
        reject: false,
        timeout: 20_000,
      },
    );
    expect(result.timedOut).toBe(false);
    expect(String(result.stdout).split("\n")[0]).toMatch(/started with pid/);
    expect(String(result.stderr)).toBe("");
  });
});

describe("foreman start: V8's compiler cap (see _memory.ts)", () => {
  // A built-in module loaded after V8's flags changed is compiled from source, several times as
  // slow as from its code cache: the cap must come after startup's modules, and nothing on the
  // way to a stop may need a new one.
  async function watched(
    args: string[],
    procfile: string,
    stop: boolean,
  ): Promise<{ capped: boolean; loadedAfter: string[] }> {
    const dir = mkdtempSync(join(tmpdir(), "foreman-cap-"));
    try {
      const report = join(dir, "report.json");
      const env = {
        ...cleanEnv(),
        NODE_OPTIONS: `--require ${JSON.stringify(join(FIXTURES, "watch-compiler-cap.cjs"))}`,
        WATCH_CAP_REPORT: report,
      };
      const running = startCli(["start", ...args], { cwd: project({ Procfile: procfile }), env });
      await running.waitFor(/watch-compiler-cap: set/);
      if (stop) {
        await running.waitFor(/\| ready/);
        running.child.kill("SIGINT");
      }
      await running.exited;
      return JSON.parse(readFileSync(report, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("with 64 processes: set before they start, after every built-in module startup needs", async () => {
    expect(await watched(["-m", "web=64"], "web: echo ready\n", false)).toEqual({
      capped: true,
      loadedAfter: [],
    });
  });

  it("with one process: set once it runs, and a Ctrl-C needs no module after it", async () => {
    const procfile = `web: ${node} ${fixture("wait.cjs")}\n`;
    expect(await watched([], procfile, true)).toEqual({ capped: true, loadedAfter: [] });
  });
});

describe("foreman start: the example in the README", () => {
  it("runs examples/basic: the web server answers on $PORT", async () => {
    const cwd = join(FIXTURES, "../../../../examples/basic");
    const procfile = readFileSync(join(cwd, "Procfile"), "utf8");
    expect(procfile).toMatch(/^web: /m);
    const running = startCli(["start", "--no-timestamp", "-p", "5799"], { cwd });
    await running.waitFor(/web\.1 +\| listening on (http:\S+)/);
    await running.waitFor(/worker\.1 +\| tick 1/);
    await running.waitFor(/alerts\.1 +\| alerts:/);
    const response = await fetch("http://127.0.0.1:5799/");
    expect(await response.text()).toContain("web.1");
    running.child.kill("SIGINT");
    expect((await running.exited).code).toBe(0);
    expect(await waitUntilGone(pidsFrom(running.stdout))).toEqual([]);
  });
});
