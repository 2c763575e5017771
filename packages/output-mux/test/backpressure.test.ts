import { Readable } from "node:stream";
import { createOutputMux } from "@foreman/output-mux";
import { describe, expect, it, vi } from "vitest";
import { Collector } from "./helpers.js";

/** A lazy source: `total` bytes of 100-byte lines (or no newline at all), made as they are read. */
function generated(total: number, lineBytes: number | undefined): Readable {
  const chunkBytes = 65536;
  const pattern = Buffer.alloc(chunkBytes * 2, "y");
  if (lineBytes !== undefined)
    for (let i = lineBytes - 1; i < pattern.length; i += lineBytes) pattern[i] = 10;
  let sent = 0;
  return new Readable({
    highWaterMark: chunkBytes,
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const n = Math.min(chunkBytes, total - sent);
      const offset = lineBytes === undefined ? 0 : sent % lineBytes;
      sent += n;
      this.push(pattern.subarray(offset, offset + n));
    },
  });
}

describe("memory stays bounded", () => {
  it("50 MB into a slow output: mux + output buffers stay small, every byte arrives", async () => {
    const total = 50 * 1024 * 1024;
    let peakBytes = 0;
    let peakWrites = 0;
    const output = new Collector({
      delayMs: 0, // a timer per write: the output is slower than the source
      onWrite: (collector) => {
        peakBytes = Math.max(peakBytes, mux.pendingBytes + collector.writableLength);
        peakWrites = Math.max(peakWrites, mux.pendingWrites);
        collector.chunks.length = 0; // keep the count, not the bytes
      },
    });
    const mux = createOutputMux({ output, timestamp: false, nameWidth: 0 });
    const source = generated(total, 100);
    const pause = vi.spyOn(source, "pause");
    await mux.addSource(source, { name: "a" });
    await mux.flush();

    const lines = total / 100;
    expect(output.bytes).toBe(total + lines * "a | ".length);
    expect(peakBytes).toBeLessThan(1024 * 1024);
    expect(peakWrites).toBeLessThan(64);
    expect(pause).toHaveBeenCalled();
  }, 60_000);

  it("a 64 MB line-less stream is written in maxLineBytes pieces without growing the mux", async () => {
    const total = 64 * 1024 * 1024;
    const maxLineBytes = 65536;
    let peakPending = 0;
    let pieces = 0;
    const output = new Collector({
      onWrite: (collector) => {
        peakPending = Math.max(peakPending, mux.pendingBytes);
        for (const chunk of collector.chunks) {
          for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, nl + 1)) pieces += 1;
        }
        collector.chunks.length = 0;
      },
    });
    const mux = createOutputMux({ output, raw: true, maxLineBytes });
    await mux.addSource(generated(total, undefined), { name: "blob" });
    await mux.flush();
    expect(pieces).toBe(total / maxLineBytes);
    expect(output.bytes).toBe(total + pieces);
    expect(peakPending).toBeLessThanOrEqual(maxLineBytes);
  }, 60_000);
});
