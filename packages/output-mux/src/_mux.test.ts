import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Collector, fixedClock } from "../test/helpers.js";
import { createOutputMux } from "./_mux.js";
import type { OutputMuxOptions } from "./_types.js";

// FOREMAN_FUZZ_RUNS=100000 runs every property that many times (the nightly-size run).
const fuzzRuns = (runs: number): number => Number(process.env.FOREMAN_FUZZ_RUNS) || runs;

type Options = Omit<OutputMuxOptions, "output">;

/** Runs one source that writes `chunks` and ends; returns everything the mux wrote. */
async function runSource(
  options: Options,
  chunks: readonly string[],
  source: { name: string; colorIndex?: number } = { name: "web.1" },
): Promise<string> {
  const output = new Collector();
  const mux = createOutputMux({ now: fixedClock(), ...options, output });
  const done = mux.addSource(Readable.from(chunks.map((c) => Buffer.from(c))), source);
  await done;
  await mux.flush();
  return output.text();
}

/**
 * An output that is only `write` plus the listener methods the mux calls: no cork, no Writable
 * state beyond what `extra` adds.
 */
function bareOutput(
  write: (chunk: Uint8Array, callback?: () => void) => boolean,
  extra: Record<string, unknown> = {},
): NodeJS.WritableStream {
  const output = {
    ...extra,
    write,
    on: () => output,
    once: () => output,
    removeListener: () => output,
  };
  return output as unknown as NodeJS.WritableStream;
}

afterEach(() => {
  vi.useRealTimers();
});

describe("format", () => {
  it.each([
    { name: "timestamp and name", options: {}, out: "12:34:56 web.1  | hello\n" },
    { name: "no timestamp", options: { timestamp: false }, out: "web.1  | hello\n" },
    {
      name: "colour wraps the prefix only",
      options: { color: true },
      source: { name: "web.1", colorIndex: 0 },
      out: "\x1b[36m12:34:56 web.1  | \x1b[0mhello\n",
    },
    {
      name: "colour index cycles",
      options: { color: true, timestamp: false },
      source: { name: "web.1", colorIndex: 7 },
      out: "\x1b[33mweb.1  | \x1b[0mhello\n",
    },
    {
      name: "no colour without a colour index",
      options: { color: true, timestamp: false },
      source: { name: "web.1" },
      out: "web.1  | hello\n",
    },
    {
      name: "colour off ignores the index",
      options: { color: false, timestamp: false },
      source: { name: "web.1", colorIndex: 2 },
      out: "web.1  | hello\n",
    },
    { name: "raw", options: { raw: true, color: true }, out: "hello\n" },
    {
      name: "padding to nameWidth",
      options: { nameWidth: 10, timestamp: false },
      out: "web.1      | hello\n",
    },
    {
      name: "long names are not cut",
      options: { nameWidth: 3, timestamp: false },
      source: { name: "worker.12" },
      out: "worker.12 | hello\n",
    },
  ])("$name", async ({ options, source, out }) => {
    expect(await runSource(options, ["hello\n"], source)).toBe(out);
  });

  it("system lines are bold white when coloured", async () => {
    const output = new Collector();
    const mux = createOutputMux({ output, color: true, now: fixedClock() });
    mux.system("sending SIGTERM to all processes");
    mux.line("web.1", "started with pid 42", 0);
    mux.line("web.2", "no colour index");
    expect(output.text()).toBe(
      "\x1b[1;37m12:34:56 system | \x1b[0msending SIGTERM to all processes\n" +
        "\x1b[36m12:34:56 web.1  | \x1b[0mstarted with pid 42\n" +
        "12:34:56 web.2  | no colour index\n",
    );
  });

  it.each([
    { name: "plain", message: "exited with code 0", out: "web.1  | exited with code 0\n" },
    { name: "trailing newline", message: "done\n", out: "web.1  | done\n" },
    { name: "embedded newlines", message: "a\nb", out: "web.1  | a\nweb.1  | b\n" },
    { name: "empty", message: "", out: "web.1  | \n" },
  ])("line(): $name", ({ message, out }) => {
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false });
    mux.line("web.1", message);
    expect(output.text()).toBe(out);
  });

  it("raw line() and system() write the message only", () => {
    const output = new Collector();
    const mux = createOutputMux({ output, raw: true });
    mux.line("web.1", "one", 0);
    mux.system("two");
    expect(output.text()).toBe("one\ntwo\n");
  });

  it("setNameWidth pads later lines", () => {
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false });
    mux.line("web.1", "a");
    mux.setNameWidth(8);
    mux.line("web.1", "b");
    expect(output.text()).toBe("web.1  | a\nweb.1    | b\n");
  });

  it("the timestamp follows the clock", async () => {
    let nowMs = fixedClock(8, 0, 0)();
    const output = new Collector();
    const mux = createOutputMux({ output, now: () => nowMs });
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    source.write("first\n");
    await output.waitFor((text) => text.includes("first"));
    nowMs += 1000;
    source.end("second\n");
    await done;
    expect(output.text()).toBe("08:00:00 web.1  | first\n08:00:01 web.1  | second\n");
  });
});

