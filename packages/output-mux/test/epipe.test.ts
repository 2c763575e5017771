import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createOutputMux } from "@foreman/output-mux";
import { describe, expect, it } from "vitest";
import { outputOf } from "./helpers.js";

describe("output pipe closed by the reader (foreman start | head -n 1)", () => {
  it("emits 'error' once, never throws, and every promise resolves", async () => {
    const head = spawn("head", ["-n", "1"], { stdio: ["pipe", "pipe", "inherit"] });
    const headOut: Buffer[] = [];
    head.stdout.on("data", (chunk: Buffer) => headOut.push(chunk));
    const headExited = once(head, "exit");

    const mux = createOutputMux({ output: head.stdin, timestamp: false });
    const errors: Error[] = [];
    mux.on("error", (error) => errors.push(error));

    // Lines for as long as the test wants them: the source outlives the pipe. One chunk per
    // event-loop turn, as from a child's pipe.
    let stop = false;
    let produced = 0;
    const line = Buffer.from("a line of output\n".repeat(64));
    const source = new Readable({
      read() {
        setImmediate(() => {
          produced += 1;
          this.push(stop ? null : line);
        });
      },
    });
    const done = mux.addSource(source, { name: "web.1" });

    const [error] = (await once(mux, "error")) as [NodeJS.ErrnoException];
    const producedAtError = produced;
    // The child's stdin is destroyed when the child exits, which may be seen before the EPIPE.
    expect(["EPIPE", "ERR_STREAM_DESTROYED"]).toContain(error.code);
    await headExited;

    // After the error the source keeps being read (and dropped), so a child never blocks.
    while (produced < producedAtError + 50)
      await new Promise((resolve) => source.once("data", resolve));
    mux.line("web.1", "after the pipe closed");
    mux.system("still no throw");
    stop = true;
    await done;
    await mux.flush();

    expect(errors).toHaveLength(1);
    expect(Buffer.concat(headOut).toString()).toBe("web.1  | a line of output\n");
  }, 30_000);

  it("process.stdout into `head -n 1`: one EPIPE, the promises resolve, no crash", async () => {
    const fixture = join(import.meta.dirname, "fixtures", "mux-to-stdout.mjs");
    const shell = spawn("sh", ["-c", `"${process.execPath}" "${fixture}" | head -n 1`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const { stdout, stderr, code } = await outputOf(shell, "exit");
    expect(stdout).toBe("web.1  | a line of output\n");
    expect(JSON.parse(stderr)).toEqual({ errors: ["EPIPE"], resolved: true });
    expect(code).toBe(0);
  }, 30_000);
});
