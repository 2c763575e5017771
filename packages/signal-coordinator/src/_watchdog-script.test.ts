import { spawn } from "node:child_process";
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, Strays, waitUntil } from "../test/_helpers.js";
import { COOPERATIVE, STUBBORN, startGroup } from "../test/fixtures/_group.mjs";
import { isTrackablePgid, WATCHDOG_NAME, WATCHDOG_SCRIPT } from "./_watchdog-script.js";

// The helper script on its own, fed by hand: what it does with each kind of line.

const strays = new Strays();
afterAll(() => strays.killAll());

function runScript(graceMs: number, shell = "/bin/sh", cwd?: string) {
  const child = spawn(shell, ["-c", WATCHDOG_SCRIPT, WATCHDOG_NAME, String(graceMs)], {
    stdio: ["pipe", "ignore", "ignore"],
    ...(cwd === undefined ? {} : { cwd }),
  });
  strays.process(child.pid!);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  const write = (text: string): void => {
    child.stdin.write(text);
  };
  return { child, exited, write };
}

async function group(script = COOPERATIVE): Promise<number[]> {
  const started = await startGroup(script);
  strays.group(started.pid);
  return [started.pid, started.grandchild];
}

function firstImpossiblePgid(): number {
  try {
    return Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
  } catch {
    return 4194305;
  }
}

describe("watchdog script", () => {
  it("on EOF terminates every recorded group, copes with hundreds, and spares the ones removed", {
    timeout: 20_000,
  }, async () => {
    const cooperative = await group();
    const stubborn = await group(STUBBORN);
    const spared = await group();
    const [cooperativePgid, stubbornPgid, sparedPgid] = [cooperative[0], stubborn[0], spared[0]];
    const bogus = firstImpossiblePgid();
    const { write, child, exited } = runScript(200);
    const lines = [`+${cooperativePgid}`, `+${stubbornPgid}`, `+${sparedPgid}`];
    for (let i = 0; i < 500; i += 1) lines.push(`+${bogus + i}`);
    for (let i = 0; i < 500; i += 2) lines.push(`-${bogus + i}`);
    // removed, re-added, added twice: still one live entry
    lines.push(
      `-${cooperativePgid}`,
      `+${cooperativePgid}`,
      `+${cooperativePgid}`,
      `-${sparedPgid}`,
    );
    write(`${lines.join("\n")}\n`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    const doomed = [...cooperative, ...stubborn];
    await waitUntil("the recorded groups to be gone", () => !doomed.some(isAlive));
    expect(spared.filter(isAlive)).toEqual(spared);
  });

  it("q: exits at once, before EOF, and signals nothing", { timeout: 20_000 }, async () => {
    const running = await group();
    const { write, exited } = runScript(200);
    write(`+${running[0]}\nq\n`);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(running.filter(isAlive)).toEqual(running);
  });

  it("never acts on a last line cut short by foreman's death", { timeout: 20_000 }, async () => {
    const running = await group();
    const { write, child, exited } = runScript(200);
    write(`+${running[0]}`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(running.filter(isAlive)).toEqual(running);
  });

  it("skips malformed lines and keeps reading", { timeout: 20_000 }, async () => {
    const doomed = await group();
    const { write, child, exited } = runScript(200);
    write(["hello", "+", "+abc", "+-5", "+ 12", "+12x", "-", "", `+${doomed[0]}`, ""].join("\n"));
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    await waitUntil("the group to be gone", () => !doomed.some(isAlive));
  });

  it.runIf(existsSync("/proc/self/status"))(
    "ignores SIGINT, SIGHUP and SIGTERM: only EOF or q ends it",
    { timeout: 20_000 },
    async () => {
      const doomed = await group();
      const { write, child, exited } = runScript(200);
      const pid = child.pid!;
      // SIGHUP=1, SIGINT=2, SIGTERM=15: bits 0, 1 and 14 of the ignored-signals mask
      const wanted = (1n << 0n) | (1n << 1n) | (1n << 14n);
      const ignored = (): bigint => {
        const match = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
        return BigInt(`0x${match?.[1] ?? "0"}`);
      };
      await waitUntil("the trap to be set", () => (ignored() & wanted) === wanted);
      for (const signal of ["SIGINT", "SIGHUP", "SIGTERM"] as const) child.kill(signal);
      write(`+${doomed[0]}\n`);
      child.stdin.end();
      expect(await exited).toEqual({ code: 0, signal: null });
      await waitUntil("the group to be gone", () => !doomed.some(isAlive));
    },
  );
});

// The shells the helper may meet as /bin/sh: dash (Debian, Ubuntu), bash (Fedora, macOS), and
// whichever of them this machine has besides.
const SHELLS = [...new Set(["/bin/sh", "/bin/dash", "/bin/bash", "/bin/ksh", "/bin/mksh"])].filter(
  (shell) => existsSync(shell),
);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory holding the given (empty) files. */
function filesIn(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "watchdog-files-"));
  dirs.push(dir);
  for (const name of names) writeFileSync(join(dir, name), "");
  return dir;
}

