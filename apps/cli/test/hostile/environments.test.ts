// Guarantee 8: any environment. One representative scenario (500 lines, a process tree, a stop)
// runs with stdin closed, stdout a file, stdout a pipe into another process, stdout closed, and
// under timeout(1), setsid and nohup: every line arrives, the exit code holds, nothing is left.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  aliveAfter,
  CLI,
  cmdline,
  describePids,
  fixture,
  NODE,
  newTag,
  procStat,
  projects,
  startForeman,
  tagEnv,
  taggedProcesses,
  until,
} from "./_helpers.js";

const project = projects();

interface Environment {
  title: string;
  /** Command line put before `node foreman.js ARGS`; "$@" is foreman's command line. */
  wrapper: string[];
  /** Where foreman's stdout can be read: our pipe, a file in the project, or nowhere. */
  output: "pipe" | "file" | "none";
  needs?: string;
}

const sh = (script: string) => ["sh", "-c", script, "sh"];

const environments: Environment[] = [
  { title: "stdin closed", wrapper: sh('exec "$@" <&-'), output: "pipe" },
  { title: "stdin /dev/null", wrapper: sh('exec "$@" </dev/null'), output: "pipe" },
  { title: "stdout a file", wrapper: sh('exec "$@" >out.log'), output: "file" },
  { title: "stdout a pipe into another process", wrapper: sh('"$@" | cat'), output: "pipe" },
  { title: "stdout closed", wrapper: sh('exec "$@" >&-'), output: "none" },
  { title: "under timeout(1)", wrapper: ["timeout", "120"], output: "pipe", needs: "timeout" },
  { title: "under setsid", wrapper: ["setsid"], output: "pipe", needs: "setsid" },
  { title: "under nohup", wrapper: ["nohup"], output: "pipe", needs: "nohup" },
];

function available(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const PROCFILE = [
  `lines: ${NODE} ${fixture("lines.cjs")} 500 lines wait`,
  `tree: ${NODE} ${fixture("grandchild.cjs")}`,
  `quit: ${NODE} ${fixture("exit-on-file.cjs")} go`,
  "",
].join("\n");

describe.each(environments)("$title", ({ wrapper, output, needs }) => {
  it.for(["a process's exit", "SIGINT"] as const)(
    "stops on %s with every line out and nothing left",
    async (stop, context) => {
      if (needs !== undefined && !available(needs)) context.skip(`${needs} is not installed`);
      const cwd = project({ Procfile: PROCFILE });
      const tag = newTag();
      const foreman = startForeman(["start", "--no-timestamp"], {
        cwd,
        env: tagEnv(tag),
        wrapper,
      });
      const text = (): string =>
        output === "file"
          ? existsSync(join(cwd, "out.log"))
            ? readFileSync(join(cwd, "out.log"), "utf8")
            : ""
          : foreman.stdout.toString();
      // Ready when the tree's grandchild and the lines process (and so foreman) run. Without
      // any output to read, the processes are found by their tag.
      await until(
        () =>
          output === "none"
            ? taggedProcesses(tag).filter((pid) => procStat(pid)?.comm === "node").length >= 5
            : /lines done/.test(text()) &&
              /grandchild pid=\d+/.test(text()) &&
              /tree\.1 +\| ready/.test(text()),
        `the processes to start; output so far:\n${text()}`,
      );
      const started = taggedProcesses(tag);
      expect(started.length).toBeGreaterThanOrEqual(5);

      if (stop === "SIGINT") {
        // foreman itself, however it is wrapped: the node process running the CLI.
        const foremanPid = started.find(
          (pid) => procStat(pid)?.comm === "node" && cmdline(pid).includes(CLI),
        ) as number;
        process.kill(foremanPid, "SIGINT");
      } else {
        writeFileSync(join(cwd, "go"), "");
      }
      const exit = await foreman.exited;
      expect(exit.code, `${foreman.stderr}\n${text()}`).toBe(0);
      await foreman.closed;

      if (output !== "none") {
        const log = text();
        const numbers = [...log.matchAll(/^lines\.1 +\| lines line (\d+) x{40}$/gm)].map((m) =>
          Number(m[1]),
        );
        expect(numbers).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
        expect(log).toMatch(
          stop === "SIGINT"
            ? /SIGINT received, starting shutdown/
            : /quit\.1 +\| exited with code 0/,
        );
        expect(log).toMatch(/tree\.1 +\| exited with code 0/);
      }
      expect(foreman.stderr.toString()).toBe("");
      const left = await aliveAfter([...started, ...taggedProcesses(tag)], 2000);
      expect(left, describePids(left)).toEqual([]);
    },
  );
});
