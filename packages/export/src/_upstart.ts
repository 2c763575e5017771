import { instanceName, type Prepared, template } from "./_common.js";
import { shQuote, upstartArg } from "./_quote.js";
import { envFilePath, SOURCE_THEN_RUN, shEnvFile } from "./_shenv.js";
import type { ExportedFile } from "./_types.js";

/**
 * Ruby foreman's trio: `app.conf`, `app-web.conf` and `app-web-1.conf`. upstart runs an `exec`
 * line through `/bin/sh`, so every part of it is shell-quoted; the `.env` values are sourced from
 * `app.env` (0600) rather than written as `env` stanzas into world-readable jobs.
 */
export function renderUpstart(prepared: Prepared): ExportedFile[] {
  const { app, input } = prepared;
  const processMaster = template(prepared, "process_master.conf");
  const job = template(prepared, "process.conf");
  const files: ExportedFile[] = [
    {
      path: `${app}.conf`,
      mode: 0o644,
      content: template(
        prepared,
        "master.conf",
      )({ app, user: input.user ?? "", log_dir: shQuote(prepared.logDir) }),
    },
  ];
  for (const process of prepared.processes) {
    if (process.instances.length === 0) continue;
    files.push({
      path: `${app}-${process.safeName}.conf`,
      mode: 0o644,
      content: processMaster({ app, process: process.safeName }),
    });
    for (const instance of process.instances) {
      const name = instanceName(prepared, process, instance.index);
      const log = `${prepared.logDir}/${process.safeName}-${instance.index}.log`;
      files.push({
        path: `${name}.conf`,
        mode: 0o644,
        content: job({
          app,
          process: process.safeName,
          num: String(instance.index),
          name,
          ps: `${process.safeName}.${instance.index}`,
          port: String(instance.port),
          timeout: String(prepared.timeoutSeconds),
          root: upstartArg(input.root),
          user: input.user ?? "",
          exec: `/bin/sh -c ${shQuote(SOURCE_THEN_RUN)} ${shQuote(envFilePath(prepared))} ${shQuote(process.command)} >> ${shQuote(log)} 2>&1`,
        }),
      });
    }
  }
  files.push(shEnvFile(prepared));
  return files;
}