describe("sources", () => {
  it("joins a line split across chunks and keeps CRLF bytes", async () => {
    const out = await runSource({ timestamp: false }, ["he", "llo\r", "\nwor", "ld\n"]);
    expect(out).toBe("web.1  | hello\r\nweb.1  | world\n");
  });

  it("passes 64 KiB of random bytes through byte-exact, prefixes aside", async () => {
    const input = Buffer.alloc(65536);
    let seed = 12345;
    for (let i = 0; i < input.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      input[i] = seed >>> 24;
    }
    // Invalid UTF-8, NUL, an escape sequence and a \r progress bar, for good measure.
    input.set(Buffer.from([0xff, 0xc3, 0x00, 0x1b, 0x5b, 0x32, 0x4b, 0x0d, 0x0d, 0x0a]), 1000);
    const output = new Collector();
    const mux = createOutputMux({ output, raw: false, timestamp: false, nameWidth: 0 });
    const chunks: Buffer[] = [];
    for (let at = 0; at < input.length; at += 1 + (at % 5000))
      chunks.push(input.subarray(at, at + 1 + (at % 5000)));
    await mux.addSource(Readable.from(chunks), { name: "b" });
    const all = output.buffer();
    const body: Buffer[] = [];
    let start = 0;
    while (start < all.length) {
      expect(all.subarray(start, start + 4).toString("latin1")).toBe("b | ");
      const nl = all.indexOf(10, start + 4);
      body.push(all.subarray(start + 4, nl + 1));
      start = nl + 1;
    }
    const expectedBody =
      input[input.length - 1] === 10 ? input : Buffer.concat([input, Buffer.from("\n")]);
    expect(Buffer.concat(body).equals(expectedBody)).toBe(true);
  });

  it("accepts string chunks (a stream with an encoding set)", async () => {
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false });
    const source = new PassThrough();
    source.setEncoding("utf8");
    const done = mux.addSource(source, { name: "web.1" });
    source.end("héllo\n");
    await done;
    expect(output.text()).toBe("web.1  | héllo\n");
  });

  it("writes the final partial line, with a \\n, before addSource resolves", async () => {
    const output = new Collector();
    const mux = createOutputMux({
      output,
      timestamp: false,
      partialLineFlushMs: Number.POSITIVE_INFINITY,
    });
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    source.end("no newline at the end");
    await done;
    expect(output.text()).toBe("web.1  | no newline at the end\n");
  });

  it("writes a partial line after partialLineFlushMs of idle time, not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false, partialLineFlushMs: 100 });
    const source = new PassThrough();
    void mux.addSource(source, { name: "web.1" });
    const seen1 = once(source, "data");
    source.write("Password: ");
    await seen1;
    vi.advanceTimersByTime(60);
    const seen2 = once(source, "data");
    source.write("still typing");
    await seen2;
    vi.advanceTimersByTime(99); // idle time counts from the last chunk
    await new Promise((resolve) => setImmediate(resolve));
    expect(output.text()).toBe("");
    vi.advanceTimersByTime(1);
    // The flush looks once more after the event loop has read its streams (setImmediate).
    await new Promise((resolve) => setImmediate(resolve));
    expect(output.text()).toBe("web.1  | Password: still typing\n");
    source.end("\n");
    await once(source, "end");
    expect(output.text()).toBe("web.1  | Password: still typing\nweb.1  | \n");
  });

  it("does not cut a line whose rest arrived while the event loop was stalled", async () => {
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false, partialLineFlushMs: 20 });
    const marker = join(mkdtempSync(join(tmpdir(), "output-mux-stall-")), "rest-written");
    const child = spawn(
      process.execPath,
      [
        "-e",
        "process.stdout.write('first half, ');" +
          "setTimeout(() => process.stdout.write('second half\\n', () => require('fs').writeFileSync(process.argv[1], '')), 5)",
        marker,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    const done = mux.addSource(child.stdout, { name: "web.1" });
    // After the mux has taken the first half (and armed its idle timer), stall the event loop
    // until the rest is in the pipe and the idle time has passed.
    child.stdout.once("data", () => {
      const started = Date.now();
      while (!existsSync(marker) || Date.now() - started < 40) {
        if (Date.now() - started > 10_000) break;
      }
    });
    await done;
    expect(output.text()).toBe("web.1  | first half, second half\n");
  });

  it("a source with a partial line never delays another source", async () => {
    const output = new Collector();
    const mux = createOutputMux({
      output,
      timestamp: false,
      partialLineFlushMs: Number.POSITIVE_INFINITY,
    });
    const slow = new PassThrough();
    const fast = new PassThrough();
    const slowDone = mux.addSource(slow, { name: "slow" });
    const fastDone = mux.addSource(fast, { name: "fast" });
    slow.write("half a line");
    fast.write("whole line\n");
    await output.waitFor((text) => text.includes("whole line"));
    expect(output.text()).toBe("fast   | whole line\n");
    fast.end();
    await fastDone;
    slow.end(" and the rest\n");
    await slowDone;
    expect(output.text()).toBe("fast   | whole line\nslow   | half a line and the rest\n");
  });

  it("a stream error ends the source; addSource still resolves", async () => {
    const output = new Collector();
    const mux = createOutputMux({ output, timestamp: false });
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    const seen3 = once(source, "data");
    source.write("partial");
    await seen3;
    source.destroy(new Error("boom"));
    await done;
    expect(output.text()).toBe("web.1  | partial\n");
  });

  it("resolves at once for a stream that has already ended", async () => {
    const output = new Collector();
    const mux = createOutputMux({ output });
    const source = new PassThrough();
    source.resume();
    source.end();
    await once(source, "end");
    await mux.addSource(source, { name: "web.1" });
    expect(output.text()).toBe("");
  });

  it("flush() writes partial lines and waits for output to finish", async () => {
    const output = new Collector({ delayMs: 5 });
    const mux = createOutputMux({
      output,
      timestamp: false,
      partialLineFlushMs: Number.POSITIVE_INFINITY,
    });
    const source = new PassThrough();
    void mux.addSource(source, { name: "web.1" });
    const seen4 = once(source, "data");
    source.write("one\ntwo");
    await seen4;
    await mux.flush();
    expect(output.text()).toBe("web.1  | one\nweb.1  | two\n");
    expect(mux.pendingWrites).toBe(0);
    expect(output.writableLength).toBe(0);
  });
});

