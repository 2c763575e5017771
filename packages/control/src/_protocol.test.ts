import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ControlError } from "./index.js";
import { createMessageDecoder, encodeMessage } from "./index.js";

function decodeAll(chunks: Buffer[], maxMessageBytes = 1024) {
  const messages: unknown[] = [];
  const errors: ControlError[] = [];
  const decoder = createMessageDecoder({
    maxMessageBytes,
    onMessage: (m) => messages.push(m),
    onError: (e) => errors.push(e),
  });
  for (const chunk of chunks) decoder.push(chunk);
  return { messages, errors };
}

describe("createMessageDecoder", () => {
  it.each([
    ["one message", ['{"id":1}\n'], [{ id: 1 }]],
    ["two in one chunk", ['{"id":1}\n{"id":2}\n'], [{ id: 1 }, { id: 2 }]],
    ["split across chunks", ['{"i', 'd":1', '}\n{"id"', ":2}\n"], [{ id: 1 }, { id: 2 }]],
    ["blank lines skipped", ['\n\n{"id":1}\n\n'], [{ id: 1 }]],
    ["no newline yet", ['{"id":1}'], []],
    [
      "a newline inside a string is escaped",
      [encodeMessage({ id: 3, event: "a\nb" })],
      [{ id: 3, event: "a\nb" }],
    ],
  ])("%s", (_name, chunks, expected) => {
    const { messages, errors } = decodeAll(chunks.map((c) => Buffer.from(c)));
    expect(errors).toEqual([]);
    expect(messages).toEqual(expected);
  });

  it("reports a line that is not JSON once, then ignores the rest", () => {
    const { messages, errors } = decodeAll([Buffer.from('nope\n{"id":1}\n')]);
    expect(messages).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(["CONTROL_BAD_MESSAGE"]);
  });

  it("reports a line longer than the limit, even before its newline arrives", () => {
    const { errors } = decodeAll(
      [Buffer.from("x".repeat(600)), Buffer.from("y".repeat(600))],
      1000,
    );
    expect(errors.map((e) => e.code)).toEqual(["CONTROL_BAD_MESSAGE"]);
    expect(errors[0]?.message).toContain("1000 bytes");
  });

  it("decodes any messages, however the bytes are cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.nat(), event: fc.jsonValue() }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (messages, cuts) => {
          const bytes = Buffer.from(messages.map((m) => encodeMessage(m)).join(""));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(last, p));
            last = p;
          }
          const decoded = decodeAll(chunks, 1 << 20);
          expect(decoded.errors).toEqual([]);
          // JSON round trip: -0 becomes 0, as it would on the wire.
          expect(decoded.messages).toEqual(JSON.parse(JSON.stringify(messages)));
        },
      ),
    );
  });
});
