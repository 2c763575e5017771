import { instanceName, type Prepared, template } from "./_common.js";
import { xmlText } from "./_quote.js";
import type { ExportedFile } from "./_types.js";

/**
 * A property list per instance. launchd takes the environment only inline
 * (`EnvironmentVariables`), so each plist holds the `.env` values and is written 0600.
 */
export function renderLaunchd(prepared: Prepared): ExportedFile[] {
  const { app, input } = prepared;
  const plist = template(prepared, "launchd.plist");
  const files: ExportedFile[] = [];
  for (const process of prepared.processes) {
    for (const instance of process.instances) {
      const name = instanceName(prepared, process, instance.index);
      const ps = `${process.safeName}.${instance.index}`;
      const env: Array<[string, string]> = [
        ...prepared.env,
        ["PORT", String(instance.port)],
        ["PS", ps],
      ];
      files.push({
        path: `${name}.plist`,
        mode: 0o600,
        content: plist({
          app,
          process: process.safeName,
          num: String(instance.index),
          name,
          ps,
          port: String(instance.port),
          timeout: String(prepared.timeoutSeconds),
          root: xmlText(input.root, "the root directory"),
          user: input.user ?? "",
          command: xmlText(process.command, `the command of ${process.name}`),
          environment: env
            .map(
              ([key, value]) =>
                `<key>${key}</key>\n<string>${xmlText(value, `the .env value of ${key}`)}</string>`,
            )
            .join("\n"),
          log_file: xmlText(
            `${prepared.logDir}/${process.safeName}-${instance.index}.log`,
            "the log file",
          ),
        }),
      });
    }
  }
  return files;
}
