import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY, parseProcessPolicies } from "./index.js";

const names = ["web", "worker", "release", "css"];
const parse = (raw: unknown) =>
  parseProcessPolicies(raw, { processNames: names, file: ".foreman" });
const codes = (raw: unknown) => parse(raw).diagnostics.map((d) => d.code);

describe("parseProcessPolicies", () => {
  it("gives every process the defaults when there are no settings", () => {
    for (const raw of [undefined, null, {}]) {
      const { policies, diagnostics } = parse(raw);
      expect(diagnostics).toEqual([]);
      expect(Object.keys(policies)).toEqual(names);
      expect(policies.web).toEqual({ ...DEFAULT_POLICY, dependsOn: [] });
    }
  });

  it("reads the example of the issue", () => {
    const { policies, diagnostics } = parse({
      web: { ready: "port", restart: "on-failure", stop_signal: "SIGINT", stop_timeout: 10 },
      worker: { depends_on: ["web"], restart: "always" },
      release: { oneshot: true },
      css: { can_die: true },
    });
    expect(diagnostics).toEqual([]);
    expect(policies.web).toMatchObject({
      ready: { kind: "port" },
      restart: "on-failure",
      stopSignal: "SIGINT",
      stopTimeoutMs: 10_000,
    });
    expect(policies.worker).toMatchObject({ dependsOn: ["web"], restart: "always" });
    expect(policies.release?.oneshot).toBe(true);
    expect(policies.css?.canDie).toBe(true);
  });

  it.each([
    [{ ready: "started" }, { kind: "started" }],
    [{ ready: { port: 8080 } }, { kind: "port", port: 8080 }],
    [{ ready: { log: "listening on \\d+" } }, { kind: "log", pattern: "listening on \\d+" }],
    [{ ready: { exec: "pg_isready" } }, { kind: "exec", command: "pg_isready" }],
    [
      { ready: { http: "http://localhost:$PORT/health" } },
      { kind: "http", url: "http://localhost:$PORT/health" },
    ],
  ])("reads ready %j", (settings, check) => {
    const { policies, diagnostics } = parse({ web: settings });
    expect(diagnostics).toEqual([]);
    expect(policies.web?.ready).toEqual(check);
  });

  it.each([
    [{ restart: false }, "restart", "no"],
    [{ stop_signal: "int" }, "stopSignal", "SIGINT"],
    [{ stop_signal: "KILL" }, "stopSignal", "SIGKILL"],
    [{ depends_on: "worker" }, "dependsOn", ["worker"]],
    [{ max_restarts: 0 }, "maxRestarts", 0],
    [{ restart_delay: 0.25 }, "restartDelayMs", 250],
    [{ restart_delay_max: 5 }, "restartDelayMaxMs", 5000],
    [{ ready_timeout: 1.5 }, "readyTimeoutMs", 1500],
  ])("reads %j", (settings, field, value) => {
    const { policies, diagnostics } = parse({ web: settings });
    expect(diagnostics).toEqual([]);
    expect(policies.web?.[field as keyof typeof DEFAULT_POLICY]).toEqual(value);
  });

  it.each([
    [{ restart: "sometimes" }, "POLICY_BAD_VALUE"],
    [{ restart: true }, "POLICY_BAD_VALUE"],
    [{ max_restarts: -1 }, "POLICY_BAD_VALUE"],
    [{ max_restarts: 1.5 }, "POLICY_BAD_VALUE"],
    [{ stop_timeout: "10" }, "POLICY_BAD_VALUE"],
    [{ ready_timeout: 0 }, "POLICY_BAD_VALUE"],
    [{ oneshot: "yes" }, "POLICY_BAD_VALUE"],
    [{ depends_on: [1] }, "POLICY_BAD_VALUE"],
    [{ ready: "tcp" }, "POLICY_BAD_VALUE"],
    [{ ready: { log: "(" } }, "POLICY_BAD_VALUE"],
    [{ ready: { http: "ftp://x" } }, "POLICY_BAD_VALUE"],
    [{ ready: { port: 70000 } }, "POLICY_BAD_VALUE"],
    [{ ready: { log: "a", exec: "b" } }, "POLICY_BAD_VALUE"],
    [{ stop_signal: "SIGSTOP" }, "POLICY_BAD_VALUE"],
    [{ stop_signal: "SIGNOPE" }, "POLICY_BAD_VALUE"],
    [{ restrat: "always" }, "POLICY_UNKNOWN_KEY"],
    [{ depends_on: ["db"] }, "POLICY_UNKNOWN_DEPENDENCY"],
    [{ depends_on: ["web"] }, "POLICY_DEPENDENCY_CYCLE"],
    [{ oneshot: true, restart: "always" }, "POLICY_CONFLICT"],
    [{ oneshot: true, ready: "port" }, "POLICY_CONFLICT"],
    [{ restart_delay: 10, restart_delay_max: 5 }, "POLICY_CONFLICT"],
    ["on-failure", "POLICY_NOT_A_MAP"],
  ])("reports %j as %s", (settings, code) => {
    expect(codes({ web: settings })).toEqual([code]);
  });

  it("reports settings for a process the Procfile lacks, with a did-you-mean", () => {
    const [d] = parse({ wrker: { restart: "always" } }).diagnostics;
    expect(d).toMatchObject({
      code: "POLICY_UNKNOWN_PROCESS",
      message: 'settings for "wrker", which is not in the Procfile',
      hint: 'did you mean "worker"? (the processes are: web, worker, release, css)',
      file: ".foreman",
    });
  });

  it("suggests the setting meant by a typo", () => {
    const [d] = parse({ web: { can_dei: true } }).diagnostics;
    expect(d?.hint).toMatch(/^did you mean "can_die"\?/);
  });

  it("reports a cycle once, with its path", () => {
    const { diagnostics } = parse({
      web: { depends_on: ["worker"] },
      worker: { depends_on: "release" },
      release: { depends_on: ["web"] },
    });
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: "POLICY_DEPENDENCY_CYCLE",
        message: "dependency cycle: web → worker → release → web",
      }),
    ]);
  });

  it("places each diagnostic with the locator, under processes:", () => {
    const asked: string[] = [];
    const { diagnostics } = parseProcessPolicies(
      { web: { restart: "x", bogus: 1, depends_on: ["web"] } },
      {
        processNames: ["web"],
        locate: (path, part) => {
          asked.push(`${path.join(".")}:${part}`);
          return { line: asked.length, column: 3 };
        },
      },
    );
    expect(asked).toEqual([
      "processes.web.restart:value",
      "processes.web.bogus:key",
      "processes.web.depends_on.0:value",
    ]);
    expect(diagnostics.map((d) => [d.line, d.column])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it("rejects a processes value that is not a map", () => {
    expect(codes(["web"])).toEqual(["POLICY_NOT_A_MAP"]);
  });
});
