import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { isAlive, makeProject, removeProject, runCli, waitUntilGone } from "../helpers.js";

// Real supervisors, run on what `foreman export` wrote. Each test that needs a tool skips, with
// the reason printed, where the tool is missing (`.ci/run` installs them from Debian).
const projects: string[] = [];
const started: ChildProcess[] = [];
const project = (files: Parameters<typeof makeProject>[0]) => {
  const dir = makeProject(files);
  projects.push(dir);
  return dir;
};
afterAll(() => {
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const dir of projects) {
    for (const pid of processesUnder(dir)) process.kill(pid, "SIGKILL");
    removeProject(dir);
  }
});

function has(tool: string): boolean {
  const found = spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
  if (!found) console.warn(`export e2e: skipping the ${tool} check: ${tool} is not installed`);
  return found;
}

/** Pids whose working directory is inside `dir`: what a supervisor started there. */
function processesUnder(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if ((cwd === dir || cwd.startsWith(`${dir}/`)) && isAlive(Number(entry)))
        pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Waits for a file to exist and end with a newline (the writer's last byte); bounded. */
async function waitForFile(path: string, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      const text = readFileSync(path, "utf8");
      if (text.endsWith("\n")) return text;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${path}`);
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

const modeOf = (path: string) => statSync(path).mode & 0o777;

// Values built to break out of each format's quoting; every check reads them back from the
// running process or the tool's own parser.
const HOSTILE_ENV = [
  "PLAIN=hello",
  'QUOTES="it\'s \\"x\\" `y`"',
  "PERCENT='%(here)s %n 100%'",
  "DOLLAR='\\$HOME and \\${PATH}'",
  "SEMI='a ; b # c'",
  "MULTI=`line one\nExecStartPre=/bin/touch /tmp/pwned\n[program:evil]`",
  "EMPTY=",
].join("\n");

// Each process records what it got, then waits; the pid line is written last.
const RECORDER =
  'printf "%s\\n" "$PORT" > "$OUT/$PS.port"; for k in PLAIN QUOTES PERCENT DOLLAR SEMI MULTI EMPTY; do eval "printf \'%s\\0\' \\"\\$$k\\""; done > "$OUT/$PS.env"; echo "hello from $PS"; echo $$ > "$OUT/$PS.pid"; exec sleep 300';

async function recorderProject(): Promise<{ cwd: string; out: string; expected: string[] }> {
  const cwd = project({ Procfile: `web: ${RECORDER}\nworker: ${RECORDER}\n` });
  const out = join(cwd, "out");
  mkdirSync(out);
  chmodSync(cwd, 0o755);
  writeFileSync(join(cwd, ".env"), `${HOSTILE_ENV}\nOUT=${out}\n`, { mode: 0o600 });
  const env = await runCli(["env", "--json"], { cwd });
  const vars = JSON.parse(env.stdout) as Record<string, string>;
  const expected = ["PLAIN", "QUOTES", "PERCENT", "DOLLAR", "SEMI", "MULTI", "EMPTY"].map(
    (k) => vars[k] as string,
  );
  expect(expected[3]).toBe("$HOME and ${PATH}");
  return { cwd, out, expected };
}

async function expectRecorded(out: string, ps: string, port: string, expected: string[]) {
  const pid = Number(await waitForFile(join(out, `${ps}.pid`)));
  expect(readFileSync(join(out, `${ps}.port`), "utf8")).toBe(`${port}\n`);
  expect(
    readFileSync(join(out, `${ps}.env`), "utf8")
      .split("\u0000")
      .slice(0, -1),
  ).toEqual(expected);
  return pid;
}

describe.skipIf(!has("systemd-analyze"))("systemd", () => {
  it.each([
    ["systemd", []],
    ["systemd-user", ["--user"]],
  ])("%s units pass systemd-analyze verify", async (format, flags) => {
    const cwd = project({ Procfile: "web: node server.js -p $PORT\nworker: node jobs.js\n" });
    writeFileSync(join(cwd, ".env"), `${HOSTILE_ENV}\n`, { mode: 0o600 });
    const result = await runCli(["export", format, "units", "-a", "shop", "-m", "web=2"], { cwd });
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const dir = join(cwd, "units");
    const units = readdirSync(dir).filter((f) => /\.(service|target)$/.test(f));
    expect(units.sort()).toEqual([
      "shop-web-1.service",
      "shop-web-2.service",
      "shop-worker-1.service",
      "shop.target",
    ]);
    expect(modeOf(join(dir, "shop.env"))).toBe(0o600);
    for (const unit of units) expect(readFileSync(join(dir, unit), "utf8")).not.toContain("pwned");
    const runtime = join(cwd, "xdg");
    mkdirSync(runtime, { mode: 0o700 });
    const verify = spawnSync(
      "systemd-analyze",
      ["verify", ...flags, ...units.map((u) => join(dir, u))],
      {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, XDG_RUNTIME_DIR: runtime, SYSTEMD_LOG_LEVEL: "notice" },
      },
    );
    if (/Failed to initialize manager|No such device/.test(verify.stderr)) {
      console.warn(`export e2e: systemd-analyze cannot run here: ${verify.stderr.trim()}`);
      return;
    }
    expect(verify.stderr).toBe("");
    expect(verify.status).toBe(0);
  });
});

describe.skipIf(!has("supervisord") || !has("supervisorctl"))("supervisord", () => {
  it("runs every instance with its PORT and environment, then stops them all", async () => {
    const { cwd, out, expected } = await recorderProject();
    const log = join(cwd, "log");
    mkdirSync(log);
    const result = await runCli(
      ["export", "supervisord", "conf.d", "-a", "shop", "-m", "web=2", "-l", log, "-p", "6000"],
      { cwd },
    );
    expect(result.exitCode).toBe(0);
    expect(modeOf(join(cwd, "conf.d", "shop.env"))).toBe(0o600);
    const conf = join(cwd, "supervisord.conf");
    writeFileSync(
      conf,
      [
        "[supervisord]",
        "nodaemon=true",
        "user=root",
        `logfile=${cwd}/supervisord.log`,
        `pidfile=${cwd}/supervisord.pid`,
        `childlogdir=${cwd}`,
        "[unix_http_server]",
        `file=${cwd}/supervisor.sock`,
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "[supervisorctl]",
        `serverurl=unix://${cwd}/supervisor.sock`,
        "[include]",
        `files = ${cwd}/conf.d/*.conf`,
        "",
      ].join("\n"),
    );
    const supervisord = spawn("supervisord", ["-n", "-c", conf], { cwd, stdio: "ignore" });
    started.push(supervisord);
    const pids = [
      await expectRecorded(out, "web.1", "6000", expected),
      await expectRecorded(out, "web.2", "6001", expected),
      await expectRecorded(out, "worker.1", "6100", expected),
    ];
    expect(existsSync("/tmp/pwned")).toBe(false);
    const stop = spawnSync("supervisorctl", ["-c", conf, "stop", "all"], { encoding: "utf8" });
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    expect(await waitUntilGone(pids)).toEqual([]);
    expect(readFileSync(join(log, "web-1.log"), "utf8")).toBe("hello from web.1\n");
    spawnSync("supervisorctl", ["-c", conf, "shutdown"]);
    await exited(supervisord);
  });
});

