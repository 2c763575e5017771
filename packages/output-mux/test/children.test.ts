import { spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createOutputMux } from "@foreman/output-mux";
import { afterEach, describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "fixtures", "numbered.mjs");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("real child processes into a file", () => {
  it("4 children x 10 000 lines: every line present, whole, in order per source", async () => {
    const dir = mkdtempSync(join(tmpdir(), "output-mux-children-"));
    dirs.push(dir);
    const path = join(dir, "out.log");
    const output = createWriteStream(path);
    const mux = createOutputMux({ output, nameWidth: 2, maxLineBytes: 4096 });
    const names = ["w1", "w2", "w3", "w4"];
    const count = 10_000;

    await Promise.all(
      names.map(async (name, i) => {
        const child = spawn(process.execPath, [fixture, name, String(count), String(i + 7)], {
          stdio: ["ignore", "pipe", "inherit"],
        });
        const exited = once(child, "exit");
        await mux.addSource(child.stdout, { name, colorIndex: i });
        const [code] = await exited;
        mux.line(name, `exited with code ${code}`, i);
      }),
    );
    await mux.flush();
    output.end();
    await once(output, "finish");

    const lines = readFileSync(path, "latin1").split("\n");
    expect(lines.pop()).toBe(""); // the file ends with a newline
    const seen = new Map<string, string[]>(names.map((n) => [n, []]));
    for (const line of lines) {
      const match = /^\d\d:\d\d:\d\d (w\d) \| (.*)$/.exec(line);
      expect(match, `malformed or mixed line: ${JSON.stringify(line)}`).not.toBeNull();
      seen.get(match![1]!)!.push(match![2]!);
    }
    for (const name of names) {
      const expected = Array.from(
        { length: count },
        (_, j) => `${name} line ${j + 1} ${"x".repeat((j + 1) % 50)}`,
      );
      expect(seen.get(name)).toEqual([...expected, "exited with code 0"]);
    }
  }, 60_000);
});
