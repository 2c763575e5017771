import { ExportError } from "./_error.js";
import { renderTemplate, validateTemplate } from "./_template.js";
import { DEFAULT_TEMPLATES } from "./_templates.js";
import type { ExportFormat, ExportInput, ExportProcess } from "./_types.js";

/** What every format starts from: the input checked, names made safe, PORT and PS set aside. */
export interface Prepared {
  input: ExportInput;
  format: ExportFormat;
  app: string;
  processes: PreparedProcess[];
  /** The `.env` variables minus PORT and PS, which each instance gets its own of. */
  env: Array<[string, string]>;
  timeoutSeconds: number;
  logDir: string;
}

export interface PreparedProcess extends ExportProcess {
  /** The process name made safe for unit and file names. */
  safeName: string;
  /** Whether the process serves on `$PORT` (see `listensOnPort`). */
  listens: boolean;
}

const PORTABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

export function prepare(format: ExportFormat, input: ExportInput): Prepared {
  const app = safeName(input.app, "app name");
  checkPath(input.root, "the root directory");
  checkPath(input.location, "the export location");
  if (input.logDir !== undefined) checkPath(input.logDir, "the log directory");
  if (input.runDir !== undefined) checkPath(input.runDir, "the run directory");
  if (input.user !== undefined && !USER.test(input.user)) {
    throw new ExportError("EXPORT_BAD_USER", `"${input.user}" is not a valid user name`, {
      hint: "a user name is letters, digits, _ . and -, not starting with a digit",
    });
  }
  if (!Number.isFinite(input.timeoutSeconds) || input.timeoutSeconds < 0) {
    throw new ExportError(
      "EXPORT_BAD_OPTION",
      `timeout ${input.timeoutSeconds} is not a number of seconds`,
    );
  }
  if (input.image !== undefined && !/^[^\s\u0000-\u001f]+$/.test(input.image)) {
    throw new ExportError("EXPORT_BAD_OPTION", `image "${input.image}" is not an image name`, {
      hint: "e.g. --image registry.example.com/app:1.2",
    });
  }
  const seen = new Map<string, string>();
  const processes = input.processes.map((process): PreparedProcess => {
    const safe = safeName(process.name, "process name");
    const other = seen.get(safe.toLowerCase());
    if (other !== undefined) {
      throw new ExportError(
        "EXPORT_NAME_COLLISION",
        `processes "${other}" and "${process.name}" would get the same unit name "${safe}"`,
        { hint: "rename one of them in the Procfile" },
      );
    }
    seen.set(safe.toLowerCase(), process.name);
    if (/[\u0000\n\r]/.test(process.command)) {
      throw new ExportError(
        "EXPORT_UNREPRESENTABLE_VALUE",
        `the command of "${process.name}" holds a line break or NUL`,
        { hint: "a Procfile command is one line" },
      );
    }
    return { ...process, safeName: safe, listens: listensOnPort(process) };
  });
  if (processes.every((p) => p.instances.length === 0)) {
    throw new ExportError("EXPORT_NO_PROCESSES", "the formation exports no process", {
      hint: "give at least one process a count above 0, e.g. --formation all=1",
    });
  }
  const env: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(input.env)) {
    if (!PORTABLE_KEY.test(key)) {
      throw new ExportError(
        "EXPORT_BAD_ENV_KEY",
        `the .env key "${key}" is not a portable variable name, so systemd and sh would drop it`,
        { hint: "rename it to letters, digits and _, not starting with a digit" },
      );
    }
    if (value.includes("\u0000")) {
      throw new ExportError(
        "EXPORT_UNREPRESENTABLE_VALUE",
        `the .env value of ${key} holds a NUL character, which no environment can carry`,
      );
    }
    if (key === "PORT" || key === "PS") continue;
    env.push([key, value]);
  }
  return {
    input,
    format,
    app,
    processes,
    env,
    timeoutSeconds: Math.ceil(input.timeoutSeconds),
    logDir: (input.logDir ?? `/var/log/${app}`).replace(/(.)\/+$/, "$1"),
  };
}

/** Letters, digits, `_` and `-`: safe in unit, program, service and file names everywhere. */
export function safeName(name: string, what: string): string {
  const safe = name.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  if (safe === "") {
    throw new ExportError("EXPORT_BAD_NAME", `${what} "${name}" has no letter or digit to use`, {
      hint: what === "app name" ? "name the app with --app NAME" : "rename it in the Procfile",
    });
  }
  return safe;
}

/**
 * Heroku routes traffic only to `web`; any other process is taken to serve on its port when its
 * command mentions `PORT`. Containers publish ports, and Kubernetes makes Services, only for these.
 */
export function listensOnPort(process: { name: string; command: string }): boolean {
  return process.name === "web" || /\bPORT\b/.test(process.command);
}

function checkPath(path: string, what: string): void {
  if (!path.startsWith("/")) {
    throw new ExportError("EXPORT_BAD_PATH", `${what} "${path}" is not an absolute path`, {
      hint: "resolve it before exporting",
    });
  }
  if (/[\u0000-\u001f\u007f\\]/.test(path)) {
    throw new ExportError(
      "EXPORT_BAD_PATH",
      `${what} ${JSON.stringify(path)} holds a control character or a backslash, which not every format can write`,
      { hint: "choose a path without them" },
    );
  }
}

/** The template to use: the caller's, validated, or the default. */
export function template(
  prepared: Prepared,
  name: string,
): (vars: Record<string, string>) => string {
  const spec = DEFAULT_TEMPLATES[prepared.format][name];
  if (spec === undefined) throw new Error(`no default template ${prepared.format}/${name}`);
  const custom = prepared.input.templates?.[name];
  const text = custom ?? spec.text;
  if (custom !== undefined) validateTemplate(custom, spec.variables, `${prepared.format}/${name}`);
  return (vars) => renderTemplate(text, { ...vars, format: prepared.format });
}

export function instanceName(prepared: Prepared, process: PreparedProcess, index: number): string {
  return `${prepared.app}-${process.safeName}-${index}`;
}
