import { constants } from "node:os";
import { findDependencyCycles } from "./_graph.js";
import {
  DEFAULT_POLICY,
  type ParsePoliciesOptions,
  type ParsePoliciesResult,
  type PolicyDiagnostic,
  type PolicyDiagnosticCode,
  type ProcessPolicy,
  type ReadyCheck,
  type RestartPolicy,
} from "./_policy-types.js";

/** The keys as written in `.foreman` (snake_case, as in the issue and in YAML tradition). */
export const POLICY_KEYS: readonly string[] = [
  "restart",
  "max_restarts",
  "restart_delay",
  "restart_delay_max",
  "oneshot",
  "can_die",
  "depends_on",
  "ready",
  "ready_timeout",
  "stop_signal",
  "stop_timeout",
];

const MAX_SECONDS = 86_400;
const READY_FORMS =
  "`port`, `started`, `{ port: 8080 }`, `{ log: <regex> }`, `{ exec: <command> }` or `{ http: <url> }`";

/**
 * Validates the `processes:` map of `.foreman` (already parsed from YAML to plain values) and
 * returns every process's policy with defaults filled in, plus a diagnostic for every problem:
 * unknown names and keys (with a did-you-mean), bad values, unknown dependencies and cycles.
 * A setting with a problem keeps its default; nothing here throws.
 */
export function parseProcessPolicies(
  raw: unknown,
  options: ParsePoliciesOptions,
): ParsePoliciesResult {
  const names = options.processNames;
  const base = options.basePath ?? ["processes"];
  const diagnostics: PolicyDiagnostic[] = [];
  const report = (
    code: PolicyDiagnosticCode,
    message: string,
    path: readonly (string | number)[],
    part: "key" | "value",
    extra: { hint?: string; process?: string } = {},
  ): void => {
    const where = options.locate?.([...base, ...path], part) ?? { line: 0, column: 0 };
    const d: PolicyDiagnostic = {
      severity: "error",
      code,
      message,
      line: where.line,
      column: where.column,
    };
    if (extra.hint !== undefined) d.hint = extra.hint;
    if (options.file !== undefined) d.file = options.file;
    if (extra.process !== undefined) d.process = extra.process;
    diagnostics.push(d);
  };

  const policies: Record<string, ProcessPolicy> = {};
  for (const name of names) policies[name] = { ...DEFAULT_POLICY, dependsOn: [] };
  if (raw === undefined || raw === null) return { policies, diagnostics };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    report(
      "POLICY_NOT_A_MAP",
      "`processes` must be a map of process names to settings",
      [],
      "value",
      {
        hint: "e.g. `processes:` then `  web: { restart: on-failure }`",
      },
    );
    return { policies, diagnostics };
  }

  for (const [name, settings] of Object.entries(raw as Record<string, unknown>)) {
    const policy = policies[name];
    if (policy === undefined) {
      report(
        "POLICY_UNKNOWN_PROCESS",
        `settings for "${name}", which is not in the Procfile`,
        [name],
        "key",
        {
          hint: suggest(name, names, "the processes are"),
          process: name,
        },
      );
      continue;
    }
    if (settings === null || settings === undefined) continue;
    if (typeof settings !== "object" || Array.isArray(settings)) {
      report("POLICY_NOT_A_MAP", `the settings of "${name}" must be a map`, [name], "value", {
        hint: `e.g. \`${name}: { restart: on-failure }\``,
        process: name,
      });
      continue;
    }
    parseOne(name, settings as Record<string, unknown>, policy, names, report);
  }

  const graph = new Map(names.map((n) => [n, (policies[n] as ProcessPolicy).dependsOn]));
  for (const cycle of findDependencyCycles(graph)) {
    const first = cycle[0] as string;
    const index = (policies[first] as ProcessPolicy).dependsOn.indexOf(cycle[1] as string);
    report(
      "POLICY_DEPENDENCY_CYCLE",
      cycle.length === 2
        ? `"${first}" depends on itself`
        : `dependency cycle: ${cycle.join(" → ")}`,
      [first, "depends_on", ...(Array.isArray(rawDependsOn(raw, first)) ? [index] : [])],
      "value",
      {
        hint: "remove one of these depends_on entries; processes must start in some order",
        process: first,
      },
    );
  }
  return { policies, diagnostics };
}

