import { loadEnv } from "@foreman/env-loader";
import type { CommandContext } from "../_context.js";
import { formatErrorLine, jsonForTerminal } from "../_errors.js";
import { loadPolicies } from "../_policies.js";
import {
  type Diagnostic,
  describeDiagnostic,
  fromPackageError,
  loadProcfile,
  resolvePaths,
} from "../_project.js";

/**
 * `foreman check`: validates without running or expanding anything. The env files are parsed for
 * their diagnostics only, with an empty inherited environment, so nothing of the user's shell
 * leaks into the report; values never appear in it (env-loader masks them).
 */
export async function checkCommand(context: CommandContext): Promise<number> {
  const { io, options } = context;
  const paths = resolvePaths(options, io.cwd);
  const procfile = await loadProcfile(paths.procfile, io.cwd);
  let envDiagnostics: Diagnostic[] = [];
  try {
    envDiagnostics = (await loadEnv(paths.envFiles, { cwd: io.cwd, inherit: {}, expand: false }))
      .diagnostics;
  } catch (error) {
    throw fromPackageError(error, io.cwd);
  }
  const policyDiagnostics = loadPolicies(
    context.dotForeman,
    procfile.entries.map((e) => e.name),
  ).diagnostics;
  const diagnostics: Diagnostic[] = [
    ...procfile.diagnostics,
    ...envDiagnostics,
    ...policyDiagnostics,
  ];
  const errors = diagnostics.filter((d) => d.severity === "error");

  if (options.json === true) {
    const report = {
      procfile: procfile.path,
      processes: procfile.entries.map((e) => ({ name: e.name, command: e.command, line: e.line })),
      diagnostics,
    };
    io.stdout.write(`${jsonForTerminal(report)}\n`);
    return errors.length > 0 ? 1 : 0;
  }

  for (const d of diagnostics)
    io.stderr.write(`${formatErrorLine(describeDiagnostic(d, io.cwd))}\n`);
  if (errors.length > 0) {
    io.stderr.write(
      `${formatErrorLine(`${errors.length} error${errors.length === 1 ? "" : "s"} in ${describeFiles(diagnostics, procfile.path)}`, "fix the lines above, then run `foreman check` again")}\n`,
    );
    return 1;
  }
  io.stdout.write(`valid procfile detected (${procfile.entries.map((e) => e.name).join(", ")})\n`);
  return 0;
}

function describeFiles(diagnostics: readonly Diagnostic[], procfile: string): string {
  const files = new Set(
    diagnostics.filter((d) => d.severity === "error").map((d) => d.file ?? procfile),
  );
  return [...files].join(", ");
}
