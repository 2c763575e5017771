import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { type ExportedFile, type ExportInput, exportConfig } from "../src/index.js";
import { HOSTILE_VALUES, SAMPLE } from "./_sample.js";

const HOSTILE_COMMAND = `echo "a" 'b' ; echo %n 100% $HOME \\ # ExecStartPre=/bin/false`;
const hostile: ExportInput = {
  ...SAMPLE,
  processes: [{ name: "web", command: HOSTILE_COMMAND, instances: [{ index: 1, port: 5000 }] }],
  env: HOSTILE_VALUES,
};
// launchd cannot hold most control characters; every other format can hold every value here.
const file = (files: ExportedFile[], path: string): ExportedFile => {
  const found = files.find((f) => f.path === path);
  if (found === undefined) throw new Error(`no ${path} in ${files.map((f) => f.path).join(", ")}`);
  return found;
};

/** systemd's EnvironmentFile= grammar (env-file.c), for the subset we write: KEY="…" lines. */
function parseSystemdEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    if (text[i] === "#" || text[i] === ";") {
      i = text.indexOf("\n", i) + 1 || text.length;
      continue;
    }
    const eq = text.indexOf("=", i);
    const key = text.slice(i, eq);
    expect(text[eq + 1]).toBe('"');
    let value = "";
    let j = eq + 2;
    for (; text[j] !== '"'; j += 1) {
      if (text[j] === "\\") {
        j += 1;
        value += '"\\`$'.includes(text[j] as string) ? text[j] : `\\${text[j]}`;
      } else value += text[j];
    }
    vars[key] = value;
    expect(text[j + 1]).toBe("\n");
    i = j + 2;
  }
  return vars;
}

describe("systemd: hostile values cannot add directives", () => {
  const files = exportConfig("systemd", hostile);
  const unit = file(files, "shop-web-1.service").content;

  it("keeps every value out of the units, and the env file reads back exactly", () => {
    for (const value of Object.values(HOSTILE_VALUES).filter((v) => v.length > 3))
      expect(unit).not.toContain(value);
    const { PORT: _port, ...expected } = HOSTILE_VALUES;
    expect(parseSystemdEnvFile(file(files, "shop.env").content)).toEqual(expected);
    expect(file(files, "shop.env").mode).toBe(0o600);
  });

  it("writes the command as one ExecStart word with %, $, quotes and backslashes escaped", () => {
    const lines = unit.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    const keys = lines.filter((l) => !l.startsWith("[")).map((l) => l.slice(0, l.indexOf("=")));
    expect(keys.filter((k) => k.startsWith("ExecStart"))).toEqual(["ExecStart"]);
    expect(unit).toContain(
      String.raw`ExecStart=/bin/sh -c "echo \"a\" 'b' ; echo %%n 100%% $$HOME \\ # ExecStartPre=/bin/false"`,
    );
  });

  it("property: any command and env value keeps the unit's directives the same", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (cmd, value) => {
        const command = cmd.replace(/[\n\r\u0000]/g, "");
        const clean = value.replace(/\u0000/g, "").replace(/[\ud800-\udfff]/g, "");
        const out = exportConfig("systemd", {
          ...hostile,
          processes: [{ name: "web", command, instances: [{ index: 1, port: 5000 }] }],
          env: { VALUE: clean },
        });
        const text = file(out, "shop-web-1.service").content;
        const directives = text
          .split("\n")
          .filter((l) => /^[A-Za-z]+=/.test(l))
          .map((l) => l.slice(0, l.indexOf("=")));
        expect(directives).toEqual([
          "Description",
          "PartOf",
          "After",
          "Type",
          "User",
          "WorkingDirectory",
          "EnvironmentFile",
          "Environment",
          "ExecStart",
          "Restart",
          "KillMode",
          "TimeoutStopSec",
          "StandardOutput",
          "StandardError",
          "SyslogIdentifier",
        ]);
        expect(parseSystemdEnvFile(file(out, "shop.env").content)).toEqual({ VALUE: clean });
      }),
      { numRuns: 200 },
    );
  });
});