describe("backpressure", () => {
  it("pauses every source while output is full and resumes on drain", async () => {
    const output = new Collector({ delayMs: 5, highWaterMark: 8 });
    const mux = createOutputMux({ output, timestamp: false });
    const a = new PassThrough();
    const b = new PassThrough();
    const aDone = mux.addSource(a, { name: "a" });
    const bDone = mux.addSource(b, { name: "b" });
    const seen5 = once(output, "chunk");
    a.write("a line longer than the high water mark\n");
    await seen5;
    expect(mux.paused).toBe(true);
    expect(a.isPaused()).toBe(true);
    expect(b.isPaused()).toBe(true);
    await once(output, "drain");
    expect(mux.paused).toBe(false);
    expect(a.isPaused()).toBe(false);
    expect(b.isPaused()).toBe(false);
    a.end();
    b.end("b line\n");
    await Promise.all([aDone, bDone]);
    expect(output.text()).toBe(
      "a      | a line longer than the high water mark\nb      | b line\n",
    );
  });

  it("keeps a partial line whole while its source is paused for backpressure", async () => {
    // Each write takes 3 × the idle time: without care, the pause would cut the line.
    const output = new Collector({ delayMs: 60, highWaterMark: 1 });
    const mux = createOutputMux({ output, timestamp: false, partialLineFlushMs: 20 });
    const filler = new PassThrough();
    const talker = new PassThrough();
    const fillerDone = mux.addSource(filler, { name: "f" });
    const talkerDone = mux.addSource(talker, { name: "t" });
    const half = once(talker, "data");
    talker.write("one half, ");
    await half;
    const written = once(output, "chunk");
    filler.write("fill\n");
    await written;
    expect(mux.paused).toBe(true);
    talker.end("the other half\n");
    filler.end();
    await Promise.all([fillerDone, talkerDone]);
    await mux.flush();
    expect(output.text()).toBe("f      | fill\nt      | one half, the other half\n");
  });

  it("does not pause for an output that has already written the chunk (sync stdout)", () => {
    const written: Uint8Array[] = [];
    const output = bareOutput(
      (chunk) => {
        written.push(chunk);
        return false; // above highWaterMark, but nothing is left waiting
      },
      { writableLength: 0 },
    );
    const mux = createOutputMux({ output, timestamp: false });
    mux.line("web.1", "hello");
    expect(mux.paused).toBe(false);
    expect(written).toHaveLength(1);
  });
});

