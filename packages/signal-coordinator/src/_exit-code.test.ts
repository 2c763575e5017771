import { describe, expect, it } from "vitest";
import type { ShutdownReason } from "./index.js";
import { exitCodeFor } from "./index.js";

describe("exitCodeFor", () => {
  it.each<[string, ShutdownReason, number]>([
    ["SIGINT to foreman", { kind: "signal", signal: "SIGINT" }, 0],
    ["SIGTERM to foreman", { kind: "signal", signal: "SIGTERM" }, 0],
    ["SIGHUP to foreman, even with a code", { kind: "signal", signal: "SIGHUP", exitCode: 3 }, 0],
    ["a process exiting 0", { kind: "exit", processName: "web.1", exitCode: 0 }, 0],
    ["a process exiting 3", { kind: "exit", processName: "web.1", exitCode: 3 }, 3],
    ["a process killed by SIGTERM", { kind: "exit", processName: "web.1", exitCode: 143 }, 143],
    ["a process exit without a code", { kind: "exit", processName: "web.1" }, 1],
    ["a process exit code above 255", { kind: "exit", processName: "web.1", exitCode: 256 }, 1],
    ["a negative exit code", { kind: "exit", processName: "web.1", exitCode: -1 }, 1],
    ["a fractional exit code", { kind: "exit", processName: "web.1", exitCode: 1.5 }, 1],
    ["an error without a code", { kind: "error", message: "boom" }, 1],
    ["an error with a code", { kind: "error", message: "bad usage", exitCode: 2 }, 2],
  ])("%s → %i", (_label, reason, expected) => {
    expect(exitCodeFor(reason)).toBe(expected);
  });
});
