import { Readable } from "node:stream";

/** A stream with no data that ends as soon as it is read: stands in for the pipes of a process that never started. */
export function emptyReadable(): Readable {
  return new Readable({
    read() {
      this.push(null);
    },
  });
}

/**
 * Resolves once the stream has ended (every byte was read) or was closed or failed; never rejects.
 * Listening for "error" here also keeps a pipe error from crashing the program when the consumer
 * attached no handler of its own.
 */
export function streamDone(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("end", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", () => {});
  });
}
