// Guarantee 2: no output lost or torn, whatever the bytes and however fast a process exits.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLI,
  cleanEnv,
  fixture,
  NODE,
  payloadLines,
  projects,
  pseudoRandomBytes,
  runForeman,
  startForeman,
  statusKb,
} from "./_helpers.js";

const project = projects();

describe("no output lost or torn", () => {
  it("shows the last line of each of 1000 processes that exit at once, before its exit line", async () => {
    // One run, 1000 instances: each prints a line without a newline and exits in the same
    // moment. The shell ignores SIGTERM so the shutdown the first exit starts cannot cut any of
    // them short: every one of them must get its last words out.
    const cwd = project({ Procfile: `last: trap '' TERM; printf 'last words of %s' "$PS"\n` });
    const result = await runForeman(["start", "--no-timestamp", "-m", "last=1000"], {
      cwd,
      timeoutMs: 60_000,
    });
    expect(result.code).toBe(0);
    const lines = result.stdout.toString("utf8").split("\n");
    const missing: string[] = [];
    for (let i = 1; i <= 1000; i += 1) {
      const name = `last.${i}`.padEnd(9);
      const words = lines.indexOf(`${name} | last words of last.${i}`);
      const exit = lines.indexOf(`${name} | exited with code 0`);
      if (words === -1 || exit === -1 || words > exit) missing.push(`last.${i}`);
    }
    expect(missing).toEqual([]);
  }, 90_000);

  it("passes a 1 MiB line without a newline byte for byte, in prefixed 64 KiB pieces", async () => {
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i += 1) data[i] = 97 + (i % 26);
    const cwd = project({ Procfile: `blob: ${NODE} ${fixture("bytes.cjs")} data.bin\n` });
    writeFileSync(join(cwd, "data.bin"), data);
    const result = await runForeman(["start", "--no-timestamp"], { cwd });
    expect(result.code).toBe(0);
    const pieces = payloadLines(result.stdout, "blob.1", 6);
    expect(pieces.map((p) => p.length)).toEqual(Array(16).fill(65536));
    expect(Buffer.concat(pieces).equals(data)).toBe(true);
  });

  const hostileBytes: Array<{ title: string; bytes: Buffer }> = [
    {
      title: "invalid UTF-8",
      bytes: Buffer.from([0xff, 0xfe, 0x0a, 0xc3, 0x28, 0x0a, 0xed, 0xa0, 0x80, 0x0a, 0xf8, 0x88]),
    },
    { title: "NUL bytes", bytes: Buffer.from("nul\0in\0the\0middle\n\0\0\0\nend\0") },
    {
      title: "\\r progress bars",
      bytes: Buffer.from("progress 10%\rprogress 50%\rprogress 100%\r\ndone\r\n\r\r\rlast\r"),
    },
    {
      title: "escape sequences and C1 controls",
      bytes: Buffer.from("\x1b[31mred\x1b[0m \x1b]0;title\x07 \u009b2J\n\x1b[2K"),
    },
    { title: "64 KiB of random bytes", bytes: pseudoRandomBytes(65536, 0x5eed) },
  ];

  it.each(hostileBytes)("passes $title through without a crash", async ({ bytes }) => {
    const cwd = project({ Procfile: `bin: ${NODE} ${fixture("bytes.cjs")} data.bin\n` });
    writeFileSync(join(cwd, "data.bin"), bytes);
    const result = await runForeman(["start", "--no-timestamp"], { cwd });
    expect(result.code).toBe(0);
    expect(result.stderr.toString()).toBe("");
    expect(result.stdout.toString("latin1")).toMatch(/bin\.1 +\| exited with code 0\n/);
    // Every byte arrives, in order. The mux only ever adds "\n" (after a partial line it
    // flushes), so compare with newlines taken out, and count them separately.
    const rebuilt = Buffer.concat(
      payloadLines(result.stdout, "bin.1", 6).flatMap((line) => [line, Buffer.from("\n")]),
    );
    const withoutNewlines = (b: Buffer) => Buffer.from(b.filter((byte) => byte !== 10));
    expect(withoutNewlines(rebuilt).equals(withoutNewlines(bytes))).toBe(true);
    const newlines = (b: Buffer) => b.filter((byte) => byte === 10).length;
    expect(newlines(rebuilt)).toBeGreaterThanOrEqual(newlines(bytes));
  });

  it("a process with a partial line does not hold back another's whole line", async () => {
    // a keeps a line open (a dot every 10 ms, so the idle flush never fires); b prints a whole
    // line once a has started. b's line must come out, whole, while a's line is still open:
    // the test only lets a finish after seeing b's line.
    const cwd = project({
      Procfile: [
        `a: ${NODE} ${fixture("dots.cjs")} a-started a-finish`,
        `b: ${NODE} ${fixture("after-file.cjs")} a-started "b says hello"`,
        "",
      ].join("\n"),
    });
    const foreman = startForeman(["start", "--no-timestamp"], { cwd });
    await foreman.waitFor(/b\.1 +\| b says hello\n/);
    expect(foreman.text()).toMatch(/^b\.1 {4}\| b says hello$/m);
    writeFileSync(join(cwd, "a-finish"), "");
    await foreman.waitFor(/END\n/);
    foreman.child.kill("SIGINT");
    expect((await foreman.exited).code).toBe(0);
    await foreman.closed;
    // a's line arrives complete, in order, dots then END (in pieces only if it idled > 100 ms).
    const a = Buffer.concat(payloadLines(foreman.stdout, "a.1", 6)).toString();
    expect(a).toMatch(/^\.+END(got SIGTERM)?$/);
  });

  it("a slow reader pauses the processes instead of growing foreman's memory", async () => {
    // 1 GiB flows; for its first 64 MiB the reader takes one chunk per 2 ms (~30 MB/s, far
    // slower than the producer). Without backpressure foreman would buffer hundreds of MB.
    const totalMiB = 1024;
    const slowBytes = 64 * 1024 * 1024;
    const cwd = project({ Procfile: `flood: ${NODE} ${fixture("flood.cjs")} ${totalMiB}\n` });
    const child = spawn(process.execPath, [CLI, "start", "--no-timestamp"], {
      cwd,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid as number;
    let peakKb = 0;
    const sample = () => {
      peakKb = Math.max(peakKb, statusKb(pid, "VmHWM") ?? 0, statusKb(pid, "VmRSS") ?? 0);
    };
    const sampler = setInterval(sample, 50);
    let received = 0;
    let tail = "";
    const stdout = child.stdout;
    stdout.on("data", (chunk: Buffer) => {
      received += chunk.length;
      tail = (tail + chunk.toString("latin1")).slice(-200);
      if (received < slowBytes) {
        stdout.pause();
        setTimeout(() => {
          sample();
          stdout.resume();
        }, 2);
      }
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    const code = await new Promise<number | null>((resolve) => {
      child.once("close", (c) => resolve(c));
      stdout.once("end", sample);
    });
    clearInterval(sampler);
    expect(code, stderr).toBe(0);
    expect(tail).toMatch(/flood\.1 +\| exited with code 0\n/);
    // 1 GiB of lines plus their prefixes went through.
    expect(received).toBeGreaterThan(totalMiB * 1024 * 1024);
    expect(peakKb, `peak RSS ${Math.round(peakKb / 1024)} MB`).toBeLessThan(200 * 1024);
  }, 120_000);
});
