import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { exitCodeFor, signalNumber } from "./_signals.js";

describe("signalNumber", () => {
  it.each([
    ["SIGHUP", 1],
    ["SIGINT", 2],
    ["SIGKILL", 9],
    ["SIGTERM", 15],
  ] as const)("%s is %i", (signal, number) => {
    expect(signalNumber(signal)).toBe(number);
  });

  it("agrees with os.constants.signals for every signal of the platform", () => {
    for (const [name, number] of Object.entries(constants.signals)) {
      expect(signalNumber(name as NodeJS.Signals)).toBe(number);
    }
  });

  it("throws SPAWN_UNKNOWN_SIGNAL for a name the platform does not have", () => {
    expect(() => signalNumber("SIGNOPE" as NodeJS.Signals)).toThrow(
      expect.objectContaining({ code: "SPAWN_UNKNOWN_SIGNAL" }),
    );
  });
});

describe("exitCodeFor", () => {
  it.each([
    { exitCode: 0, signal: null, code: 0 },
    { exitCode: 3, signal: null, code: 3 },
    { exitCode: 127, signal: null, code: 127 },
    { exitCode: null, signal: "SIGTERM", code: 143 },
    { exitCode: null, signal: "SIGKILL", code: 137 },
    { exitCode: null, signal: "SIGINT", code: 130 },
  ] as const)("code $exitCode / signal $signal → $code", ({ exitCode, signal, code }) => {
    expect(exitCodeFor(exitCode, signal)).toBe(code);
  });
});