describe("batchWrites", () => {
  /** A Collector that also takes several chunks at once, as a socket does, and records how many. */
  class WritevCollector extends Collector {
    readonly batches: number[] = [];

    override _writev(
      chunks: Array<{ chunk: Buffer }>,
      callback: (error?: Error | null) => void,
    ): void {
      this.batches.push(chunks.length);
      let left = chunks.length;
      for (const { chunk } of chunks) {
        this._write(chunk, "buffer" as BufferEncoding, () => {
          left -= 1;
          if (left === 0) callback();
        });
      }
    }
  }

  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it("hands a turn's lines to output as one writev, in order, at the end of the turn", async () => {
    const output = new WritevCollector();
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    mux.system("one");
    mux.line("web.1", "two");
    mux.line("web.2", "three");
    expect(output.text()).toBe("");
    await turn();
    expect(output.text()).toBe("system | one\nweb.1  | two\nweb.2  | three\n");
    expect(output.batches).toEqual([3]);
    mux.line("web.1", "four");
    await turn();
    expect(output.text()).toMatch(/web\.1 {2}\| four\n$/);
  });

  it("batches the chunks of every source read in the same turn", async () => {
    const output = new WritevCollector();
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    const a = new PassThrough();
    const b = new PassThrough();
    const done = [mux.addSource(a, { name: "a" }), mux.addSource(b, { name: "b" })];
    a.write("from a\n");
    b.write("from b\n");
    await output.waitFor((text) => text.includes("from b"));
    expect(output.text()).toBe("a      | from a\nb      | from b\n");
    expect(output.batches).toEqual([2]);
    a.end();
    b.end();
    await Promise.all(done);
  });

  it("flush() hands the batch over at once", async () => {
    const output = new WritevCollector();
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    mux.line("web.1", "last words");
    const flushed = mux.flush();
    expect(output.text()).toBe("web.1  | last words\n");
    await flushed;
    expect(mux.pendingWrites).toBe(0);
  });

  it("still pauses the sources when output cannot take a batch, and resumes on drain", async () => {
    const output = new WritevCollector({ delayMs: 5, highWaterMark: 8 });
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    const a = new PassThrough();
    const done = mux.addSource(a, { name: "a" });
    a.write("a line longer than the high water mark\n");
    // Not while corked: each write then "waits", which says nothing about the output.
    expect(mux.paused).toBe(false);
    await once(output, "chunk");
    expect(mux.paused).toBe(true);
    expect(a.isPaused()).toBe(true);
    await once(output, "drain");
    expect(mux.paused).toBe(false);
    expect(a.isPaused()).toBe(false);
    a.end("more\n");
    await done;
    await mux.flush();
    expect(output.text()).toBe("a      | a line longer than the high water mark\na      | more\n");
  });

  it("is off for an output without cork: each line is written at once", () => {
    const written: Uint8Array[] = [];
    const output = bareOutput((chunk, callback) => {
      written.push(chunk);
      callback?.();
      return true;
    });
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    mux.line("web.1", "hello");
    expect(Buffer.concat(written).toString()).toBe("web.1  | hello\n");
  });

  it("reports an output error of a batch once, and flush still resolves", async () => {
    const output = new WritevCollector();
    output._write = (_chunk, _encoding, callback) =>
      callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    const mux = createOutputMux({ output, timestamp: false, batchWrites: true });
    const errors: Error[] = [];
    mux.on("error", (error) => errors.push(error));
    mux.line("web.1", "one");
    mux.line("web.1", "two");
    await mux.flush();
    mux.line("web.1", "after");
    await mux.flush();
    expect(errors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(["EPIPE"]);
  });
});

describe("output errors", () => {
  function failingOutput(): Collector {
    const output = new Collector();
    output._write = (_chunk, _encoding, callback) =>
      callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }));
    return output;
  }

  it("emits 'error' once, then drops output; sources still drain and resolve", async () => {
    const output = failingOutput();
    const mux = createOutputMux({ output, timestamp: false });
    const errors: Error[] = [];
    mux.on("error", (error) => errors.push(error));
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    const seen6 = once(mux, "error");
    source.write("one\n");
    await seen6;
    source.write("two\n");
    mux.line("web.1", "three");
    mux.system("four");
    source.end("five");
    await done;
    await mux.flush();
    expect(errors).toHaveLength(1);
    expect((errors[0] as NodeJS.ErrnoException).code).toBe("EPIPE");
    expect(source.isPaused()).toBe(false);
  });

  it("never throws when nobody listens for 'error'", async () => {
    const output = failingOutput();
    const mux = createOutputMux({ output, timestamp: false });
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    source.end("one\ntwo\n");
    await done;
    await mux.flush();
    mux.line("web.1", "after");
    expect(mux.paused).toBe(false);
  });

  it("treats a throwing write like an error event", async () => {
    const output = bareOutput(() => {
      throw new Error("write after end");
    });
    const mux = createOutputMux({ output });
    const errors: Error[] = [];
    mux.on("error", (error) => errors.push(error));
    expect(() => mux.line("web.1", "hello")).not.toThrow();
    mux.line("web.1", "again");
    await mux.flush();
    expect(errors.map((e) => e.message)).toEqual(["write after end"]);
  });

  it("resumes sources it had paused", async () => {
    const output = new Collector({ delayMs: 50, highWaterMark: 1 });
    const mux = createOutputMux({ output, timestamp: false });
    mux.on("error", () => {});
    const source = new PassThrough();
    const done = mux.addSource(source, { name: "web.1" });
    const seen7 = once(output, "chunk");
    source.write("one\n");
    await seen7;
    expect(source.isPaused()).toBe(true);
    output.destroy(new Error("gone"));
    await once(mux, "error");
    expect(source.isPaused()).toBe(false);
    source.end("two\n");
    await done;
  });
});

