import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findZombieOnlyGroups, type GroupScan, parseProcStat } from "./_proc.js";

const tail = "0 -1 4194304 99 0 0 0 0 0 0 0 20 0 1 0 123 456";

describe("parseProcStat", () => {
  it.each([
    ["plain", `5439 (sleep) S 1 5438 5438 ${tail}`, { pid: 5439, state: "S", ppid: 1, pgrp: 5438 }],
    ["zombie", `12 (sh) Z 1 10 10 ${tail}`, { pid: 12, state: "Z", ppid: 1, pgrp: 10 }],
    ["spaces in name", `7 (my prog) R 3 7 7 ${tail}`, { pid: 7, state: "R", ppid: 3, pgrp: 7 }],
    ["parens in name", `8 (a) S 9 (b)) S 2 8 8 ${tail}`, { pid: 8, state: "S", ppid: 2, pgrp: 8 }],
  ])("%s", (_label, text, expected) => {
    expect(parseProcStat(text)).toEqual(expected);
  });

  it.each([
    ["empty", ""],
    ["no name", "12 S 1 2 3"],
    ["truncated", "12 (sh) Z 1"],
  ])("rejects %s input", (_label, text) => {
    expect(parseProcStat(text)).toBeUndefined();
  });

  it("reads back any command name, whatever characters it holds", () => {
    const nat = fc.integer({ min: 0, max: 2 ** 22 });
    fc.assert(
      fc.property(
        nat,
        fc.string({ maxLength: 16 }),
        fc.constantFrom("R", "S", "D", "Z", "T", "X"),
        nat,
        nat,
        (pid, comm, state, ppid, pgrp) => {
          const text = `${pid} (${comm}) ${state} ${ppid} ${pgrp} ${tail}\n`;
          expect(parseProcStat(text)).toEqual({ pid, state, ppid, pgrp });
        },
      ),
    );
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseProcStat(text);
      }),
    );
  });
});

describe("findZombieOnlyGroups", () => {
  function fakeProc(entries: Array<[pid: number, state: string, pgrp: number]>): string {
    const dir = mkdtempSync(join(tmpdir(), "spawner-proc-"));
    for (const [pid, state, pgrp] of entries) {
      mkdirSync(join(dir, String(pid)));
      writeFileSync(
        join(dir, String(pid), "stat"),
        `${pid} (x) ${state} 1 ${pgrp} ${pgrp} ${tail}\n`,
      );
    }
    mkdirSync(join(dir, "self")); // non-numeric entries are skipped
    return dir;
  }

  it("names the groups whose every member is a zombie, and only those", async () => {
    const dir = fakeProc([
      [100, "Z", 100], // group 100: zombies only
      [101, "Z", 100],
      [200, "Z", 200], // group 200: one zombie, one sleeping
      [201, "S", 200],
      [300, "S", 300], // group 300: alive
      [500, "Z", 500], // group 500: zombie-only but not asked about
    ]);
    const result = await findZombieOnlyGroups(new Set([100, 200, 300, 400]), dir);
    expect(result).toEqual(new Set([100]));
  });

  /** Replays one GroupScan per pass; zombies are given as "pid:starttime" ids per group. */
  function scripted(passes: Array<{ live?: number[]; zombies?: Record<number, string[]> }>) {
    let pass = 0;
    const scan = (pgids: ReadonlySet<number>): GroupScan => {
      const next = passes[Math.min(pass++, passes.length - 1)] ?? {};
      const zombies = new Map<number, Set<string>>();
      for (const [pgid, ids] of Object.entries(next.zombies ?? {}))
        if (pgids.has(Number(pgid))) zombies.set(Number(pgid), new Set(ids));
      return { live: new Set((next.live ?? []).filter((p) => pgids.has(p))), zombies };
    };
    return { scan, passes: () => pass };
  }

  it.each([
    ["the same zombies twice", [{ zombies: { 7: ["8:1"] } }, { zombies: { 7: ["8:1"] } }], [7], 2],
    ["zombies that were reaped meanwhile", [{ zombies: { 7: ["8:1"] } }, {}], [7], 2],
    [
      "a member that forked and died during the first pass, then its child alive",
      [{ zombies: { 7: ["8:1"] } }, { zombies: { 7: ["8:1"] }, live: [7] }],
      [],
      2,
    ],
    [
      "a new zombie, then no change",
      [
        { zombies: { 7: ["8:1"] } },
        { zombies: { 7: ["8:1", "9:5"] } },
        { zombies: { 7: ["8:1", "9:5"] } },
      ],
      [7],
      3,
    ],
    [
      "a pid reused by a new zombie (another start time)",
      [{ zombies: { 7: ["8:1"] } }, { zombies: { 7: ["8:2"] } }, { zombies: { 7: ["8:2"] } }],
      [7],
      3,
    ],
    [
      "a live member from the start (no second pass)",
      [{ zombies: { 7: ["8:1"] }, live: [7] }],
      [],
      1,
    ],
    [
      "a group that never settles",
      [
        { zombies: { 7: ["1:1"] } },
        { zombies: { 7: ["2:1"] } },
        { zombies: { 7: ["3:1"] } },
        { zombies: { 7: ["4:1"] } },
        { zombies: { 7: ["5:1"] } },
        { zombies: { 7: ["6:1"] } },
      ],
      [],
      5,
    ],
  ])("confirms with back-to-back passes: %s", async (_label, passes, expected, passCount) => {
    const script = scripted(passes);
    const result = await findZombieOnlyGroups(new Set([7]), "/proc", script.scan);
    expect(result).toEqual(new Set(expected));
    expect(script.passes()).toBe(passCount);
  });

  it("returns undefined when there is no /proc", async () => {
    expect(await findZombieOnlyGroups(new Set([1]), join(tmpdir(), "no-such-proc-dir"))).toBe(
      undefined,
    );
  });
});
