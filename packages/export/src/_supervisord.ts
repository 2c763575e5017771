import { instanceName, type Prepared, template } from "./_common.js";
import { supervisordArg, supervisordPlain } from "./_quote.js";
import { envFilePath, SOURCE_THEN_RUN, shEnvFile } from "./_shenv.js";
import type { ExportedFile } from "./_types.js";

/**
 * `app.conf` for supervisord's include directory: a `[group:app]` and a `[program:app-web-1]`
 * per instance, stopping whole process groups. The `.env` values live in `app.env` (0600),
 * sourced by `/bin/sh` before the command runs.
 */
export function renderSupervisord(prepared: Prepared): ExportedFile[] {
  const { app, input } = prepared;
  const program = template(prepared, "program.conf");
  const names: string[] = [];
  const sections: string[] = [];
  const root = supervisordPlain(input.root, "the root directory");
  const envFile = envFilePath(prepared);
  for (const process of prepared.processes) {
    for (const instance of process.instances) {
      const name = instanceName(prepared, process, instance.index);
      const log = `${prepared.logDir}/${process.safeName}-${instance.index}`;
      names.push(name);
      sections.push(
        program({
          app,
          process: process.safeName,
          num: String(instance.index),
          name,
          ps: `${process.safeName}.${instance.index}`,
          port: String(instance.port),
          timeout: String(prepared.timeoutSeconds),
          root,
          user: input.user ?? "",
          command: [
            "/bin/sh",
            "-c",
            supervisordArg(SOURCE_THEN_RUN),
            supervisordArg(envFile),
            supervisordArg(process.command),
          ].join(" "),
          stdout_logfile: supervisordPlain(`${log}.log`, "the log file"),
          stderr_logfile: supervisordPlain(`${log}.error.log`, "the log file"),
        }),
      );
    }
  }
  const conf: ExportedFile = {
    path: `${app}.conf`,
    mode: 0o644,
    content: template(
      prepared,
      "app.conf",
    )({ app, programs: names.join(","), sections: sections.join("\n") }),
  };
  return [conf, shEnvFile(prepared)];
}
