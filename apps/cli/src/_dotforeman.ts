import { join } from "node:path";
import type { OptionSpec, OptionValue } from "./_args.js";
import { CliError } from "./_errors.js";
import { readTextFile } from "./_text-file.js";

/**
 * `.foreman` in the working directory: YAML defaults for any flag, as Ruby foreman reads it.
 * Unlike Ruby foreman, a value here also beats the built-in default (`timestamp: false` works),
 * and a key we do not know is reported instead of ignored.
 */
export interface DotForeman {
  path: string;
  options: Record<string, OptionValue>;
  /** The raw `processes:` map, kept for per-process settings. */
  processes: unknown;
  warnings: string[];
  /** Where a node is in the file: `part` "key" for the key at the end of `path`, "value" for its value. */
  locate: YamlLocator;
}

export type YamlLocator = (
  path: readonly (string | number)[],
  part: "key" | "value",
) => { line: number; column: number } | undefined;

const NOWHERE: YamlLocator = () => undefined;

// Ruby foreman's older spelling of --formation.
const ALIASES: Record<string, string> = { concurrency: "formation" };
const RESERVED = new Set(["processes"]);

export async function readDotForeman(
  cwd: string,
  specs: readonly OptionSpec[],
): Promise<DotForeman | undefined> {
  const path = join(cwd, ".foreman");
  let text: string;
  try {
    // A FIFO, /dev/zero or a huge file must give one clear line, not a hang or a memory blow-up.
    text = await readTextFile(path, {
      codePrefix: "DOTFOREMAN",
      label: ".foreman",
      maxBytes: 1024 * 1024,
      expected: "a YAML file of flag defaults, e.g. `port: 3000`",
    });
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    if (code === "EISDIR") {
      throw new CliError("DOTFOREMAN_IS_DIRECTORY", `.foreman is a directory, ${path}`, {
        hint: "it must be a YAML file of flag defaults, e.g. `port: 3000`",
      });
    }
    throw new CliError(
      "DOTFOREMAN_UNREADABLE",
      `cannot read .foreman (${code ?? "error"}), ${path}`,
      {
        hint: "check its permissions",
      },
    );
  }

  // The YAML parser is most of the CLI's code by size; only a project with a `.foreman` pays for it.
  const { LineCounter, parseDocument } = await import("yaml");
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    const pos = lineCounter.linePos(firstError.pos[0]);
    throw new CliError(
      "DOTFOREMAN_INVALID_YAML",
      `.foreman is not valid YAML (${firstError.code}), ${path}:${pos.line}`,
      {
        hint: "write one `flag: value` per line, e.g. `formation: web=2`",
      },
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || data === undefined)
    return { path, options: {}, processes: undefined, warnings: [], locate: NOWHERE };
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new CliError(
      "DOTFOREMAN_NOT_A_MAP",
      `.foreman must be a map of flag defaults, ${path}:1`,
      {
        hint: "e.g. `port: 3000` on its own line",
      },
    );
  }

  const lineOf = (key: string): number => {
    const contents = doc.contents as {
      items?: Array<{ key?: { value?: unknown; range?: [number] } }>;
    } | null;
    const item = contents?.items?.find((i) => i.key?.value === key);
    const offset = item?.key?.range?.[0];
    return offset === undefined ? 1 : lineCounter.linePos(offset).line;
  };

  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const options: Record<string, OptionValue> = {};
  const warnings: string[] = [];
  for (const [rawKey, value] of Object.entries(data as Record<string, unknown>)) {
    if (RESERVED.has(rawKey)) continue;
    const key = ALIASES[rawKey] ?? rawKey;
    const spec = bySpec.get(key);
    const where = `${path}:${lineOf(rawKey)}`;
    if (spec === undefined) {
      warnings.push(
        `unknown key "${rawKey}" in .foreman, ${where}; known keys: ${specs
          .filter((s) => s.name !== "help" && s.name !== "version")
          .map((s) => s.name)
          .join(", ")}`,
      );
      continue;
    }
    options[spec.name] = coerce(spec, value, rawKey, where);
  }
  return {
    path,
    options,
    processes: (data as Record<string, unknown>).processes,
    warnings,
    locate: locatorFor(doc.contents, (offset) => {
      const pos = lineCounter.linePos(offset);
      return { line: pos.line, column: pos.col };
    }),
  };
}

interface YamlNodeLike {
  items?: unknown[];
  range?: [number, ...number[]];
}
interface YamlPairLike {
  key?: { value?: unknown; range?: [number, ...number[]] } | null;
  value?: YamlNodeLike | null;
}

/** Walks the YAML node tree (maps by key, sequences by index) without importing the yaml package. */
function locatorFor(
  root: unknown,
  position: (offset: number) => { line: number; column: number },
): YamlLocator {
  return (path, part) => {
    let node = root as YamlNodeLike | null | undefined;
    let key: YamlPairLike["key"];
    for (const step of path) {
      const items = node?.items;
      if (!Array.isArray(items)) return undefined;
      const isMap =
        items.length > 0 && typeof items[0] === "object" && items[0] !== null && "key" in items[0];
      if (typeof step === "number" && !isMap) {
        key = undefined;
        node = items[step] as YamlNodeLike | undefined;
      } else {
        const pair = (items as YamlPairLike[]).find((i) => String(i.key?.value) === String(step));
        if (pair === undefined) return undefined;
        key = pair.key;
        node = pair.value;
      }
    }
    const range = part === "key" ? (key?.range ?? node?.range) : (node?.range ?? key?.range);
    return range === undefined ? undefined : position(range[0]);
  };
}

function coerce(spec: OptionSpec, value: unknown, key: string, where: string): OptionValue {
  const bad = (expected: string) =>
    new CliError("DOTFOREMAN_BAD_VALUE", `.foreman key "${key}" must be ${expected}, ${where}`, {
      hint: `e.g. \`${key}: ${example(spec)}\``,
    });
  switch (spec.type) {
    case "boolean":
      if (typeof value === "boolean") return value;
      throw bad("true or false");
    case "list":
      if (typeof value === "string") return [value];
      if (Array.isArray(value) && value.every((v) => typeof v === "string"))
        return value as string[];
      throw bad("a string or a list of strings");
    case "string":
      if (typeof value === "string" || typeof value === "number") return String(value);
      if (
        spec.name === "formation" &&
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value)
      ) {
        // `formation: { web: 2, worker: 1 }` reads better in YAML than the flag's syntax.
        return Object.entries(value as Record<string, unknown>)
          .map(([name, count]) => `${name}=${String(count)}`)
          .join(",");
      }
      throw bad("a string");
  }
}

function example(spec: OptionSpec): string {
  if (spec.type === "boolean") return "true";
  if (spec.name === "formation") return "web=2,worker=1";
  if (spec.name === "port") return "5000";
  if (spec.name === "timeout") return "5";
  return spec.valueName ?? "value";
}
