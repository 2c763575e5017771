import { instanceName, type Prepared, template } from "./_common.js";
import { ExportError } from "./_error.js";
import { shQuote } from "./_quote.js";
import type { ExportedFile } from "./_types.js";

/**
 * A service directory per instance: `run`, `log/run` (svlogd) and `env/`, one 0600 file per
 * variable, read by `chpst -e` as root before it drops to the user. envdir reads the first line
 * of a file with NUL standing for newline, and strips trailing spaces and tabs; so newlines are
 * written as NUL, and every file ends with a newline so that an empty value stays set.
 */
export function renderRunit(prepared: Prepared): ExportedFile[] {
  const { app, input } = prepared;
  const run = template(prepared, "run");
  const logRun = template(prepared, "log/run");
  const user = input.user === undefined ? "" : shQuote(input.user);
  const files: ExportedFile[] = [];
  for (const [key, value] of prepared.env) {
    if (/[ \t]$/.test(value)) {
      throw new ExportError(
        "EXPORT_UNREPRESENTABLE_VALUE",
        `the .env value of ${key} ends with a space or tab, which runit's env directory strips`,
        { hint: "remove the trailing whitespace, or use another format" },
      );
    }
  }
  for (const process of prepared.processes) {
    for (const instance of process.instances) {
      const name = instanceName(prepared, process, instance.index);
      const ps = `${process.safeName}.${instance.index}`;
      const common = {
        app,
        process: process.safeName,
        num: String(instance.index),
        name,
        ps,
        user,
      };
      files.push({
        path: `${name}/run`,
        mode: 0o755,
        content: run({
          ...common,
          port: String(instance.port),
          timeout: String(prepared.timeoutSeconds),
          root: shQuote(input.root),
          command: shQuote(process.command),
        }),
      });
      files.push({
        path: `${name}/log/run`,
        mode: 0o755,
        content: logRun({
          ...common,
          log_dir: shQuote(`${prepared.logDir}/${process.safeName}-${instance.index}`),
        }),
      });
      const env: Array<[string, string]> = [
        ...prepared.env,
        ["PORT", String(instance.port)],
        ["PS", ps],
      ];
      for (const [key, value] of env) {
        files.push({
          path: `${name}/env/${key}`,
          mode: 0o600,
          content: `${value.replaceAll("\n", "\u0000")}\n`,
        });
      }
    }
  }
  return files;
}
