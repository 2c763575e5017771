import { usageError } from "./_errors.js";

/**
 * A small, strict argument parser: every flag is declared, an unknown one is a usage error
 * (Ruby foreman's Thor silently ignores some), and values are kept as strings so that each
 * command validates them with a message naming the flag.
 */
export type OptionType = "string" | "list" | "boolean";

export interface OptionSpec {
  name: string; // long name, also the key in parsed options and in .foreman
  short?: string;
  type: OptionType;
  /** `--no-<name>` is accepted for booleans that are on by default or can come from .foreman. */
  negatable?: boolean;
  description: string;
  valueName?: string;
}

export type OptionValue = string | string[] | boolean;

export interface ParsedArgs {
  options: Record<string, OptionValue>;
  positionals: string[];
}

export interface ParseArgsOptions {
  /** Stop at the first positional: everything after it belongs to it (`foreman run cmd --flag`). */
  stopAtPositional?: boolean;
  command: string;
}

export function parseArgs(
  argv: readonly string[],
  specs: readonly OptionSpec[],
  settings: ParseArgsOptions,
): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(
    specs.filter((s) => s.short !== undefined).map((s) => [s.short as string, s]),
  );
  const options: Record<string, OptionValue> = {};
  const positionals: string[] = [];

  const assign = (spec: OptionSpec, value: string | boolean): void => {
    if (spec.type === "list") {
      const previous = options[spec.name];
      const list = Array.isArray(previous) ? previous : [];
      list.push(String(value));
      options[spec.name] = list;
    } else {
      options[spec.name] = value;
    }
  };

  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith("--") && arg.length > 2) {
      const eq = arg.indexOf("=");
      const rawName = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq === -1 ? undefined : arg.slice(eq + 1);
      const spec = byLong.get(rawName);
      if (spec === undefined && rawName.startsWith("no-")) {
        const positive = byLong.get(rawName.slice(3));
        if (positive?.type === "boolean" && positive.negatable === true) {
          if (inline !== undefined) throw unexpectedValue(`--${rawName}`, settings.command);
          options[positive.name] = false;
          continue;
        }
      }
      if (spec === undefined) throw unknownOption(`--${rawName}`, specs, settings.command);
      if (spec.type === "boolean") {
        if (inline !== undefined) throw unexpectedValue(`--${rawName}`, settings.command);
        assign(spec, true);
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw missingValue(`--${spec.name}`, spec, settings.command);
      assign(spec, value);
      continue;
    }
    if (arg.startsWith("-") && arg.length > 1 && !/^-\d/.test(arg)) {
      // -fProcfile, -f Procfile, and bundled booleans (-ch is -c -h).
      for (let j = 1; j < arg.length; j += 1) {
        const letter = arg[j] as string;
        const spec = byShort.get(letter);
        if (spec === undefined) throw unknownOption(`-${letter}`, specs, settings.command);
        if (spec.type === "boolean") {
          assign(spec, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        const value = rest !== "" ? rest.replace(/^=/, "") : argv[++i];
        if (value === undefined) throw missingValue(`-${letter}`, spec, settings.command);
        assign(spec, value);
        break;
      }
      continue;
    }
    positionals.push(arg);
    if (settings.stopAtPositional === true) {
      positionals.push(...argv.slice(i + 1));
      break;
    }
  }
  return { options, positionals };
}

function unknownOption(flag: string, specs: readonly OptionSpec[], command: string) {
  const near = specs.find((s) => `--${s.name}`.startsWith(flag) || flag.startsWith(`--${s.name}`));
  const hint =
    near === undefined
      ? `run \`foreman help ${command}\` for the options`
      : `did you mean --${near.name}?`;
  return usageError(
    "CLI_UNKNOWN_OPTION",
    `unknown option ${flag} for \`foreman ${command}\``,
    hint,
  );
}

function missingValue(flag: string, spec: OptionSpec, command: string) {
  return usageError(
    "CLI_MISSING_VALUE",
    `option ${flag} needs a value`,
    `e.g. \`foreman ${command} ${flag} ${spec.valueName ?? "VALUE"}\``,
  );
}

function unexpectedValue(flag: string, command: string) {
  return usageError(
    "CLI_UNEXPECTED_VALUE",
    `option ${flag} takes no value`,
    `run \`foreman help ${command}\``,
  );
}

export function renderOptions(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const short = s.short === undefined ? "    " : `-${s.short}, `;
    const neg = s.negatable === true ? `, --no-${s.name}` : "";
    const value = s.type === "boolean" ? "" : ` ${s.valueName ?? "VALUE"}`;
    return [`  ${short}--${s.name}${value}${neg}`, s.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right).join("\n");
}