describe("sh-sourced env files (supervisord, upstart)", () => {
  it("read back byte for byte through a real /bin/sh", () => {
    const dir = mkdtempSync(join(tmpdir(), "foreman-export-"));
    try {
      const values = fc
        .sample(fc.string({ unit: "binary", maxLength: 40 }), 200)
        .map((v) => v.replace(/\u0000/g, "").replace(/[\ud800-\udfff]/g, ""));
      const env = Object.fromEntries([
        ...Object.entries(HOSTILE_VALUES),
        ...values.map((v, i) => [`V${i}`, v]),
      ]);
      const envFile = file(exportConfig("supervisord", { ...hostile, env }), "shop.env");
      expect(envFile.mode).toBe(0o600);
      expect(envFile.owner).toBe("deploy");
      writeFileSync(join(dir, "env"), envFile.content);
      const keys = Object.keys(env).filter((k) => k !== "PORT");
      const script = `. "$1" && for k in ${keys.join(" ")}; do eval "printf '%s\\0' \\"\\$$k\\""; done`;
      const out = execFileSync("/bin/sh", ["-c", script, "sh", join(dir, "env")], {
        encoding: "utf8",
      });
      expect(out.split("\u0000").slice(0, -1)).toEqual(keys.map((k) => env[k]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("supervisord: the command survives %-expansion, INI comments and shlex", () => {
  it("breaks every ' ; and # out of the quotes", () => {
    const conf = file(exportConfig("supervisord", hostile), "shop.conf").content;
    const command = conf.split("\n").find((l) => l.startsWith("command="));
    expect(command).toBe(
      `command=/bin/sh -c '. "$0" && exec /bin/sh -c "$1"' '/etc/foreman/shop.env' 'echo "a" '\\''b'\\'' '\\;' echo %%n 100%% $HOME \\ '\\#' ExecStartPre=/bin/false'`,
    );
    expect(command).not.toMatch(/\s[;#]/);
  });
});

describe("runit env directory", () => {
  it("writes newlines as NUL, keeps empty values set, and refuses trailing whitespace", () => {
    const files = exportConfig("runit", { ...hostile, env: { A: "one\ntwo", EMPTY: "" } });
    expect(file(files, "shop-web-1/env/A").content).toBe("one\u0000two\n");
    expect(file(files, "shop-web-1/env/EMPTY").content).toBe("\n");
    expect(file(files, "shop-web-1/env/A").mode).toBe(0o600);
    expect(() => exportConfig("runit", { ...hostile, env: { A: "x " } })).toThrow(
      expect.objectContaining({ code: "EXPORT_UNREPRESENTABLE_VALUE" }),
    );
  });
});

describe("launchd", () => {
  it("escapes XML, keeps CR, and refuses what XML cannot hold", () => {
    const { CR: _cr, ...env } = HOSTILE_VALUES;
    const plist = file(
      exportConfig("launchd", { ...hostile, env: { ...env, CR: "a\rb" } }),
      "shop-web-1.plist",
    );
    expect(plist.mode).toBe(0o600);
    expect(plist.content).toContain(
      "<string>&lt;/string&gt;&lt;key&gt;Evil&lt;/key&gt;&lt;string&gt;&amp;amp;</string>",
    );
    expect(plist.content).toContain("<string>a&#13;b</string>");
    // No raw newline inside a value: the template's indentation must not reach into it.
    expect(plist.content).toContain("<string>x&#10;ExecStartPre=/bin/touch /tmp/pwned&#10;");
    expect(plist.content.match(/<key>/g)?.length).toBe(
      10 + Object.keys(env).filter((k) => k !== "PORT").length + 3,
    );
    expect(() => exportConfig("launchd", { ...hostile, env: { BELL: "\u0007" } })).toThrow(
      expect.objectContaining({ code: "EXPORT_UNREPRESENTABLE_VALUE" }),
    );
  });
});

describe("docker-compose", () => {
  it("round-trips every value through YAML, with $ doubled for interpolation", () => {
    const [compose] = exportConfig("docker-compose", { ...hostile, singleFile: true });
    expect(compose?.mode).toBe(0o600);
    const doc = parseYaml(compose?.content ?? "") as {
      services: Record<string, { environment: Record<string, string>; command: string[] }>;
    };
    const web = doc.services.web;
    const undoubleDollars = (v: string) => v.replaceAll("$$", "$");
    expect(web?.command.map(undoubleDollars)).toEqual(["/bin/sh", "-c", HOSTILE_COMMAND]);
    const { PORT: _port, ...expected } = HOSTILE_VALUES;
    const { PORT, ...environment } = web?.environment ?? {};
    expect(PORT).toBe("5000");
    expect(
      Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, undoubleDollars(v)])),
    ).toEqual(expected);
  });

  it("puts only values every env-file dialect reads back into the env file", () => {
    const files = exportConfig("docker-compose", hostile);
    const envFile = file(files, "shop.env").content;
    expect(envFile).toContain(`NEWLINE_DIRECTIVE='${HOSTILE_VALUES.NEWLINE_DIRECTIVE}'\n`);
    expect(envFile).not.toContain("DOLLAR");
    expect(envFile).not.toContain("QUOTES");
    expect(envFile).not.toContain("BACKSLASH");
    expect(file(files, "compose.yaml").mode).toBe(0o600);
  });

  it("property: any value parses back from the YAML", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (raw) => {
        const value = raw.replace(/\u0000/g, "").replace(/[\ud800-\udfff]/g, "");
        const [compose] = exportConfig("docker-compose", {
          ...hostile,
          env: { VALUE: value },
          singleFile: true,
        });
        const doc = parseYaml(compose?.content ?? "") as {
          services: Record<string, { environment: Record<string, string> }>;
        };
        expect(doc.services.web?.environment.VALUE?.replaceAll("$$", "$")).toBe(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe("kubernetes", () => {
  it("keeps values in the Secret and doubles $ in the command", () => {
    const [manifest] = exportConfig("kubernetes", hostile);
    const docs = parseAllDocuments(manifest?.content ?? "").map((d) => d.toJS()) as Array<{
      kind: string;
      stringData?: Record<string, string>;
      spec?: { template: { spec: { containers: Array<{ command: string[] }> } } };
    }>;
    const { PORT: _port, ...expected } = HOSTILE_VALUES;
    expect(docs.find((d) => d.kind === "Secret")?.stringData).toEqual(expected);
    const deployment = docs.find((d) => d.kind === "Deployment");
    expect(deployment?.spec?.template.spec.containers[0]?.command).toEqual([
      "/bin/sh",
      "-c",
      HOSTILE_COMMAND.replaceAll("$", "$$$$"),
    ]);
  });
});
