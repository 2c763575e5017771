import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { emptyReadable, streamDone } from "./_streams.js";

describe("emptyReadable", () => {
  it("yields nothing and ends when read", async () => {
    const chunks: unknown[] = [];
    for await (const chunk of emptyReadable()) chunks.push(chunk);
    expect(chunks).toEqual([]);
  });
});

describe("streamDone", () => {
  it("resolves after the last byte has been read", async () => {
    const stream = new PassThrough();
    let read = "";
    stream.on("data", (chunk) => {
      read += chunk;
    });
    const done = streamDone(stream).then(() => read);
    stream.end("all of it");
    expect(await done).toBe("all of it");
  });

  it.each([
    ["destroyed", (stream: PassThrough) => stream.destroy()],
    ["failed", (stream: PassThrough) => stream.destroy(new Error("EPIPE"))],
  ])("resolves (never rejects) when the stream is %s", async (_label, finish) => {
    const stream = new PassThrough();
    const done = streamDone(stream);
    finish(stream);
    await expect(done).resolves.toBeUndefined();
  });

  it("resolves at once for a stream that already ended", async () => {
    const stream = emptyReadable();
    stream.resume();
    await new Promise((resolve) => stream.once("end", resolve));
    await expect(streamDone(stream)).resolves.toBeUndefined();
  });
});
