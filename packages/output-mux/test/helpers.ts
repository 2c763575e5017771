import type { ChildProcessByStdio } from "node:child_process";
import { once } from "node:events";
import type { Readable } from "node:stream";
import { Writable } from "node:stream";

export interface CollectorOptions {
  /** Delay each write's callback, to make a slow output (backpressure). */
  delayMs?: number;
  highWaterMark?: number;
  /** Called on every write with the collector, before the callback is scheduled. */
  onWrite?: (collector: Collector) => void;
}

/** A Writable that keeps every chunk, optionally slow; emits "chunk" after each write. */
export class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  bytes = 0;
  readonly #delayMs: number | undefined;
  readonly #onWrite: ((collector: Collector) => void) | undefined;

  constructor(options: CollectorOptions = {}) {
    super({ highWaterMark: options.highWaterMark ?? 16384 });
    this.#delayMs = options.delayMs;
    this.#onWrite = options.onWrite;
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.#onWrite?.(this);
    this.emit("chunk", chunk);
    if (this.#delayMs === undefined) callback();
    else setTimeout(callback, this.#delayMs);
  }

  buffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  text(): string {
    return this.buffer().toString("utf8");
  }

  /** Resolves once the collected text satisfies `predicate` (checked on every write). */
  waitFor(predicate: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      if (predicate(this.text())) {
        resolve(this.text());
        return;
      }
      const timer = setTimeout(() => {
        this.off("chunk", check);
        reject(new Error(`timed out waiting for output; got ${JSON.stringify(this.text())}`));
      }, timeoutMs);
      const check = (): void => {
        const text = this.text();
        if (!predicate(text)) return;
        clearTimeout(timer);
        this.off("chunk", check);
        resolve(text);
      };
      this.on("chunk", check);
    });
  }
}

/** A fixed clock: 12:34:56 local time today (formatClock of it is "12:34:56"). */
export function fixedClock(hours = 12, minutes = 34, seconds = 56): () => number {
  const date = new Date();
  date.setHours(hours, minutes, seconds, 0);
  const ms = date.getTime();
  return () => ms;
}

/** A child's stdout and stderr as text, and its exit code once it has ended ("exit" or "close"). */
export async function outputOf(
  child: ChildProcessByStdio<null, Readable, Readable>,
  until: "exit" | "close",
): Promise<{ stdout: string; stderr: string; code: unknown }> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once(child, until);
  return { stdout, stderr, code };
}
