import {
  type PolicyDiagnostic,
  type ProcessPolicy,
  parseProcessPolicies,
} from "@foreman/supervisor";
import type { DotForeman } from "./_dotforeman.js";

export interface LoadedPolicies {
  policies: Record<string, ProcessPolicy>;
  diagnostics: PolicyDiagnostic[];
}

/**
 * The `processes:` map of `.foreman`, validated against the Procfile's names, with every problem
 * placed at its line in `.foreman` (the same diagnostic shape as the Procfile's and `.env`'s).
 */
export function loadPolicies(
  dotForeman: DotForeman | undefined,
  processNames: readonly string[],
): LoadedPolicies {
  if (dotForeman === undefined) return parseProcessPolicies(undefined, { processNames });
  return parseProcessPolicies(dotForeman.processes, {
    processNames,
    file: dotForeman.path,
    locate: dotForeman.locate,
  });
}