describe.skipIf(!has("runsvdir") || !has("sv"))("runit", () => {
  it("runsvdir runs every instance with its env/ directory, then sv stop stops them", async () => {
    const { cwd, out, expected } = await recorderProject();
    const log = join(cwd, "log");
    const result = await runCli(["export", "runit", "sv", "-a", "shop", "-l", log], { cwd });
    expect(result.exitCode).toBe(0);
    const sv = join(cwd, "sv");
    expect(modeOf(join(sv, "shop-web-1", "env", "QUOTES"))).toBe(0o600);
    expect(modeOf(join(sv, "shop-web-1", "run"))).toBe(0o755);
    const runsvdir = spawn("runsvdir", [sv], { cwd, stdio: "ignore" });
    started.push(runsvdir);
    const pids = [
      await expectRecorded(out, "web.1", "5000", expected),
      await expectRecorded(out, "worker.1", "5100", expected),
    ];
    expect(await waitForFile(join(log, "web-1", "current"))).toMatch(/hello from web\.1\n$/);
    const stop = spawnSync("sv", ["stop", join(sv, "shop-web-1"), join(sv, "shop-worker-1")], {
      encoding: "utf8",
    });
    expect(stop.status, stop.stdout + stop.stderr).toBe(0);
    expect(await waitUntilGone(pids)).toEqual([]);
    // SIGHUP: runsvdir TERMs every runsv, which stops its log service and exits.
    runsvdir.kill("SIGHUP");
    await exited(runsvdir);
    expect(await waitUntilGone(processesUnder(sv))).toEqual([]);
  });
});