function rawDependsOn(raw: unknown, name: string): unknown {
  const settings = (raw as Record<string, unknown>)[name];
  return typeof settings === "object" && settings !== null
    ? (settings as Record<string, unknown>).depends_on
    : undefined;
}

type Report = (
  code: PolicyDiagnosticCode,
  message: string,
  path: readonly (string | number)[],
  part: "key" | "value",
  extra?: { hint?: string; process?: string },
) => void;

function parseOne(
  name: string,
  settings: Record<string, unknown>,
  policy: ProcessPolicy,
  names: readonly string[],
  report: Report,
): void {
  const bad = (
    key: string,
    expected: string,
    example: string,
    path: (string | number)[] = [],
  ): void =>
    report(
      "POLICY_BAD_VALUE",
      `"${name}": ${key} must be ${expected}`,
      [name, key, ...path],
      "value",
      {
        hint: `e.g. \`${key}: ${example}\``,
        process: name,
      },
    );
  const seconds = (
    key: string,
    value: unknown,
    example: string,
    min: number,
  ): number | undefined => {
    if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= MAX_SECONDS)
      return Math.round(value * 1000);
    bad(key, `a number of seconds${min > 0 ? " above 0" : ""} (at most ${MAX_SECONDS})`, example);
    return undefined;
  };

  for (const [key, value] of Object.entries(settings)) {
    switch (key) {
      case "restart": {
        const restart = value === false ? "no" : value;
        if (restart === "no" || restart === "on-failure" || restart === "always")
          policy.restart = restart as RestartPolicy;
        else bad(key, "`no`, `on-failure` or `always`", "on-failure");
        break;
      }
      case "max_restarts":
        if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0)
          policy.maxRestarts = value;
        else bad(key, "a whole number, 0 or more", "10");
        break;
      case "restart_delay": {
        const ms = seconds(key, value, "1", 0);
        if (ms !== undefined) policy.restartDelayMs = ms;
        break;
      }
      case "restart_delay_max": {
        const ms = seconds(key, value, "30", 0);
        if (ms !== undefined) policy.restartDelayMaxMs = ms;
        break;
      }
      case "ready_timeout": {
        const ms = seconds(key, value, "60", 0.001);
        if (ms !== undefined) policy.readyTimeoutMs = Math.max(ms, 1);
        break;
      }
      case "stop_timeout": {
        const ms = seconds(key, value, "10", 0);
        if (ms !== undefined) policy.stopTimeoutMs = ms;
        break;
      }
      case "oneshot":
      case "can_die":
        if (typeof value === "boolean") {
          if (key === "oneshot") policy.oneshot = value;
          else policy.canDie = value;
        } else bad(key, "true or false", "true");
        break;
      case "depends_on": {
        const list = typeof value === "string" ? [value] : value;
        if (!Array.isArray(list) || !list.every((d) => typeof d === "string")) {
          bad(key, "a process name or a list of them", "[web, db]");
          break;
        }
        const deps: string[] = [];
        list.forEach((dep: string, i) => {
          if (!names.includes(dep)) {
            report(
              "POLICY_UNKNOWN_DEPENDENCY",
              `"${name}" depends on "${dep}", which is not in the Procfile`,
              [name, key, ...(Array.isArray(value) ? [i] : [])],
              "value",
              { hint: suggest(dep, names, "the processes are"), process: name },
            );
          } else if (!deps.includes(dep)) deps.push(dep);
        });
        policy.dependsOn = deps;
        break;
      }
      case "ready": {
        const check = parseReady(value);
        if (typeof check === "string") {
          report("POLICY_BAD_VALUE", `"${name}": ready ${check}`, [name, key], "value", {
            hint: `write one of ${READY_FORMS}`,
            process: name,
          });
        } else policy.ready = check;
        break;
      }
      case "stop_signal": {
        const signal = parseSignal(value);
        if (signal === undefined)
          bad(key, "a signal name such as SIGTERM, SIGINT or SIGQUIT", "SIGINT");
        else policy.stopSignal = signal;
        break;
      }
      default:
        report("POLICY_UNKNOWN_KEY", `unknown setting "${key}" for "${name}"`, [name, key], "key", {
          hint: suggest(key, POLICY_KEYS, "the settings are"),
          process: name,
        });
    }
  }

  if (policy.oneshot && policy.restart === "always") {
    report(
      "POLICY_CONFLICT",
      `"${name}" is a oneshot with restart: always; a oneshot runs once`,
      [name, "restart"],
      "value",
      {
        hint: "use restart: on-failure to retry a oneshot until it succeeds",
        process: name,
      },
    );
    policy.restart = "no";
  }
  if (policy.oneshot && policy.ready !== undefined) {
    report(
      "POLICY_CONFLICT",
      `"${name}" is a oneshot with a ready check; a oneshot is ready when it exits 0`,
      [name, "ready"],
      "key",
      {
        hint: "remove ready",
        process: name,
      },
    );
    policy.ready = undefined;
  }
  if (policy.restartDelayMaxMs < policy.restartDelayMs) {
    report(
      "POLICY_CONFLICT",
      `"${name}": restart_delay_max is below restart_delay`,
      [name, "restart_delay_max"],
      "value",
      {
        hint: "the delay doubles from restart_delay up to restart_delay_max",
        process: name,
      },
    );
    policy.restartDelayMaxMs = policy.restartDelayMs;
  }
}

