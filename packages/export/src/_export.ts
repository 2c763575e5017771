import { type Prepared, prepare } from "./_common.js";
import { renderCompose, renderKubernetes } from "./_containers.js";
import { ExportError } from "./_error.js";
import { renderLaunchd } from "./_launchd.js";
import { renderRunit } from "./_runit.js";
import { renderSupervisord } from "./_supervisord.js";
import { renderSystemd } from "./_systemd.js";
import { DEFAULT_TEMPLATES } from "./_templates.js";
import type { ExportedFile, ExportFormat, ExportInput, FormatInfo } from "./_types.js";
import { renderUpstart } from "./_upstart.js";

export const FORMATS: readonly ExportFormat[] = [
  "systemd",
  "systemd-user",
  "supervisord",
  "runit",
  "launchd",
  "upstart",
  "docker-compose",
  "kubernetes",
];

const DESCRIPTIONS: Record<ExportFormat, string> = {
  systemd: "system units: app.target and app-web-1.service per instance, app.env (0600)",
  "systemd-user": "the same for ~/.config/systemd/user (WantedBy=default.target, no User=)",
  supervisord: "app.conf: [group:app] and a [program:app-web-1] per instance, app.env (0600)",
  runit: "a service directory per instance: run, log/run, env/ (0600 files)",
  launchd: "app-web-1.plist per instance (0600: it holds the environment)",
  upstart: "app.conf, app-web.conf and app-web-1.conf per instance, app.env (0600)",
  "docker-compose": "compose.yaml: a service per process type, replicas, ports; app.env (0600)",
  kubernetes: "app.yaml: a Deployment per process type, a Service where it serves, a Secret",
};

export const FORMAT_INFO: Readonly<Record<ExportFormat, FormatInfo>> = Object.fromEntries(
  FORMATS.map((name) => [
    name,
    {
      name,
      description: DESCRIPTIONS[name],
      singleFile: name === "docker-compose" || name === "kubernetes",
      templates: Object.keys(DEFAULT_TEMPLATES[name]),
    },
  ]),
) as unknown as Record<ExportFormat, FormatInfo>;

export function isExportFormat(name: string): name is ExportFormat {
  return (FORMATS as readonly string[]).includes(name);
}

/** The default text of a template and the variables a custom one may use (for docs and `-t`). */
export function defaultTemplate(
  format: ExportFormat,
  name: string,
): { text: string; variables: readonly string[] } | undefined {
  return DEFAULT_TEMPLATES[format][name];
}

/**
 * Renders `format` for `input`: the files to write, relative to the location. Pure: it reads
 * and writes nothing. Throws an `ExportError` for input it cannot write safely.
 */
export function exportConfig(format: string, input: ExportInput): ExportedFile[] {
  if (!isExportFormat(format)) {
    throw new ExportError("EXPORT_UNKNOWN_FORMAT", `unknown export format "${format}"`, {
      hint: `the formats are: ${FORMATS.join(", ")}`,
    });
  }
  if (input.singleFile === true && !FORMAT_INFO[format].singleFile) {
    throw new ExportError("EXPORT_NOT_SINGLE_FILE", `the ${format} format is not a single file`, {
      hint: `give a directory to write into; one file: ${FORMATS.filter((f) => FORMAT_INFO[f].singleFile).join(", ")}`,
    });
  }
  for (const name of Object.keys(input.templates ?? {})) {
    if (DEFAULT_TEMPLATES[format][name] === undefined) {
      throw new ExportError(
        "EXPORT_UNKNOWN_TEMPLATE",
        `there is no template "${name}" for ${format}`,
        {
          template: `${format}/${name}`,
          hint: `its templates are: ${FORMAT_INFO[format].templates.join(", ")}`,
        },
      );
    }
  }
  if (format === "systemd-user" && input.user !== undefined) {
    throw new ExportError("EXPORT_BAD_OPTION", "systemd-user units cannot set a user", {
      hint: "a user's units run as that user; drop --user, or export systemd",
    });
  }
  const prepared = prepare(format, input);
  const files = RENDERERS[format](prepared);
  const paths = new Set<string>();
  for (const file of files) {
    if (paths.has(file.path)) {
      throw new ExportError("EXPORT_NAME_COLLISION", `two files would be named ${file.path}`, {
        hint: "rename a process in the Procfile so that the names differ",
      });
    }
    paths.add(file.path);
  }
  return files;
}

const RENDERERS: Record<ExportFormat, (prepared: Prepared) => ExportedFile[]> = {
  systemd: (p) => renderSystemd(p, false),
  "systemd-user": (p) => renderSystemd(p, true),
  supervisord: renderSupervisord,
  runit: renderRunit,
  launchd: renderLaunchd,
  upstart: renderUpstart,
  "docker-compose": renderCompose,
  kubernetes: renderKubernetes,
};

export const exportSystemd = (input: ExportInput): ExportedFile[] => exportConfig("systemd", input);
export const exportSystemdUser = (input: ExportInput): ExportedFile[] =>
  exportConfig("systemd-user", input);
export const exportSupervisord = (input: ExportInput): ExportedFile[] =>
  exportConfig("supervisord", input);
export const exportRunit = (input: ExportInput): ExportedFile[] => exportConfig("runit", input);
export const exportLaunchd = (input: ExportInput): ExportedFile[] => exportConfig("launchd", input);
export const exportUpstart = (input: ExportInput): ExportedFile[] => exportConfig("upstart", input);
export const exportDockerCompose = (input: ExportInput): ExportedFile[] =>
  exportConfig("docker-compose", input);
export const exportKubernetes = (input: ExportInput): ExportedFile[] =>
  exportConfig("kubernetes", input);

const OWN_EXTENSIONS: Record<ExportFormat, readonly string[]> = {
  systemd: [".service", ".target", ".env"],
  "systemd-user": [".service", ".target", ".env"],
  supervisord: [".conf", ".env"],
  runit: [""],
  launchd: [".plist"],
  upstart: [".conf", ".env"],
  "docker-compose": [".env"],
  kubernetes: [".yaml"],
};

/**
 * Names in the location that an earlier export for this app wrote (`<app>.…` or `<app>-…` with
 * this format's extensions; for runit, directories `<app>-…`) and that `files` no longer has:
 * units of processes that left the Procfile or were scaled down. Compare top-level names only.
 */
export function staleFiles(
  format: ExportFormat,
  app: string,
  files: readonly ExportedFile[],
  existingNames: readonly string[],
): string[] {
  const safeApp = app.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
  const current = new Set(files.map((f) => f.path.split("/")[0] as string));
  return existingNames
    .filter((name) => {
      if (current.has(name)) return false;
      if (format === "runit") return name.startsWith(`${safeApp}-`);
      if (!name.startsWith(`${safeApp}-`) && !name.startsWith(`${safeApp}.`)) return false;
      return OWN_EXTENSIONS[format].some((ext) => name.endsWith(ext));
    })
    .sort();
}