describe.skipIf(!has("plistutil"))("launchd", () => {
  it("writes plists that plistutil reads back, values intact", async () => {
    const { cwd, expected } = await recorderProject();
    const result = await runCli(["export", "launchd", "agents", "-a", "shop"], { cwd });
    expect(result.exitCode).toBe(0);
    const plist = join(cwd, "agents", "shop-web-1.plist");
    expect(modeOf(plist)).toBe(0o600);
    // XML → binary → XML: both conversions parse the file.
    const toBinary = spawnSync("plistutil", ["-i", plist, "-o", `${plist}.bin`], {
      encoding: "utf8",
    });
    expect(toBinary.status, toBinary.stderr).toBe(0);
    const back = spawnSync("plistutil", ["-i", `${plist}.bin`, "-o", `${plist}.xml`], {
      encoding: "utf8",
    });
    expect(back.status, back.stderr).toBe(0);
    const xml = readFileSync(`${plist}.xml`, "utf8");
    const envBlock =
      /<key>EnvironmentVariables<\/key>\s*<dict>([\s\S]*?)<\/dict>/.exec(xml)?.[1] ?? "";
    const env = Object.fromEntries(
      [
        ...envBlock.matchAll(
          /<key>([^<]*)<\/key>\s*<string>([^<]*)<\/string>|<key>([^<]*)<\/key>\s*<string\/>/g,
        ),
      ].map((m) => [m[1] ?? m[3], unescapeXml(m[2] ?? "")]),
    );
    const keys = ["PLAIN", "QUOTES", "PERCENT", "DOLLAR", "SEMI", "MULTI", "EMPTY"];
    expect(keys.map((k) => env[k])).toEqual(expected);
    expect(env.PORT).toBe("5000");
    expect(env.PS).toBe("web.1");
    expect(xml).toMatch(/<string>\/bin\/sh<\/string>\s*<string>-c<\/string>/);
  });
});

function unescapeXml(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, (_, e: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (e.startsWith("#x")) return String.fromCodePoint(Number.parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(Number(e.slice(1)));
    return named[e] as string;
  });
}

describe.skipIf(!has("docker-compose"))("docker-compose", () => {
  it.each([["a directory"], ["stdout"]])(
    "docker-compose config accepts the file (%s) and resolves the values",
    async (mode) => {
      const { cwd, expected } = await recorderProject();
      const args = mode === "stdout" ? ["-"] : ["compose"];
      const result = await runCli(
        ["export", "docker-compose", ...args, "-a", "shop", "-m", "web=2"],
        {
          cwd,
        },
      );
      expect(result.exitCode).toBe(0);
      const file = join(cwd, "compose", "compose.yaml");
      if (mode === "stdout") {
        mkdirSync(join(cwd, "compose"));
        writeFileSync(file, result.stdout);
      } else {
        expect(modeOf(join(cwd, "compose", "shop.env"))).toBe(0o600);
      }
      const config = spawnSync("docker-compose", ["-f", file, "config"], {
        cwd: join(cwd, "compose"),
        encoding: "utf8",
      });
      if (/Couldn't connect|docker daemon/i.test(config.stderr)) {
        console.warn(`export e2e: docker-compose config needs a daemon here: ${config.stderr}`);
        return;
      }
      expect(config.status, config.stderr).toBe(0);
      const resolved = parseYaml(config.stdout) as {
        services: Record<
          string,
          { environment: Record<string, string>; deploy: { replicas: number } }
        >;
      };
      const web = resolved.services.web;
      expect(web?.deploy.replicas).toBe(2);
      const keys = ["PLAIN", "QUOTES", "PERCENT", "DOLLAR", "SEMI", "MULTI", "EMPTY"];
      // `config` prints a literal $ as $$ again.
      expect(keys.map((k) => String(web?.environment[k] ?? "").replaceAll("$$", "$"))).toEqual(
        expected,
      );
      expect(String(web?.environment.PORT)).toBe("5000");
    },
  );
});

describe("kubernetes", () => {
  it("prints one manifest to stdout: Secret, Deployments, a Service for web", async () => {
    const cwd = project({ Procfile: "web: serve -p $PORT\nworker: work\n", ".env": "TOKEN=abc\n" });
    const result = await runCli(["export", "kubernetes", "-", "-a", "shop", "--image", "shop:1"], {
      cwd,
    });
    expect(result.exitCode).toBe(0);
    const kinds = parseAllDocuments(result.stdout).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).toEqual(["Secret", "Deployment", "Service", "Deployment"]);
  });
});