const inodeOf = (path: string): bigint => lstatSync(path, { bigint: true }).ino;

// Everything a shell could take for code, or split, or expand; still one file.
const HOSTILE_NAME = `a b  'c' "d" $(touch pwned) \`touch pwned2\` \${HOME} * ? [x] \\ ;&|<> \t\r-tail.sock`;

describe.each(SHELLS)("watchdog script files (%s)", (shell) => {
  it("on EOF removes each recorded file whose inode is unchanged, whatever its name", {
    timeout: 20_000,
  }, async () => {
    const names = ["plain.sock", HOSTILE_NAME, "-leading-dash", "trailing space ", " leading"];
    const dir = filesIn(...names, "bystander", "trailing space");
    const symlinked = join(dir, "link");
    symlinkSync(join(dir, "bystander"), symlinked);
    const paths = names.map((name) => join(dir, name));
    const { write, child, exited } = runScript(200, shell, dir);
    const lines = paths.map((path, i) => `f${i + 1} ${inodeOf(path)} ${path}`);
    // A symlink is judged by its own inode (as lstat), never by its target's.
    lines.push(`f9 ${inodeOf(symlinked)} ${symlinked}`);
    write(`${lines.join("\n")}\n`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir).sort()).toEqual(["bystander", "trailing space"]);
  });

  it("keeps a file replaced since (another inode), a kept one, and any after q", {
    timeout: 20_000,
  }, async () => {
    const dir = filesIn("replaced.sock", "kept.sock", "gone.sock");
    const replaced = join(dir, "replaced.sock");
    const oldInode = inodeOf(replaced);
    const { write, child, exited } = runScript(200, shell);
    write(`f1 ${oldInode} ${replaced}\n`);
    write(`f2 ${inodeOf(join(dir, "kept.sock"))} ${join(dir, "kept.sock")}\nk2\n`);
    // Recorded, then a path that no longer exists: nothing to do, no error.
    write(`f3 ${inodeOf(join(dir, "gone.sock"))} ${join(dir, "gone.sock")}\n`);
    rmSync(join(dir, "gone.sock"));
    // A newer instance's file: written beside it and renamed over it, so it has its own inode.
    writeFileSync(join(dir, "newer"), "newer instance");
    renameSync(join(dir, "newer"), replaced);
    expect(inodeOf(replaced)).not.toBe(oldInode);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir).sort()).toEqual(["kept.sock", "replaced.sock"]);
    expect(readFileSync(replaced, "utf8")).toBe("newer instance");

    const quitting = filesIn("a.sock");
    const after = runScript(200, shell);
    after.write(`f1 ${inodeOf(join(quitting, "a.sock"))} ${join(quitting, "a.sock")}\nq\n`);
    expect(await after.exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(quitting)).toEqual(["a.sock"]);
  });

  it("on EOF removes the pin foreman made beside a file, and leaves pins alone on q and k", {
    timeout: 20_000,
  }, async () => {
    // startWatchdog makes the pin, `<path>.foreman-watchdog-<helper pid>-<id>`, before it sends
    // the line; here the test makes it, as soon as it knows the helper's pid.
    const dir = filesIn("control.sock", "replaced.sock");
    const [path, replaced] = [join(dir, "control.sock"), join(dir, "replaced.sock")];
    const { write, child, exited } = runScript(200, shell);
    const pins = [1, 2].map(
      (id) => `${[path, replaced][id - 1]}.foreman-watchdog-${child.pid}-${id}`,
    );
    linkSync(path, pins[0] as string);
    linkSync(replaced, pins[1] as string);
    write(`f1 ${inodeOf(path)} ${path}\nf2 ${inodeOf(replaced)} ${replaced}\n`);
    // As a newer foreman replaces a stale socket: unlink, then create. The pin still holds the
    // recorded inode, so the new file has another, and stays.
    rmSync(replaced);
    writeFileSync(replaced, "newer instance");
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir)).toEqual(["replaced.sock"]);
    expect(readFileSync(replaced, "utf8")).toBe("newer instance");

    // Foreman removes its pins itself before `k` and `q`; the helper never touches one then.
    const quitting = filesIn("a.sock", "b.sock");
    const after = runScript(200, shell);
    const [a, b] = [join(quitting, "a.sock"), join(quitting, "b.sock")];
    const pinA = `${a}.foreman-watchdog-${after.child.pid}-1`;
    linkSync(a, pinA);
    after.write(`f1 ${inodeOf(a)} ${a}\nf2 ${inodeOf(b)} ${b}\nk2\nq\n`);
    expect(await after.exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(quitting).sort()).toEqual(["a.sock", basename(pinA), "b.sock"]);
  });

  it("a re-recorded path takes the new inode; a kept one can be recorded again", {
    timeout: 20_000,
  }, async () => {
    const dir = filesIn("a.sock", "b.sock");
    const [a, b] = [join(dir, "a.sock"), join(dir, "b.sock")];
    const { write, child, exited } = runScript(200, shell);
    write(`f1 ${inodeOf(b)} ${a}\nf1 ${inodeOf(a)} ${a}\n`);
    write(`f2 ${inodeOf(b)} ${b}\nk2\nf2 ${inodeOf(b)} ${b}\n`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("ignores malformed file lines, relative paths and a last line cut short", {
    timeout: 20_000,
  }, async () => {
    const dir = filesIn("target", "rel");
    const target = join(dir, "target");
    const inode = inodeOf(target);
    const { write, child, exited } = runScript(200, shell, dir);
    write(
      [
        "f",
        `f ${inode} ${target}`,
        `f1`,
        `f1 ${inode}`,
        `f1  ${inode} ${target}`,
        `f01 ${inode} ${target}`,
        `fx ${inode} ${target}`,
        `f1 0 ${target}`,
        `f1 0${inode} ${target}`,
        `f1 -${inode} ${target}`,
        `f1 ${inode}x ${target}`,
        `f1 ${"9".repeat(21)} ${target}`,
        `f1 ${inode}  ${target}`,
        `f2 ${inodeOf(join(dir, "rel"))} rel`,
        "k",
        "kx",
        "",
      ].join("\n"),
    );
    write(`f3 ${inode} ${target}`);
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir).sort()).toEqual(["rel", "target"]);
  });

  it("removes its files and still stops the groups", { timeout: 20_000 }, async () => {
    const running = await group();
    const dir = filesIn("control.sock");
    const { write, child, exited } = runScript(200, shell);
    write(
      `+${running[0]}\nf1 ${inodeOf(join(dir, "control.sock"))} ${join(dir, "control.sock")}\n`,
    );
    child.stdin.end();
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(readdirSync(dir)).toEqual([]);
    await waitUntil("the group to be gone", () => !running.some(isAlive));
  });
});

describe("isTrackablePgid", () => {
  it.each([
    [2, true],
    [12345, true],
    [0x7fffffff, true],
    [1, false],
    [0, false],
    [-42, false],
    [2.5, false],
    [Number.NaN, false],
    [0x80000000, false],
  ])("%d → %s", (pgid, expected) => {
    expect(isTrackablePgid(pgid)).toBe(expected);
  });
});
