import type { OptionValue } from "./_args.js";
import { parsePort } from "./_formation.js";

const DEFAULT_PORT = 5000;

/**
 * The base port, as Ruby foreman: --port, else PORT from the .env files (its value is not echoed
 * in an error: .env holds secrets), else PORT from the environment, else 5000.
 */
export function basePortFor(
  option: OptionValue | undefined,
  loaded: { vars: Record<string, string>; sources: Record<string, { file: string } | undefined> },
  env: Record<string, string | undefined>,
): number {
  if (typeof option === "string") return parsePort(option, "--port");
  if (loaded.vars.PORT !== undefined) {
    return parsePort(loaded.vars.PORT, `PORT in ${loaded.sources.PORT?.file ?? ".env"}`, {
      showValue: false,
    });
  }
  if (env.PORT !== undefined && env.PORT !== "")
    return parsePort(env.PORT, "the environment variable PORT");
  return DEFAULT_PORT;
}