/** A ReadyCheck, or a string saying what is wrong (completing "ready …"). */
function parseReady(value: unknown): ReadyCheck | string {
  if (value === "port") return { kind: "port" };
  if (value === "started") return { kind: "started" };
  if (typeof value === "string") return `cannot be "${value}"`;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return "must be a word or a map";
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1) return "must have exactly one kind of check";
  const [kind, arg] = entries[0] as [string, unknown];
  switch (kind) {
    case "port":
      if (typeof arg === "number" && Number.isInteger(arg) && arg >= 1 && arg <= 65535)
        return { kind: "port", port: arg };
      return "port must be a port number from 1 to 65535";
    case "log": {
      if (typeof arg !== "string" || arg === "") return "log must be a regular expression";
      try {
        new RegExp(arg);
      } catch (error) {
        return `log is not a valid regular expression (${(error as Error).message})`;
      }
      return { kind: "log", pattern: arg };
    }
    case "exec":
      if (typeof arg === "string" && arg.trim() !== "") return { kind: "exec", command: arg };
      return "exec must be a command";
    case "http": {
      if (typeof arg !== "string") return "http must be a URL";
      try {
        const url = new URL(arg.replace(/\$\{PORT\}|\$PORT/g, "5000"));
        if (url.protocol !== "http:" && url.protocol !== "https:")
          return "http must be an http:// or https:// URL";
      } catch {
        return `http is not a URL: "${arg}"`;
      }
      return { kind: "http", url: arg };
    }
    default:
      return `has an unknown kind "${kind}"`;
  }
}

function parseSignal(value: unknown): NodeJS.Signals | undefined {
  if (typeof value !== "string") return undefined;
  const upper = value.trim().toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  // SIGSTOP would pause the process, not stop it, and the stop would then always time out.
  if (name === "SIGSTOP" || name === "SIGTSTP" || !(name in constants.signals)) return undefined;
  return name as NodeJS.Signals;
}

/** "did you mean …?" when a known word is close, always followed by the list. */
function suggest(word: string, known: readonly string[], listLabel: string): string {
  const near = known
    .map((k) => ({ k, d: editDistance(word.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d, k }) => d <= Math.max(1, Math.floor(k.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  const list = `${listLabel}: ${known.join(", ")}`;
  return near === undefined ? list : `did you mean "${near.k}"? (${list})`;
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
