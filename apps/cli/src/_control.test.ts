import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InstanceSnapshot } from "@foreman/supervisor";
import { afterAll, describe, expect, it } from "vitest";
import { controlLocation, decodeLogLine } from "./_control.js";
import { formatLogLines, formatPsTable, formatUptime } from "./commands/control.js";

const root = mkdtempSync(join(tmpdir(), "cli-control-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("controlLocation", () => {
  it("gives one socket per Procfile, however the path to it is spelled", () => {
    const app = join(root, "app");
    mkdirSync(app);
    writeFileSync(join(app, "Procfile"), "web: true\n");
    symlinkSync(app, join(root, "link"));
    const env = { XDG_RUNTIME_DIR: "/run/user/7" };
    const direct = controlLocation({}, app, env);
    expect(direct.directory).toBe("/run/user/7/foreman");
    expect(controlLocation({ procfile: "Procfile" }, app, env).path).toBe(direct.path);
    expect(controlLocation({}, join(root, "link"), env).path).toBe(direct.path);
    expect(controlLocation({ procfile: "app/Procfile" }, root, env).path).toBe(direct.path);
    expect(controlLocation({ procfile: "Procfile.dev" }, app, env).path).not.toBe(direct.path);
  });
});

describe("foreman ps output", () => {
  it.each([
    [0, "0s"],
    [59_999, "59s"],
    [61_000, "1m01s"],
    [3_600_000 + 5 * 60_000, "1h05m"],
    [26 * 3_600_000, "1d02h"],
  ])("uptime %i ms is %s", (ms, text) => {
    expect(formatUptime(ms)).toBe(text);
  });

  it("aligns the columns and shows what ended and how", () => {
    const base: InstanceSnapshot = {
      name: "web.1",
      type: "web",
      index: 1,
      port: 5000,
      pid: 4242,
      state: "running",
      ready: true,
      restarts: 2,
      uptimeMs: 125_000,
      lastExitCode: undefined,
      reason: undefined,
    };
    const table = formatPsTable([
      base,
      {
        ...base,
        name: "release.1",
        pid: undefined,
        state: "exited",
        uptimeMs: undefined,
        lastExitCode: 0,
        restarts: 0,
        port: 5100,
      },
      {
        ...base,
        name: "css.1",
        pid: undefined,
        state: "backoff",
        ready: false,
        uptimeMs: undefined,
        port: 5200,
      },
    ]);
    expect(table).toBe(
      [
        "NAME       PID   STATE       UPTIME  RESTARTS  PORT  READY",
        "web.1      4242  running     2m05s   2         5000  yes",
        "release.1  -     exited (0)  -       0         5100  yes",
        "css.1      -     backoff     -       2         5200  no",
        "",
      ].join("\n"),
    );
  });
});

describe("foreman logs output", () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xc3]), Buffer.from("\x1b[1mbold\r")]);
  // 12:00:05 local time, whatever the time zone.
  const timeMs = new Date(2024, 0, 1, 12, 0, 5).getTime();
  const line = decodeLogLine({
    seq: 1,
    timeMs,
    name: "web.1",
    stream: "stdout",
    data: bytes.toString("base64"),
    colorIndex: 7,
  });

  it.each([
    [{ timestamp: true, color: false }, "12:00:05 web.1   | "],
    [{ timestamp: false, color: false }, "web.1   | "],
    // colour index 7 cycles to the second colour, yellow, as in start
    [{ timestamp: true, color: true }, "\x1b[33m12:00:05 web.1   | \x1b[0m"],
  ])("%o: the prefix, then the line's bytes untouched", (options, prefix) => {
    expect(formatLogLines([line], { nameWidth: 7, ...options })).toEqual(
      Buffer.concat([Buffer.from(prefix), bytes, Buffer.from("\n")]),
    );
  });

  it("prints the bytes alone, as start --raw does", () => {
    expect(
      formatLogLines([line, line], { nameWidth: 7, timestamp: true, color: true, raw: true }),
    ).toEqual(Buffer.concat([bytes, Buffer.from("\n"), bytes, Buffer.from("\n")]));
  });

  it("leaves a line without a colour index uncoloured", () => {
    const { colorIndex: _, ...plain } = line;
    expect(formatLogLines([plain], { nameWidth: 6, timestamp: false, color: true })).toEqual(
      Buffer.concat([Buffer.from("web.1  | "), bytes, Buffer.from("\n")]),
    );
  });
});
