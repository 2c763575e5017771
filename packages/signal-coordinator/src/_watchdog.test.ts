import { spawn } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, Strays, waitUntil } from "../test/_helpers.js";
import { removeStalePins, type SignalCoordinatorError, startWatchdog } from "./index.js";

const strays = new Strays();
afterAll(() => strays.killAll());

const inodeOf = (path: string): bigint => lstatSync(path, { bigint: true }).ino;

function firstImpossiblePid(): number {
  try {
    return Number(readFileSync("/proc/sys/kernel/pid_max", "utf8")) + 1;
  } catch {
    return 4194305;
  }
}

function sessionOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
}

describe("startWatchdog", () => {
  it("starts the helper in its own session and lets it go on close()", {
    timeout: 20_000,
  }, async () => {
    const watchdog = startWatchdog();
    const pid = watchdog.pid!;
    strays.process(pid);
    expect(pid).toBeGreaterThan(1);
    if (existsSync("/proc/self/stat")) expect(sessionOf(pid)).toBe(pid);
    watchdog.close();
    watchdog.close();
    watchdog.track(12345); // after close: ignored, not thrown
    await waitUntil("the watchdog to exit", () => !isAlive(pid));
  });

  it("sends a turn's group lines as one write, file lines at once, all in order", {
    timeout: 20_000,
  }, async () => {
    // A stand-in helper that records each read from its stdin as it arrives.
    const dir = mkdtempSync(join(tmpdir(), "watchdog-batch-"));
    try {
      const log = join(dir, "reads");
      const shell = join(dir, "recorder");
      writeFileSync(
        shell,
        `#!${process.execPath}\nconst fs = require("node:fs");\nprocess.stdin.on("data", (c) => fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(c.toString()) + "\\n"));\n`,
      );
      chmodSync(shell, 0o755);
      const watchdog = startWatchdog({ shellPath: shell });
      strays.process(watchdog.pid!);
      for (let pgid = 1000; pgid < 1100; pgid += 1) watchdog.track(pgid);
      watchdog.untrack(1000);
      // Not yet written: the group lines wait for the end of this turn.
      watchdog.removeOnDeath("/tmp/some.sock", 42n);
      await new Promise((resolve) => setImmediate(resolve));
      watchdog.track(2000);
      watchdog.close();
      await waitUntil("the helper to read everything", () => {
        const text = existsSync(log) ? readFileSync(log, "utf8") : "";
        return text.includes("q\\n");
      });
      const reads = readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as string);
      const expected = [
        ...Array.from({ length: 100 }, (_, i) => `+${1000 + i}\n`),
        "-1000\n",
        "f1 42 /tmp/some.sock\n",
        "+2000\n",
        "q\n",
      ].join("");
      expect(reads.join("")).toBe(expected);
      // Two turns, each one write (a pipe may still merge them into one read).
      expect(reads.length).toBeLessThanOrEqual(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("never throws into foreman when the helper has died", { timeout: 20_000 }, async () => {
    const watchdog = startWatchdog();
    const pid = watchdog.pid!;
    strays.process(pid);
    process.kill(pid, "SIGKILL");
    await waitUntil("the watchdog to die", () => !isAlive(pid));
    for (let pgid = 100; pgid < 400; pgid += 1) {
      watchdog.track(pgid);
      watchdog.untrack(pgid);
    }
    watchdog.close();
    // The EPIPE arrives as an 'error' event on a later tick; let it, so it would fail this test.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(isAlive(pid)).toBe(false);
  });

  it.each([0, 1, -7, 2.5, Number.NaN, 2 ** 31])("rejects %d as a process group id", (pgid) => {
    const watchdog = startWatchdog();
    strays.process(watchdog.pid!);
    try {
      expect(() => watchdog.track(pgid)).toThrow(
        expect.objectContaining({ code: "SIGNAL_INVALID_PGID" }),
      );
      expect(() => watchdog.untrack(pgid)).toThrow(
        expect.objectContaining({ code: "SIGNAL_INVALID_PGID" }),
      );
    } finally {
      watchdog.close();
    }
  });

  it.each([
    ["relative", "control.sock"],
    ["empty", ""],
    ["with a newline", "/tmp/a\nf1 1 /etc/passwd"],
    ["with a NUL", "/tmp/a\u0000b"],
    ["too long", `/${"x".repeat(4096)}`],
  ])("removeOnDeath rejects a path %s", (_, path) => {
    const watchdog = startWatchdog();
    strays.process(watchdog.pid!);
    try {
      expect(() => watchdog.removeOnDeath(path, 12345n)).toThrow(
        expect.objectContaining({ code: "SIGNAL_INVALID_PATH", hint: expect.any(String) }),
      );
    } finally {
      watchdog.close();
    }
  });

  it.each([0, -1, 2.5, Number.NaN, 2 ** 53, 0n, -5n, 1n << 64n])(
    "removeOnDeath rejects inode %s",
    (inode) => {
      const watchdog = startWatchdog();
      strays.process(watchdog.pid!);
      try {
        expect(() => watchdog.removeOnDeath("/tmp/control.sock", inode)).toThrow(
          expect.objectContaining({ code: "SIGNAL_INVALID_INODE" }),
        );
      } finally {
        watchdog.close();
      }
    },
  );

  it("pins a recorded file with a hard link at once, and removes the pin on forgetFile and close", {
    timeout: 20_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-pin-"));
    try {
      const [a, b, missing] = ["a.sock", "b.sock", "missing.sock"].map((name) => join(dir, name));
      writeFileSync(a as string, "");
      writeFileSync(b as string, "");
      const watchdog = startWatchdog();
      const pid = watchdog.pid!;
      strays.process(pid);
      const pinA = `${a}.foreman-watchdog-${pid}-1`;
      const pinB = `${b}.foreman-watchdog-${pid}-2`;
      watchdog.removeOnDeath(a as string, inodeOf(a as string));
      watchdog.removeOnDeath(b as string, inodeOf(b as string));
      // Synchronous: pinned before the helper has even read the line.
      expect(inodeOf(pinA)).toBe(inodeOf(a as string));
      expect(inodeOf(pinB)).toBe(inodeOf(b as string));
      // Nothing to pin: no file, or the file is no longer the recorded inode. Never a throw.
      watchdog.removeOnDeath(missing as string, 12345n);
      const c = join(dir, "c.sock");
      writeFileSync(c, "");
      watchdog.removeOnDeath(c, inodeOf(c) + 1n);
      expect(readdirSync(dir).sort()).toEqual(
        ["a.sock", basename(pinA), "b.sock", basename(pinB), "c.sock"].sort(),
      );
      watchdog.forgetFile(b as string);
      expect(existsSync(pinB)).toBe(false);
      watchdog.close();
      expect(readdirSync(dir).sort()).toEqual(["a.sock", "b.sock", "c.sock"]);
      await waitUntil("the watchdog to exit", () => !isAlive(pid));
      // q: the helper removed nothing of its own.
      expect(readdirSync(dir).sort()).toEqual(["a.sock", "b.sock", "c.sock"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("removeStalePins removes the pins beside a path whose helper is gone, and nothing else", () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-stale-pins-"));
    try {
      // Above pid_max: no process has it, as for a helper that was killed.
      const gone = firstImpossiblePid();
      const names = [
        "a.sock",
        `a.sock.foreman-watchdog-${gone}-1`, // stale: removed
        `a.sock.foreman-watchdog-${gone}-12`, // stale: removed
        `a.sock.foreman-watchdog-${process.pid}-1`, // its helper lives (here: this process)
        `b.sock.foreman-watchdog-${gone}-1`, // another path's
        `a.sockx.foreman-watchdog-${gone}-1`, // another path that starts the same
        `a.sock.foreman-watchdog-0${gone}-1`, // not a pin's name
        `a.sock.foreman-watchdog-${gone}-1.tmp`,
        `a.sock.foreman-watchdog-${gone}`,
      ];
      for (const name of names) writeFileSync(join(dir, name), "");
      expect(removeStalePins(join(dir, "a.sock"))).toBe(2);
      expect(readdirSync(dir).sort()).toEqual(names.filter((_, i) => i !== 1 && i !== 2).sort());
      expect(removeStalePins(join(dir, "a.sock"))).toBe(0);
      expect(removeStalePins(join(dir, "no-such-dir", "a.sock"))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(existsSync("/proc/self/stat"))(
    "removeStalePins counts a helper that is a zombie as gone",
    { timeout: 20_000 },
    async () => {
      // `sleep 0` ends as a zombie: its parent became `sleep 5`, which never reaps.
      const parent = spawn("/bin/sh", ["-c", "sleep 0 & echo $!; exec sleep 5"], {
        stdio: ["ignore", "pipe", "ignore"],
      });
      strays.process(parent.pid!);
      const [line] = (await once(parent.stdout, "data")) as [Buffer];
      const zombie = Number(line.toString().trim());
      const stateOf = (pid: number): string => {
        const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
        return stat[stat.lastIndexOf(")") + 2] as string;
      };
      await waitUntil("the zombie", () => stateOf(zombie) === "Z");
      const dir = mkdtempSync(join(tmpdir(), "watchdog-zombie-pin-"));
      try {
        const pin = join(dir, `a.sock.foreman-watchdog-${zombie}-1`);
        writeFileSync(pin, "");
        expect(removeStalePins(join(dir, "a.sock"))).toBe(1);
        expect(existsSync(pin)).toBe(false);
      } finally {
        parent.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it("replaces a pin left by a killed helper whose pid it now has", { timeout: 20_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "watchdog-stale-pin-"));
    const watchdog = startWatchdog();
    strays.process(watchdog.pid!);
    try {
      const path = join(dir, "control.sock");
      writeFileSync(path, "");
      const stalePin = `${path}.foreman-watchdog-${watchdog.pid}-1`;
      writeFileSync(stalePin, "a pin of an older file");
      watchdog.removeOnDeath(path, inodeOf(path));
      expect(inodeOf(stalePin)).toBe(inodeOf(path));
    } finally {
      watchdog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts a path with spaces and quotes, any inode up to 2^64 - 1, and forgetFile of anything", () => {
    const watchdog = startWatchdog();
    strays.process(watchdog.pid!);
    try {
      expect(() => {
        watchdog.removeOnDeath(`/tmp/a b 'c' "d" $(x).sock`, 1);
        watchdog.removeOnDeath("/tmp/big.sock", (1n << 64n) - 1n);
        watchdog.forgetFile("/tmp/big.sock");
        watchdog.forgetFile("never recorded");
      }).not.toThrow();
    } finally {
      watchdog.close();
    }
    // after close: ignored, not thrown
    expect(() => {
      watchdog.removeOnDeath("/tmp/late.sock", 1);
      watchdog.forgetFile("/tmp/late.sock");
    }).not.toThrow();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])("rejects graceMs %d", (graceMs) => {
    expect(() => startWatchdog({ graceMs })).toThrow(
      expect.objectContaining({ code: "SIGNAL_INVALID_OPTION" }),
    );
  });

  it("reports a shell that cannot be started through onError, and stays harmless", async () => {
    const reported = new Promise<SignalCoordinatorError>((resolve) => {
      const watchdog = startWatchdog({ shellPath: "/nonexistent/sh", onError: resolve });
      expect(watchdog.pid).toBeUndefined();
      watchdog.track(12345);
      watchdog.close();
    });
    const error = await reported;
    expect(error.code).toBe("SIGNAL_WATCHDOG_FAILED");
    expect(error.message).toContain("/nonexistent/sh");
    expect(error.hint).toBeDefined();
  });
});
