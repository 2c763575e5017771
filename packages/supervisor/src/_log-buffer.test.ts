import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLogBuffer, type LogLine } from "./index.js";

const texts = (lines: LogLine[]) => lines.map((l) => `${l.name} ${l.text}`);

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
    const stop = logs.follow(["web.1"], (l) => seen.push(`${l.stream} ${l.text}`));
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
          logs.follow(undefined, (l) => followed.push(l.text));
          let last = 0;
          for (const p of [...points, bytes.length]) {
            logs.write("p.1", bytes.subarray(last, p), "stdout");
            last = p;
          }
          expect(logs.tail({ lines: 1000 }).map((l) => l.text)).toEqual(lines);
          expect(followed).toEqual(lines);
        },
      ),
    );
  });
});
