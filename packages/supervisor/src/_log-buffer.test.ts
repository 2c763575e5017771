import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLogBuffer, type LogLine } from "./index.js";

const texts = (lines: LogLine[]) => lines.map((l) => `${l.name} ${l.data.toString()}`);

describe("createLogBuffer", () => {
  it("splits chunks into lines when read, in arrival order across processes", () => {
    const logs = createLogBuffer({ now: () => 0 });
    logs.write("web.1", Buffer.from("a1\na"), "stdout");
    logs.write("worker.1", "w1\n", "stdout");
    logs.write("web.1", Buffer.from("2\n"), "stdout");
    logs.write("web.1", "e1\n", "stderr");
    logs.note("web.1", "exited with code 0");
    expect(texts(logs.tail())).toEqual([
      "web.1 a1",
      "web.1 a2",
      "worker.1 w1",
      "web.1 e1",
      "web.1 exited with code 0",
    ]);
    expect(texts(logs.tail({ names: ["worker.1"] }))).toEqual(["worker.1 w1"]);
    expect(texts(logs.tail({ lines: 2 }))).toEqual(["web.1 e1", "web.1 exited with code 0"]);
    expect(logs.tail({ lines: 0 })).toEqual([]);
  });

  it("shows an unfinished last line as it is so far", () => {
    const logs = createLogBuffer();
    logs.write("web.1", "progress 50%", "stdout");
    expect(texts(logs.tail())).toEqual(["web.1 progress 50%"]);
  });

  it("keeps a multi-byte character cut between chunks whole", () => {
    const logs = createLogBuffer();
    const bytes = Buffer.from("héllo\n");
    logs.write("web.1", bytes.subarray(0, 2), "stdout");
    logs.write("web.1", bytes.subarray(2), "stdout");
    expect(texts(logs.tail())).toEqual(["web.1 héllo"]);
  });

  it("drops old chunks past the byte cap, and the partial line they leave", () => {
    const logs = createLogBuffer({ maxBytesPerProcess: 20 });
    logs.write("web.1", "first line\nsecond ", "stdout");
    logs.write("web.1", "half\nthird\n", "stdout");
    logs.write("web.1", "fourth\n", "stdout");
    expect(texts(logs.tail())).toEqual(["web.1 third", "web.1 fourth"]);
  });

  it("follows new lines of the chosen processes until unsubscribed", () => {
    const logs = createLogBuffer();
    logs.write("web.1", "before\n", "stdout");
    const seen: string[] = [];
    const stop = logs.follow(["web.1"], (l) => seen.push(`${l.stream} ${l.data.toString()}`));
    logs.write("web.1", "one\ntw", "stdout");
    logs.write("worker.1", "other\n", "stdout");
    logs.write("web.1", "o\n", "stdout");
    logs.write("web.1", "unfinished", "stderr");
    logs.note("web.1", "exited with code 0");
    stop();
    logs.write("web.1", "after\n", "stdout");
    expect(seen).toEqual([
      "stdout one",
      "stdout two",
      "stderr unfinished",
      "system exited with code 0",
    ]);
  });

  it("loses no line however the output is cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z é]{0,8}$/), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (lines, cuts) => {
          const text = lines.map((l) => `${l}\n`).join("");
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const logs = createLogBuffer();
          const followed: string[] = [];
          logs.follow(undefined, (l) => followed.push(l.data.toString()));
          let last = 0;
          for (const p of [...points, bytes.length]) {
            logs.write("p.1", bytes.subarray(last, p), "stdout");
            last = p;
          }
          expect(logs.tail({ lines: 1000 }).map((l) => l.data.toString())).toEqual(lines);
          expect(followed).toEqual(lines);
        },
      ),
    );
  });

  it("keeps the bytes exactly: invalid UTF-8, escape sequences, \\r, NUL, a character cut in two", () => {
    const logs = createLogBuffer();
    const followed: Buffer[] = [];
    logs.follow(undefined, (l) => followed.push(Buffer.from(l.data)));
    const line = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x80]),
      Buffer.from("\x1b[31mred\x1b[0m é 50%\r100%\u0000"),
      Buffer.from([0xc3]), // half of "é", then a line end
    ]);
    const euro = Buffer.from("€\r\n");
    logs.write("web.1", Buffer.concat([line, Buffer.from("\n"), euro.subarray(0, 1)]), "stdout");
    logs.write("web.1", euro.subarray(1), "stdout");
    const expected = [line, Buffer.from("€\r")];
    expect(logs.tail().map((l) => l.data)).toEqual(expected);
    expect(followed).toEqual(expected);
  });

  it("never holds more than maxBytesPerProcess of a process's output", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 16, max: 400 }),
        (chunks, maxBytes) => {
          const logs = createLogBuffer({ maxBytesPerProcess: maxBytes });
          for (const chunk of chunks) logs.write("p.1", Buffer.from(chunk), "stdout");
          const lines = logs.tail({ lines: 100_000 });
          const all = Buffer.concat(chunks);
          // Each line is its bytes and the \n that ended it (an unfinished last one has none).
          const text = Buffer.concat(lines.flatMap((l) => [l.data, Buffer.from("\n")]));
          const shown = all[all.length - 1] === 0x0a ? text : text.subarray(0, -1);
          expect(lines.length === 0 || shown.length <= maxBytes).toBe(true);
          // What is kept is the end of what was written, whole lines only (but the last).
          if (lines.length > 0) {
            expect(all.subarray(all.length - shown.length)).toEqual(shown);
            const before = all[all.length - shown.length - 1];
            if (before !== undefined) expect(before).toBe(0x0a);
          }
        },
      ),
    );
  });

  it("keeps only the last bytes of a chunk larger than the cap, and drops its cut line", () => {
    const logs = createLogBuffer({ maxBytesPerProcess: 10 });
    logs.write("web.1", "older\n", "stdout");
    logs.write("web.1", "a long first line\nlast\nend", "stdout");
    expect(texts(logs.tail())).toEqual(["web.1 last", "web.1 end"]);
  });

  it("does not pin the memory a small chunk is a view of", () => {
    const logs = createLogBuffer();
    const big = Buffer.alloc(1024 * 1024, "x");
    big.write("hello\n", 1000);
    logs.write("web.1", big.subarray(1000, 1006), "stdout");
    logs.write("web.1", "pooled\n", "stdout");
    for (const line of logs.tail()) expect(line.data.buffer.byteLength).toBeLessThan(1024);
    expect(texts(logs.tail())).toEqual(["web.1 hello", "web.1 pooled"]);
  });

  it("gives a follower a line that never ends in pieces of maxFollowLineBytes", () => {
    const logs = createLogBuffer({ maxFollowLineBytes: 8 });
    const seen: string[] = [];
    logs.follow(undefined, (l) => seen.push(l.data.toString()));
    logs.write("web.1", "abcdef", "stdout");
    logs.write("web.1", "ghijklmnopqrstuvwx", "stdout");
    logs.write("web.1", "yz\nnext\n", "stdout");
    expect(seen).toEqual(["abcdefgh", "ijklmnop", "qrstuvwx", "yz", "next"]);
    expect(texts(logs.tail())).toEqual(["web.1 abcdefghijklmnopqrstuvwxyz", "web.1 next"]);
  });

  it("loses no byte however random bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (input, cuts) => {
          const bytes = Buffer.concat([Buffer.from(input), Buffer.from("\n")]);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const logs = createLogBuffer();
          const followed: Buffer[] = [];
          logs.follow(undefined, (l) => followed.push(Buffer.from(l.data), Buffer.from("\n")));
          let last = 0;
          for (const p of [...points, bytes.length]) {
            logs.write("p.1", bytes.subarray(last, p), "stdout");
            last = p;
          }
          const tailed = logs.tail({ lines: 100_000 }).flatMap((l) => [l.data, Buffer.from("\n")]);
          expect(Buffer.concat(tailed)).toEqual(bytes);
          expect(Buffer.concat(followed)).toEqual(bytes);
        },
      ),
    );
  });
});
