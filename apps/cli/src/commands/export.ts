import { execFileSync } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  type ExportedFile,
  type ExportFormat,
  type ExportProcess,
  exportConfig,
  FORMAT_INFO,
  FORMATS,
  isExportFormat,
  staleFiles,
} from "@foreman/export";
import type { CommandContext } from "../_context.js";
import { CliError, escapeControl, formatErrorLine, isCodedError, usageError } from "../_errors.js";
import {
  checkFormationLimits,
  parseFormation,
  planInstances,
  timeoutSecondsOption,
} from "../_formation.js";
import { basePortFor } from "../_ports.js";
import {
  describeDiagnostic,
  displayPath,
  loadEnvironment,
  loadProcfile,
  resolvePaths,
  throwIfErrors,
} from "../_project.js";

/**
 * `foreman export FORMAT LOCATION`: the Procfile, `.env` and formation as configuration for a
 * production supervisor. `@foreman/export` renders (pure); this command reads the inputs, checks
 * the location and writes the files, never overwriting one without `--force`.
 */
export async function exportCommand(context: CommandContext): Promise<number> {
  const { io, options, positionals } = context;
  const [format, location, ...extra] = positionals;
  const formats = FORMATS.join(", ");
  if (format === undefined) {
    throw usageError(
      "CLI_MISSING_FORMAT",
      "`foreman export` needs a FORMAT and a LOCATION",
      `e.g. \`foreman export systemd /etc/systemd/system\`; the formats are: ${formats}`,
    );
  }
  if (!isExportFormat(format)) {
    throw usageError(
      "CLI_UNKNOWN_FORMAT",
      `unknown export format "${escapeControl(format)}"`,
      `the formats are: ${formats}`,
    );
  }
  if (location === undefined || location === "") {
    throw usageError(
      "CLI_MISSING_LOCATION",
      `\`foreman export ${format}\` needs a LOCATION to write into`,
      `e.g. \`foreman export ${format} ${exampleLocation(format)}\``,
    );
  }
  if (extra.length > 0) {
    throw usageError(
      "CLI_TOO_MANY_ARGUMENTS",
      `unexpected argument "${escapeControl(extra[0] as string)}" after the LOCATION`,
      "`foreman export FORMAT LOCATION [options]`",
    );
  }
  const toStdout = location === "-";
  if (toStdout && !FORMAT_INFO[format].singleFile) {
    throw usageError(
      "CLI_NOT_SINGLE_FILE",
      `the ${format} format writes several files, so it cannot go to stdout`,
      `give a directory instead of -; one-file formats: ${FORMATS.filter((f) => FORMAT_INFO[f].singleFile).join(", ")}`,
    );
  }

  const timeoutSeconds = timeoutSecondsOption(options.timeout);
  const paths = resolvePaths(options, io.cwd);
  const procfile = await loadProcfile(paths.procfile, io.cwd);
  throwIfErrors(procfile.diagnostics, io.cwd);
  const loaded = await loadEnvironment(paths, io.cwd, io.env);
  throwIfErrors(loaded.diagnostics, io.cwd);
  for (const d of [...procfile.diagnostics, ...loaded.diagnostics])
    io.stderr.write(`${formatErrorLine(describeDiagnostic(d, io.cwd))}\n`);

  const names = procfile.entries.map((e) => e.name);
  const formation = parseFormation(
    typeof options.formation === "string" ? options.formation : "",
    names,
  );
  const basePort = basePortFor(options.port, loaded, io.env);
  const instances = planInstances({ entries: procfile.entries, formation, only: [], basePort });
  checkFormationLimits(instances, false);
  const processes: ExportProcess[] = procfile.entries.map((entry) => ({
    name: entry.name,
    command: entry.command,
    instances: instances
      .filter((i) => i.type === entry.name)
      .map((i) => ({ index: i.index, port: i.port })),
  }));

  const stringOption = (name: string): string | undefined =>
    typeof options[name] === "string" && options[name] !== "" ? options[name] : undefined;
  const templateDir = stringOption("template");
  const absoluteLocation = toStdout ? io.cwd : resolve(io.cwd, location);
  const templates =
    templateDir === undefined
      ? undefined
      : readTemplates(format, resolve(io.cwd, templateDir), io.cwd);
  const user = stringOption("user");
  const logDir = stringOption("log");
  const runDir = stringOption("run");
  const image = stringOption("image");

  let files: ExportedFile[];
  try {
    files = exportConfig(format, {
      app: stringOption("app") ?? basename(paths.root),
      processes,
      env: loaded.vars,
      root: paths.root,
      location: absoluteLocation,
      timeoutSeconds,
      ...(user === undefined ? {} : { user }),
      ...(logDir === undefined ? {} : { logDir: resolve(io.cwd, logDir) }),
      ...(runDir === undefined ? {} : { runDir: resolve(io.cwd, runDir) }),
      ...(image === undefined ? {} : { image }),
      ...(templates === undefined ? {} : { templates }),
      ...(toStdout ? { singleFile: true } : {}),
    });
  } catch (error) {
    throw exportErrorToCli(
      error,
      templateDir === undefined ? undefined : resolve(io.cwd, templateDir),
      io.cwd,
    );
  }

  if (toStdout) {
    io.stdout.write((files[0] as ExportedFile).content);
    return 0;
  }
  const app = stringOption("app") ?? basename(paths.root);
  const written = writeFiles(files, absoluteLocation, options.force === true, context);
  const stale = staleFiles(format, app, files, written.existingBefore);
  for (const name of stale) {
    io.stderr.write(
      `${formatErrorLine(
        `warning: ${displayPath(join(absoluteLocation, name), io.cwd)} is from an earlier export of ${app} and no longer exported`,
        "remove it (stop and disable it first) unless something else still needs it",
      )}\n`,
    );
  }
  return 0;
}

