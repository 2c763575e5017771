import { describe, expect, it } from "vitest";
import {
  checkFormationLimits,
  parseFormation,
  parsePort,
  parseTimeoutSeconds,
  planInstances,
  timeoutSecondsOption,
} from "./_formation.js";

const entries = [
  { name: "web", command: "node web.js" },
  { name: "worker", command: "node worker.js" },
  { name: "clock", command: "node clock.js" },
];
const names = entries.map((e) => e.name);

describe("parseFormation", () => {
  it.each([
    ["", []],
    ["web=2", [["web", 2]]],
    [
      "all=1,web=2,worker=0",
      [
        ["all", 1],
        ["web", 2],
        ["worker", 0],
      ],
    ],
    [
      " web=2 , worker=3 ,",
      [
        ["web", 2],
        ["worker", 3],
      ],
    ],
  ] as const)("reads %j", (spec, expected) => {
    expect([...parseFormation(spec, names)]).toEqual(expected);
  });

  it.each(["web=-1", "web=x", "web", "=2", "web=2=3", "web=1.5"])(
    "refuses %j as a usage error",
    (spec) => {
      expect(() => parseFormation(spec, names)).toThrow(
        expect.objectContaining({ code: "CLI_BAD_FORMATION", kind: "usage" }),
      );
    },
  );

  it("refuses a name that is not in the Procfile and lists the ones that are", () => {
    expect(() => parseFormation("nothere=1", names)).toThrow(
      expect.objectContaining({
        code: "CLI_UNKNOWN_PROCESS",
        hint: expect.stringMatching(/web, worker, clock/),
      }),
    );
  });
});

describe("planInstances", () => {
  it("numbers instances and gives ports by Procfile position, as Ruby foreman", () => {
    const plan = planInstances({
      entries,
      formation: parseFormation("web=2,clock=1", names),
      only: [],
      basePort: 5000,
    });
    expect(plan.map((i) => [i.name, i.port, i.entryIndex])).toEqual([
      ["web.1", 5000, 0],
      ["web.2", 5001, 0],
      ["worker.1", 5100, 1],
      ["clock.1", 5200, 2],
    ]);
  });

  it("keeps each process's port when others are filtered out", () => {
    const plan = planInstances({ entries, formation: new Map(), only: ["clock"], basePort: 3000 });
    expect(plan.map((i) => [i.name, i.port])).toEqual([["clock.1", 3200]]);
  });

  it("applies all= as the default count", () => {
    const plan = planInstances({
      entries,
      formation: parseFormation("all=0,worker=2", names),
      only: [],
      basePort: 5000,
    });
    expect(plan.map((i) => i.name)).toEqual(["worker.1", "worker.2"]);
  });

  it("refuses ports above 65535 and unknown names", () => {
    expect(() =>
      planInstances({ entries, formation: new Map(), only: [], basePort: 65500 }),
    ).toThrow(/65535/);
    expect(() =>
      planInstances({ entries, formation: new Map(), only: ["nope"], basePort: 5000 }),
    ).toThrow(expect.objectContaining({ hint: expect.stringMatching(/web, worker, clock/) }));
  });
});

describe("limits and values", () => {
  it("refuses more than 1000 of a type or 2000 in all unless forced", () => {
    const many = planInstances({
      entries,
      formation: parseFormation("web=1001,worker=0,clock=0", names),
      only: [],
      basePort: 1000,
    });
    expect(() => checkFormationLimits(many, false)).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/--force/) }),
    );
    expect(() => checkFormationLimits(many, true)).not.toThrow();
    const total = planInstances({
      entries,
      formation: parseFormation("all=700", names),
      only: [],
      basePort: 1000,
    });
    expect(() => checkFormationLimits(total, false)).toThrow(/2000 in all/);
  });

  it.each([
    ["5000", 5000],
    ["1", 1],
    ["65535", 65535],
  ])("reads port %s", (text, port) => {
    expect(parsePort(text, "--port")).toBe(port);
  });

  it.each(["0", "65536", "-1", "abc", "50.5", ""])("refuses port %j", (text) => {
    expect(() => parsePort(text, "--port")).toThrow(
      expect.objectContaining({ code: "CLI_BAD_PORT" }),
    );
  });

  it.each([
    ["5", 5],
    ["0.5", 0.5],
    ["0", 0],
  ])("reads timeout %s", (text, seconds) => {
    expect(parseTimeoutSeconds(text)).toBe(seconds);
  });

  it.each(["soon", "-1", "1e3", ""])("refuses timeout %j", (text) => {
    expect(() => parseTimeoutSeconds(text)).toThrow(
      expect.objectContaining({ code: "CLI_BAD_TIMEOUT" }),
    );
  });

  it("--timeout: 5 s when absent, else as given (a .foreman number too)", () => {
    expect(timeoutSecondsOption(undefined)).toBe(5);
    expect(timeoutSecondsOption("2.5")).toBe(2.5);
    expect(timeoutSecondsOption(10)).toBe(10);
    expect(() => timeoutSecondsOption("soon")).toThrow(
      expect.objectContaining({ code: "CLI_BAD_TIMEOUT" }),
    );
  });
});
