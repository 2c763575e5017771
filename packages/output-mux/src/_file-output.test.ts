import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createFileOutput, FdOutput, type FdWriter, isRegularFile } from "./_file-output.js";
import { createOutputMux } from "./_mux.js";

function tempFile(): { path: string; fd: number } {
  const path = join(mkdtempSync(join(tmpdir(), "output-mux-file-")), "out");
  return { path, fd: openSync(path, "w") };
}

describe("createFileOutput", () => {
  it("writes every chunk in order and calls each callback after its bytes are on the file", async () => {
    const { path, fd } = tempFile();
    const output = createFileOutput(fd);
    const order: number[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      const text = `line ${i}\n`;
      expected.push(text);
      output.write(i % 2 === 0 ? text : Buffer.from(text), () => order.push(i));
    }
    await output.flush();
    closeSync(fd);
    expect(readFileSync(path, "utf8")).toBe(expected.join(""));
    expect(order).toEqual(expected.map((_, i) => i));
    expect(output.writableLength).toBe(0);
  });

  it("says false above the high water mark, then 'drain' once below it", async () => {
    const { fd } = tempFile();
    const output = createFileOutput(fd, { highWaterMarkBytes: 1024 });
    expect(output.write(Buffer.alloc(100))).toBe(true);
    expect(output.write(Buffer.alloc(2000))).toBe(false);
    expect(output.writableLength).toBeGreaterThan(0);
    await once(output, "drain");
    expect(output.writableLength).toBeLessThan(1024);
    await output.flush();
    closeSync(fd);
  });

  it("reports a write error to every pending callback and to 'error', then refuses writes", async () => {
    const { path } = tempFile();
    const readOnly = openSync(path, "r");
    const output = createFileOutput(readOnly);
    const errors: unknown[] = [];
    output.on("error", (error) => errors.push(error));
    const results = await Promise.all(
      [1, 2].map(
        (n) =>
          new Promise<unknown>((resolve) => {
            output.write(`${n}\n`, resolve);
          }),
      ),
    );
    expect(results.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(["EBADF", "EBADF"]);
    expect(errors).toHaveLength(1);
    expect(output.writable).toBe(false);
    const later = await new Promise<unknown>((resolve) => output.write("3\n", resolve));
    expect((later as NodeJS.ErrnoException).code).toBe("EBADF");
    await output.flush(); // settles rather than hanging
    closeSync(readOnly);
  });

  it("puts back what a short write left, in order, and calls back only for whole chunks", async () => {
    const file: number[] = [];
    const calls: number[] = [];
    // Takes at most 3 bytes per call, like a disk that is nearly full.
    const take = (chunks: Uint8Array[], done: (e: null, n: number) => void): void => {
      const all = Buffer.concat(chunks);
      const n = Math.min(3, all.length);
      file.push(...all.subarray(0, n));
      calls.push(n);
      setImmediate(done, null, n);
    };
    const writer: FdWriter = {
      write: (_fd, chunk, done) => take([chunk], done),
      writev: (_fd, chunks, done) => take(chunks, done),
    };
    const output = new FdOutput(9, {}, writer);
    const called: string[] = [];
    for (const text of ["ab", "cdef", "g"]) output.write(text, () => called.push(text));
    await output.flush();
    expect(Buffer.from(file).toString()).toBe("abcdefg");
    expect(called).toEqual(["ab", "cdef", "g"]);
    expect(calls.every((n) => n <= 3)).toBe(true);
  });

  /** A writer that takes everything, later, and remembers the pieces of each call. */
  function slowWriter(): { writer: FdWriter; file: Buffer[]; calls: number[][] } {
    const file: Buffer[] = [];
    const calls: number[][] = [];
    const take = (chunks: Uint8Array[], done: (e: null, n: number) => void): void => {
      calls.push(chunks.map((c) => c.length));
      // Copied only when the write "happens", as the threadpool would read the memory then.
      setTimeout(() => {
        let n = 0;
        for (const chunk of chunks) {
          file.push(Buffer.from(chunk));
          n += chunk.length;
        }
        done(null, n);
      }, 1);
    };
    return {
      writer: {
        write: (_fd, chunk, done) => take([chunk], done),
        writev: (_fd, c, done) => take(c, done),
      },
      file,
      calls,
    };
  }

  it("writes one turn's output as one piece, reserved memory without a copy", async () => {
    const { writer, file, calls } = slowWriter();
    const output = new FdOutput(9, {}, writer);
    output.write("first\n");
    await new Promise((resolve) => setImmediate(resolve)); // its write starts
    for (const text of ["a\n", "bb\n", "ccc\n"]) {
      const room = output.reserve(text.length);
      room.write(text);
      output.write(room);
    }
    await output.flush();
    expect(Buffer.concat(file).toString()).toBe("first\na\nbb\nccc\n");
    expect(calls).toEqual([[6], [9]]);
  });

  it("reuses its memory only after it is written: 20 MB through slow writes arrive intact", async () => {
    const { writer, file } = slowWriter();
    const output = new FdOutput(9, { highWaterMarkBytes: 4 << 20 }, writer);
    const expected: Buffer[] = [];
    for (let i = 0; i < 400; i++) {
      const size = 1 + ((i * 7919) % 100_000);
      const room = output.reserve(size);
      room.fill(i % 251);
      expected.push(Buffer.from(room));
      let ok = output.write(room);
      if (i % 50 === 0) {
        ok = output.write(`marker ${i}\n`);
        expected.push(Buffer.from(`marker ${i}\n`));
      }
      if (!ok) await once(output, "drain");
    }
    const big = Buffer.alloc(600_000, 7); // above the copy limit: written from the caller's buffer
    output.write(big);
    expected.push(big);
    await output.flush();
    expect(Buffer.concat(file).equals(Buffer.concat(expected))).toBe(true);
  });

  it("end() writes its chunk, flushes and calls back, leaving the fd open", async () => {
    const { path, fd } = tempFile();
    const output = createFileOutput(fd);
    output.write("a\n");
    await new Promise<void>((resolve) => output.end("b\n", resolve));
    expect(readFileSync(path, "utf8")).toBe("a\nb\n");
    closeSync(fd); // would throw EBADF had end() closed it
  });

  it.each([
    ["a negative fd", -1, undefined],
    ["a fractional fd", 1.5, undefined],
    ["a zero high water mark", 1, 0],
  ])("rejects %s", (_label, fd, highWaterMarkBytes) => {
    expect(() =>
      createFileOutput(fd, highWaterMarkBytes === undefined ? {} : { highWaterMarkBytes }),
    ).toThrow(expect.objectContaining({ code: "OUTPUT_MUX_INVALID_OPTION" }));
  });

  it("carries a mux's lines whole, in order per source, across many sources", async () => {
    const { path, fd } = tempFile();
    const output = createFileOutput(fd, { highWaterMarkBytes: 4096 });
    const mux = createOutputMux({ output, timestamp: false, nameWidth: 2 });
    const sources = [0, 1, 2, 3].map((n) => {
      const stream = new PassThrough();
      const done = mux.addSource(stream, { name: `s${n}` });
      for (let i = 0; i < 2000; i++) stream.write(`${n}:${i}\n`);
      stream.end();
      return done;
    });
    await Promise.all(sources);
    await mux.flush();
    closeSync(fd);
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(8000);
    for (const n of [0, 1, 2, 3]) {
      const own = lines.filter((line) => line.startsWith(`s${n} | `));
      expect(own).toEqual(Array.from({ length: 2000 }, (_, i) => `s${n} | ${n}:${i}`));
    }
  });
});

describe("isRegularFile", () => {
  it("is true for a file and false for a device", () => {
    const { fd } = tempFile();
    const device = openSync("/dev/null", "w");
    expect(isRegularFile(fd)).toBe(true);
    expect(isRegularFile(device)).toBe(false);
    closeSync(fd);
    closeSync(device);
  });

  it("is false for a descriptor that is not open", () => {
    const { fd } = tempFile();
    closeSync(fd);
    expect(isRegularFile(fd)).toBe(false);
  });
});