function exampleLocation(format: ExportFormat): string {
  const examples: Record<ExportFormat, string> = {
    systemd: "/etc/systemd/system",
    "systemd-user": "~/.config/systemd/user",
    supervisord: "/etc/supervisor/conf.d",
    runit: "/etc/sv",
    launchd: "~/Library/LaunchAgents",
    upstart: "/etc/init",
    "docker-compose": ".",
    kubernetes: "deploy/",
  };
  return examples[format];
}

/** Reads `DIR/<format>/<name>` for each template name the format has; missing ones keep the default. */
function readTemplates(format: ExportFormat, dir: string, cwd: string): Record<string, string> {
  const formatDir = join(dir, format);
  const names = FORMAT_INFO[format].templates;
  const expected = names.map((n) => displayPath(join(formatDir, n), cwd)).join(", ");
  if (!existsSync(formatDir) || !statSync(formatDir).isDirectory()) {
    throw new CliError(
      "CLI_NO_TEMPLATES",
      `no template directory for ${format}, ${displayPath(formatDir, cwd)}`,
      { hint: `--template DIR looks for ${expected}` },
    );
  }
  const templates: Record<string, string> = {};
  for (const name of names) {
    const path = join(formatDir, name);
    if (!existsSync(path)) continue;
    try {
      templates[name] = readFileSync(path, "utf8");
    } catch (error) {
      throw new CliError(
        "CLI_TEMPLATE_UNREADABLE",
        `cannot read the template (${(error as NodeJS.ErrnoException).code ?? "error"}), ${displayPath(path, cwd)}`,
        { hint: "check its permissions" },
      );
    }
  }
  if (Object.keys(templates).length === 0) {
    throw new CliError(
      "CLI_NO_TEMPLATES",
      `no template for ${format} in ${displayPath(formatDir, cwd)}`,
      { hint: `--template DIR looks for ${expected}` },
    );
  }
  return templates;
}

function exportErrorToCli(error: unknown, templateDir: string | undefined, cwd: string): unknown {
  if (!isCodedError(error)) return error;
  const template = (error as { template?: unknown }).template;
  const line = (error as { line?: unknown }).line;
  let message = error.message;
  if (typeof template === "string" && templateDir !== undefined) {
    const shown = displayPath(join(templateDir, template), cwd);
    message = `${message.replace(/, template \S+$/, "")}, ${shown}${typeof line === "number" ? `:${line}` : ""}`;
  }
  return new CliError(error.code, message, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    cause: error,
  });
}

interface WriteResult {
  existingBefore: string[];
}

function writeFiles(
  files: readonly ExportedFile[],
  location: string,
  force: boolean,
  context: CommandContext,
): WriteResult {
  const { io } = context;
  const shownLocation = displayPath(location, io.cwd);
  const cannotWrite = (error: unknown, path: string): CliError => {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return new CliError(
      "CLI_EXPORT_UNWRITABLE",
      `cannot write to ${displayPath(path, io.cwd)} (${code})`,
      {
        hint:
          code === "EACCES" || code === "EPERM" || code === "EROFS"
            ? "choose a LOCATION you can write to, or run as a user who can (e.g. with sudo)"
            : `LOCATION must be a directory (or a path where one can be made): ${shownLocation}`,
        cause: error,
      },
    );
  };
  try {
    mkdirSync(location, { recursive: true });
    accessSync(location, constants.W_OK);
  } catch (error) {
    throw cannotWrite(error, location);
  }
  const existingBefore = readdirSync(location);
  const clashes = files.filter((f) => exists(join(location, f.path)));
  if (clashes.length > 0 && !force) {
    const first = displayPath(join(location, (clashes[0] as ExportedFile).path), io.cwd);
    const more = clashes.length > 1 ? ` (and ${clashes.length - 1} more)` : "";
    throw new CliError("CLI_EXPORT_EXISTS", `${first} already exists${more}`, {
      hint: "pass --force to overwrite what an earlier export wrote",
    });
  }
  const isRoot = process.getuid?.() === 0;
  for (const file of files) {
    const path = join(location, file.path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      // Removing first, then creating with the final mode, never leaves secrets in a file that
      // was, even for a moment, readable by others.
      if (exists(path)) rmSync(path);
      writeFileSync(path, file.content, { mode: file.mode, flag: "wx" });
      chmodSync(path, file.mode);
    } catch (error) {
      throw cannotWrite(error, path);
    }
    if (file.owner !== undefined) giveTo(file.owner, path, isRoot, context);
    io.stdout.write(`wrote ${escapeControl(displayPath(path, io.cwd))}\n`);
  }
  return { existingBefore };
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The program reads this file after dropping to `user`, so `user` must own it. */
function giveTo(user: string, path: string, isRoot: boolean, context: CommandContext): void {
  const shown = displayPath(path, context.io.cwd);
  const warn = (why: string) =>
    context.io.stderr.write(
      `${formatErrorLine(`warning: ${why}, ${shown}`, `run \`chown ${user} ${shown}\` where it is installed, so that the program can read its environment`)}\n`,
    );
  if (!isRoot) {
    warn(`only root can give the environment file to ${user}`);
    return;
  }
  try {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8", stdio: "pipe" }));
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8", stdio: "pipe" }));
    chownSync(path, uid, gid);
  } catch {
    warn(`there is no user ${user} on this machine`);
  }
}