describe("options", () => {
  it.each([
    { name: "no output", options: {} },
    { name: "maxLineBytes 0", options: { output: new Collector(), maxLineBytes: 0 } },
    { name: "nameWidth -1", options: { output: new Collector(), nameWidth: -1 } },
    {
      name: "partialLineFlushMs NaN",
      options: { output: new Collector(), partialLineFlushMs: Number.NaN },
    },
  ])("rejects $name", ({ options }) => {
    expect(() => createOutputMux(options as OutputMuxOptions)).toThrow(
      expect.objectContaining({ code: "OUTPUT_MUX_INVALID_OPTION" }),
    );
  });

  it("rejects a fractional colour index and a missing name", () => {
    const mux = createOutputMux({ output: new Collector() });
    expect(() => mux.addSource(new PassThrough(), { name: "web.1", colorIndex: 1.5 })).toThrow(
      expect.objectContaining({ code: "OUTPUT_MUX_INVALID_OPTION" }),
    );
    expect(() => mux.addSource(new PassThrough(), {} as { name: string })).toThrow(
      expect.objectContaining({ code: "OUTPUT_MUX_INVALID_OPTION" }),
    );
    expect(() => mux.setNameWidth(2.5)).toThrow(
      expect.objectContaining({ code: "OUTPUT_MUX_INVALID_OPTION" }),
    );
  });
});

