// Guarantee 5: resource limits. The open-file limit is compared before anything is spawned; a
// spawn that fails anyway (here: the process limit) stops everything already started; and 2000
// processes start and stop cleanly where the machine allows.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  aliveAfter,
  describePids,
  newTag,
  pidsFrom,
  projects,
  runForeman,
  startForeman,
  tagEnv,
  taggedProcesses,
} from "./_helpers.js";

const project = projects();

function works(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("resource limits", () => {
  it("refuses, in one line and before spawning, more processes than RLIMIT_NOFILE has room for", async (context) => {
    if (!works("prlimit", ["--nofile=256:256", "true"]))
      context.skip("prlimit (util-linux) is not available");
    const cwd = project({ Procfile: "web: touch started-marker; sleep 30\n" });
    const result = await runForeman(["start", "-m", "web=200"], {
      cwd,
      wrapper: ["prlimit", "--nofile=256:256"],
    });
    const stderr = result.stderr.toString();
    expect(result.code, stderr).toBe(2);
    expect(result.stdout.toString()).toBe("");
    expect(stderr).toMatch(
      /^foreman: 200 processes need about \d+ open files, but the limit is 256; raise it first \(ulimit -n \d+\)/,
    );
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(join(cwd, "started-marker"))).toBe(false);
  });

  it("when a spawn fails mid-way (the process limit), stops everything already started", async (context) => {
    if (process.getuid?.() !== 0)
      context.skip("needs root, to run as an unprivileged user under RLIMIT_NPROC");
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
    if (!works(asNobody[0] as string, [...asNobody.slice(1), "prlimit", "--nproc=30:30", "true"])) {
      context.skip("setpriv and prlimit (util-linux) are needed");
    }
    // RLIMIT_NPROC counts every thread of the user (node's own too): with 30, node and the
    // watchdog start, some of the 60 processes do, and the rest get EAGAIN.
    const cwd = project({ Procfile: "web: sleep 30\n" });
    chmodSync(cwd, 0o777);
    const tag = newTag();
    const result = await runForeman(["start", "--no-timestamp", "-m", "web=60", "-t", "1"], {
      cwd,
      env: tagEnv(tag),
      wrapper: [...asNobody, "prlimit", "--nproc=30:30"],
    });
    const stdout = result.stdout.toString();
    const started = pidsFrom(stdout);
    expect(started.length, stdout).toBeGreaterThan(0);
    expect(started.length, stdout).toBeLessThan(60);
    expect(stdout).toMatch(/failed to start: .*(EAGAIN|ulimit -u)/);
    expect(stdout).toMatch(/^system +\| sending SIGTERM to all processes$/m);
    expect(result.code).toBe(127);
    for (const pid of started) expect(stdout).toMatch(new RegExp(`\\| started with pid ${pid}\\n`));
    const left = await aliveAfter([...started, ...taggedProcesses(tag)], 2000);
    expect(left, describePids(left)).toEqual([]);
  });

  it("(slow) starts 2000 processes with --force and stops every one of them", async (context) => {
    const needed = 2000 * 3 + 64;
    const limits = execFileSync("sh", ["-c", "ulimit -n; cat /proc/sys/kernel/pid_max"], {
      encoding: "utf8",
    })
      .trim()
      .split("\n");
    const nofile = limits[0] === "unlimited" ? Number.POSITIVE_INFINITY : Number(limits[0]);
    if (nofile < needed)
      context.skip(`ulimit -n is ${nofile}; 2000 processes need about ${needed}`);
    if (Number(limits[1]) < 10_000)
      context.skip(`pid_max is ${limits[1]}, too small for 2000 more processes`);
    const cwd = project({ Procfile: "web: sleep 1000\n" });
    const tag = newTag();
    const foreman = startForeman(
      ["start", "--no-timestamp", "-m", "web=2000", "--force", "-t", "2"],
      {
        cwd,
        env: tagEnv(tag),
      },
    );
    await foreman.waitFor(/web\.2000 \| started with pid \d+\n/, 120_000);
    const pids = pidsFrom(foreman.text());
    expect(pids).toHaveLength(2000);
    foreman.child.kill("SIGINT");
    expect((await foreman.exited).code).toBe(0);
    const log = foreman.text();
    expect(log.match(/\| terminated by SIGTERM\n/g)).toHaveLength(2000);
    expect(log).not.toMatch(/SIGKILL|failed to start/);
    const left = await aliveAfter([...pids, ...taggedProcesses(tag)], 2000);
    expect(left.length, describePids(left.slice(0, 10))).toBe(0);
  }, 180_000);
});
