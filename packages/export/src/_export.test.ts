import { describe, expect, it } from "vitest";
import { SAMPLE } from "../test/_sample.js";
import { exportConfig, FORMAT_INFO, FORMATS, staleFiles } from "./_export.js";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};

describe("exportConfig errors", () => {
  it.each([
    ["an unknown format", () => exportConfig("nginx", SAMPLE), "EXPORT_UNKNOWN_FORMAT"],
    [
      "one file for a multi-file format",
      () => exportConfig("systemd", { ...SAMPLE, singleFile: true }),
      "EXPORT_NOT_SINGLE_FILE",
    ],
    [
      "a template the format does not have",
      () => exportConfig("systemd", { ...SAMPLE, templates: { "app.conf": "" } }),
      "EXPORT_UNKNOWN_TEMPLATE",
    ],
    [
      "a template with an unknown variable",
      () => exportConfig("systemd", { ...SAMPLE, templates: { "master.target": "{{apps}}" } }),
      "EXPORT_BAD_TEMPLATE",
    ],
    [
      "a non-portable .env key",
      () => exportConfig("systemd", { ...SAMPLE, env: { "my.key": "1" } }),
      "EXPORT_BAD_ENV_KEY",
    ],
    [
      "a .env key that walks out of runit's env/",
      () => exportConfig("runit", { ...SAMPLE, env: { "..": "1" } }),
      "EXPORT_BAD_ENV_KEY",
    ],
    [
      "a relative root",
      () => exportConfig("systemd", { ...SAMPLE, root: "srv" }),
      "EXPORT_BAD_PATH",
    ],
    [
      "a path with a newline",
      () => exportConfig("systemd", { ...SAMPLE, logDir: "/var/log\nUser=root" }),
      "EXPORT_BAD_PATH",
    ],
    [
      "a user with a space",
      () => exportConfig("supervisord", { ...SAMPLE, user: "root\nx" }),
      "EXPORT_BAD_USER",
    ],
    ["a user for systemd-user", () => exportConfig("systemd-user", SAMPLE), "EXPORT_BAD_OPTION"],
    [
      "two processes with the same safe name",
      () =>
        exportConfig("systemd", {
          ...SAMPLE,
          processes: [
            { name: "a.b", command: "x", instances: [{ index: 1, port: 1 }] },
            { name: "a-b", command: "y", instances: [{ index: 1, port: 2 }] },
          ],
        }),
      "EXPORT_NAME_COLLISION",
    ],
    [
      "no instance at all",
      () =>
        exportConfig("systemd", {
          ...SAMPLE,
          processes: SAMPLE.processes.map((p) => ({ ...p, instances: [] })),
        }),
      "EXPORT_NO_PROCESSES",
    ],
    [
      "an app name with nothing usable",
      () => exportConfig("systemd", { ...SAMPLE, app: "..." }),
      "EXPORT_BAD_NAME",
    ],
  ])("%s", (_what, fn, code) => {
    expect(codeOf(fn)).toBe(code);
  });

  it("lists the known formats for an unknown one", () => {
    expect(() => exportConfig("nginx", SAMPLE)).toThrow(
      expect.objectContaining({ hint: `the formats are: ${FORMATS.join(", ")}` }),
    );
  });
});

describe("names", () => {
  it("maps an app and process name to safe unit names", () => {
    const files = exportConfig("systemd", {
      ...SAMPLE,
      app: "My Shop!",
      processes: [{ name: "web.ui", command: "x", instances: [{ index: 1, port: 1 }] }],
    });
    expect(files.map((f) => f.path)).toEqual([
      "My-Shop.target",
      "My-Shop-web-ui-1.service",
      "My-Shop.env",
    ]);
  });
});

describe("custom templates", () => {
  it("replace the default for that file, with the documented variables", () => {
    const files = exportConfig("systemd", {
      ...SAMPLE,
      templates: {
        "process.service": "[Service]\nExecStart={{exec_start}}\n{{?user}}User={{user}}\n",
      },
    });
    expect(files.find((f) => f.path === "shop-web-1.service")?.content).toBe(
      '[Service]\nExecStart=/bin/sh -c "bundle exec puma -p $$PORT"\nUser=deploy\n',
    );
    expect(files.find((f) => f.path === "shop.target")?.content).toMatch(/^# Generated/);
  });
});

describe("FORMAT_INFO", () => {
  it("marks only the container formats as single files", () => {
    expect(FORMATS.filter((f) => FORMAT_INFO[f].singleFile)).toEqual([
      "docker-compose",
      "kubernetes",
    ]);
    expect(FORMAT_INFO.runit.templates).toEqual(["run", "log/run"]);
  });
});

describe("staleFiles", () => {
  it("names this app's units the new export no longer has", () => {
    const files = exportConfig("systemd", SAMPLE);
    const existing = [
      "shop.target",
      "shop-web-1.service",
      "shop-web-3.service",
      "shop-clock-1.service",
      "shop-notes.txt",
      "other-web-1.service",
      "shopping-web-1.service",
    ];
    expect(staleFiles("systemd", "shop", files, existing)).toEqual([
      "shop-clock-1.service",
      "shop-web-3.service",
    ]);
    const runit = exportConfig("runit", SAMPLE);
    expect(staleFiles("runit", "shop", runit, ["shop-web-1", "shop-old-1", "x"])).toEqual([
      "shop-old-1",
    ]);
  });
});