describe("foreman export: files and errors", () => {
  const base = { Procfile: "web: node a.js\nworker: node b.js\n", ".env": "A=1\n" };

  it("never overwrites without --force, and reports units that left the Procfile", async () => {
    const cwd = project(base);
    expect((await runCli(["export", "systemd", "out", "-a", "shop"], { cwd })).exitCode).toBe(0);
    const again = await runCli(["export", "systemd", "out", "-a", "shop"], { cwd });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(
      /^foreman: out\/shop\.target already exists \(and 3 more\); pass --force/,
    );
    expect(again.stderr.trim().split("\n")).toHaveLength(1);
    writeFileSync(join(cwd, "Procfile"), "web: node a.js\n");
    chmodSync(join(cwd, "out", "shop.env"), 0o644);
    const forced = await runCli(["export", "systemd", "out", "-a", "shop", "--force"], { cwd });
    expect(forced.exitCode).toBe(0);
    expect(forced.stderr).toMatch(
      /^foreman: warning: out\/shop-worker-1\.service is from an earlier export of shop and no longer exported/,
    );
    expect(modeOf(join(cwd, "out", "shop.env"))).toBe(0o600);
    expect(readFileSync(join(cwd, "out", "shop.target"), "utf8")).not.toContain("worker");
  });

  it.each([
    [
      ["export", "nginx", "out"],
      /^foreman: unknown export format "nginx"; the formats are: systemd, systemd-user, supervisord, runit, launchd, upstart, docker-compose, kubernetes\n$/,
    ],
    [["export"], /needs a FORMAT and a LOCATION/],
    [["export", "systemd"], /needs a LOCATION/],
    [
      ["export", "runit", "-"],
      /cannot go to stdout; give a directory instead of -; one-file formats: docker-compose, kubernetes/,
    ],
    [["export", "systemd", "out", "extra"], /unexpected argument "extra"/],
  ])("usage error for %j", async (args, message) => {
    const cwd = project(base);
    const result = await runCli(args, { cwd });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it("one line when LOCATION cannot be written", async () => {
    const cwd = project(base);
    const result = await runCli(["export", "systemd", "Procfile/units"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^foreman: cannot write to Procfile\/units \(E\w+\); /);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it.skipIf(process.getuid?.() !== 0 || !has("setpriv"))(
    "one line when LOCATION is not writable for the user",
    async () => {
      const cwd = project(base);
      chmodSync(cwd, 0o755);
      chmodSync(join(cwd, ".env"), 0o644);
      mkdirSync(join(cwd, "locked"), { mode: 0o555 });
      const run = spawnSync(
        "setpriv",
        [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          process.execPath,
          join(import.meta.dirname, "../../bin/foreman.js"),
          "export",
          "systemd",
          "locked",
        ],
        { cwd, encoding: "utf8" },
      );
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^foreman: cannot write to locked \(EACCES\); choose a LOCATION you can write to/m,
      );
    },
  );

  it("uses custom templates, and names the file and line of a bad one", async () => {
    const cwd = project(base);
    mkdirSync(join(cwd, "tpl", "systemd"), { recursive: true });
    writeFileSync(
      join(cwd, "tpl", "systemd", "process.service"),
      "[Service]\nExecStart={{exec_start}}\n",
    );
    const ok = await runCli(["export", "systemd", "out", "-a", "shop", "-t", "tpl"], { cwd });
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(join(cwd, "out", "shop-web-1.service"), "utf8")).toBe(
      '[Service]\nExecStart=/bin/sh -c "node a.js"\n',
    );
    writeFileSync(join(cwd, "tpl", "systemd", "process.service"), "[Service]\nUser={{usr}}\n");
    const bad = await runCli(["export", "systemd", "out2", "-a", "shop", "-t", "tpl"], { cwd });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(
      /^foreman: unknown variable "\{\{usr\}\}", tpl\/systemd\/process\.service:2; the variables are: /,
    );
    const none = await runCli(["export", "runit", "out3", "-t", "tpl"], { cwd });
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/^foreman: no template directory for runit, tpl\/runit/);
  });

  it("a .env key no supervisor can carry is an error", async () => {
    const cwd = project({ ...base, ".env": "my.key=1\n" });
    const result = await runCli(["export", "systemd", "out"], { cwd });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(
      /^foreman: the \.env key "my\.key" is not a portable variable name/m,
    );
  });
});
