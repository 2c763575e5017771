import { describe, expect, it } from "vitest";
import { isGroupPresent, signalGroup } from "./_group.js";

function killThrowing(code: string | undefined): (pid: number, signal: NodeJS.Signals | 0) => void {
  return () => {
    if (code !== undefined) throw Object.assign(new Error(code), { code });
  };
}

describe("signalGroup", () => {
  it.each([
    { errno: undefined, result: "sent", present: true },
    { errno: "ESRCH", result: "gone", present: false },
    { errno: "EPERM", result: "not-permitted", present: true },
  ])("kill → $errno reads as $result", ({ errno, result, present }) => {
    expect(signalGroup(42, "SIGTERM", killThrowing(errno))).toBe(result);
    expect(isGroupPresent(42, killThrowing(errno))).toBe(present);
  });

  it("signals the group (negative pid), not the process", () => {
    const calls: Array<[number, NodeJS.Signals | 0]> = [];
    signalGroup(42, "SIGUSR1", (pid, signal) => calls.push([pid, signal]));
    expect(calls).toEqual([[-42, "SIGUSR1"]]);
  });

  it("rethrows anything else (a bad signal name is a programming error)", () => {
    expect(() => signalGroup(42, "SIGTERM", killThrowing("ERR_UNKNOWN_SIGNAL"))).toThrow(
      "ERR_UNKNOWN_SIGNAL",
    );
  });
});

describe("with the real process.kill", () => {
  it("reads a group id no process can have as gone", () => {
    // Above Linux's PID_MAX_LIMIT (2^22) and macOS's 99999.
    expect(signalGroup(2 ** 22 + 1, 0)).toBe("gone");
  });
});