describe("property: many sources, random chunkings", () => {
  /** Reference: each line of `input` cut into pieces of maxLineBytes, each ending in "\n". */
  function expectedLines(input: Uint8Array, maxLineBytes: number): Buffer[] {
    const lines: Buffer[] = [];
    const data = Buffer.from(input);
    let start = 0;
    while (start < data.length) {
      let nl = data.indexOf(10, start);
      if (nl === -1) nl = data.length;
      const line = data.subarray(start, nl);
      if (line.length === 0) lines.push(Buffer.alloc(0));
      for (let at = 0; at < line.length; at += maxLineBytes)
        lines.push(line.subarray(at, at + maxLineBytes));
      start = nl + 1;
    }
    return lines;
  }

  const sourceArb = fc.uint8Array({ maxLength: 200 }).chain((bytes) =>
    fc.record({
      bytes: fc.constant(bytes.map((b) => (b % 7 === 0 ? 10 : b))),
      cuts: fc.array(fc.nat({ max: bytes.length }), { maxLength: 8 }),
    }),
  );

  it("after removing prefixes each source's output equals its input, and no line mixes sources", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(sourceArb, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 32 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (sources, maxLineBytes, order) => {
          const output = new Collector();
          const mux = createOutputMux({
            output,
            timestamp: false,
            maxLineBytes,
            partialLineFlushMs: Number.POSITIVE_INFINITY,
          });
          const streams = sources.map(() => new PassThrough());
          const done = streams.map((stream, i) => mux.addSource(stream, { name: `s${i}` }));
          const queues = sources.map(({ bytes, cuts }) => {
            const points = [...new Set([0, ...cuts, bytes.length])].sort((x, y) => x - y);
            return points.slice(1).map((end, i) => bytes.subarray(points[i], end));
          });
          // Interleave the sources' chunks in a random order.
          for (const pick of [...order, ...Array.from({ length: 40 }, (_, i) => i)]) {
            const live = queues.map((q, i) => (q.length > 0 ? i : -1)).filter((i) => i >= 0);
            if (live.length === 0) break;
            const index = live[pick % live.length]!;
            streams[index]!.write(queues[index]!.shift()!);
            await new Promise((resolve) => setImmediate(resolve));
          }
          for (const stream of streams) stream.end();
          await Promise.all(done);

          const got: Buffer[][] = sources.map(() => []);
          const all = output.buffer();
          let start = 0;
          while (start < all.length) {
            const nl = all.indexOf(10, start);
            expect(nl).not.toBe(-1); // every line ends in "\n"
            const line = all.subarray(start, nl);
            const match = /^s(\d) {5}\| /.exec(line.subarray(0, 9).toString("latin1"));
            expect(match).not.toBeNull(); // every line starts with exactly one source's prefix
            got[Number(match![1])]!.push(line.subarray(9));
            start = nl + 1;
          }
          sources.forEach(({ bytes }, i) => {
            expect(got[i]).toEqual(expectedLines(bytes, maxLineBytes));
          });
        },
      ),
      { numRuns: fuzzRuns(150) },
    );
  });
});
