import { EventEmitter } from "node:events";
import { holdUntilExit, releaseAtExit } from "./_at-exit.js";
import { ClockCache } from "./_clock.js";
import { processColor, SYSTEM_COLOR } from "./_colors.js";
import { OutputMuxError } from "./_error.js";
import { type Allocate, LineFramer } from "./_framer.js";
import { prefixBytes, prefixText } from "./_prefix.js";
import type { OutputMux, OutputMuxEvents, OutputMuxOptions, SourceOptions } from "./_types.js";

const EMPTY = new Uint8Array(0);

interface Corkable {
  cork(): void;
  uncork(): void;
}

interface Source {
  readonly stream: NodeJS.ReadableStream;
  readonly name: string;
  readonly color: string | undefined;
  readonly framer: LineFramer;
  prefix: Uint8Array;
  /** The clock second and name-width generation `prefix` was built for. */
  prefixSecond: number;
  prefixGeneration: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Counts 'data' events, so a deferred idle flush can tell that data came in meanwhile. */
  chunksSeen: number;
  done: boolean;
  readonly onData: (chunk: unknown) => void;
  readonly onEnd: () => void;
  readonly resolve: () => void;
}

function invalid(message: string, hint?: string): OutputMuxError {
  return new OutputMuxError(
    "OUTPUT_MUX_INVALID_OPTION",
    message,
    hint === undefined ? {} : { hint },
  );
}

function checkInteger(value: number, name: string, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw invalid(`output-mux: ${name} must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

function checkColorIndex(colorIndex: number | undefined): void {
  if (colorIndex !== undefined && !Number.isInteger(colorIndex)) {
    throw invalid(
      `output-mux: colorIndex must be an integer or undefined, got ${String(colorIndex)}`,
      "pass the process's position in the Procfile, e.g. 0 for the first",
    );
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === "string") return Buffer.from(chunk, "utf8");
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
  return Buffer.from(String(chunk), "utf8");
}

function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new OutputMuxError(
    "OUTPUT_MUX_WRITE_FAILED",
    `output-mux: output write failed: ${String(error)}`,
    {
      cause: error,
    },
  );
}

class Mux extends EventEmitter<OutputMuxEvents> implements OutputMux {
  readonly #output: NodeJS.WritableStream;
  readonly #color: boolean;
  readonly #timestamp: boolean;
  readonly #raw: boolean;
  readonly #partialLineFlushMs: number;
  readonly #maxLineBytes: number;
  readonly #now: () => number;
  readonly #clock = new ClockCache();
  readonly #sources = new Set<Source>();
  #nameWidth: number;
  #generation = 0;
  #paused = false;
  #failed = false;
  #pendingWrites = 0;
  #flushWaiters: Array<() => void> = [];
  /** The output's own memory for framed lines, when it offers some (a FileOutput does). */
  readonly #allocate: Allocate | undefined;
  /** The output, when options.batchWrites is on and it can cork. */
  readonly #batch: Corkable | undefined;
  /** Corked for this turn of the event loop; uncorked by setImmediate, flush() or a failure. */
  #corked = false;
  readonly #uncork = (): void => {
    if (!this.#corked) return;
    this.#corked = false;
    releaseAtExit(this.#uncork);
    this.#batch?.uncork();
    // Judged once for the whole batch: while corked every write "waits", and pausing on that
    // would stop the sources for nothing.
    if (this.#outputNeedsDrain()) this.#pause();
  };

  // Bound once: Writable batches the after-write callbacks of consecutive writes that pass the
  // same function, and no closure is allocated per write.
  readonly #onWritten = (error?: Error | null): void => {
    if (this.#pendingWrites > 0) this.#pendingWrites -= 1;
    if (error) this.#fail(error);
    else if (this.#pendingWrites === 0) this.#settleFlushes();
  };
  readonly #onOutputError = (error: unknown): void => this.#fail(error);
  readonly #onDrain = (): void => {
    if (!this.#paused || this.#failed) return;
    this.#paused = false;
    for (const source of this.#sources) {
      source.stream.resume();
      if (source.framer.pendingBytes > 0) this.#armIdleFlush(source);
    }
  };

  constructor(options: OutputMuxOptions) {
    super();
    if (
      options === null ||
      typeof options !== "object" ||
      typeof options.output?.write !== "function"
    ) {
      throw invalid(
        "output-mux: options.output must be a writable stream",
        "pass process.stdout or a stream from fs.createWriteStream()",
      );
    }
    this.#output = options.output;
    const reserve = (options.output as Partial<{ reserve: Allocate }>).reserve;
    this.#allocate =
      typeof reserve === "function" ? (bytes) => reserve.call(options.output, bytes) : undefined;
    this.#color = options.color ?? false;
    this.#timestamp = options.timestamp ?? true;
    this.#raw = options.raw ?? false;
    this.#nameWidth = checkInteger(options.nameWidth ?? 6, "nameWidth", 0);
    this.#maxLineBytes = checkInteger(options.maxLineBytes ?? 65536, "maxLineBytes", 1);
    const flushMs = options.partialLineFlushMs ?? 100;
    if (typeof flushMs !== "number" || Number.isNaN(flushMs) || flushMs < 0) {
      throw invalid(`output-mux: partialLineFlushMs must be a number ≥ 0, got ${String(flushMs)}`);
    }
    this.#partialLineFlushMs = flushMs;
    this.#now = options.now ?? Date.now;
    const corkable = options.output as unknown as Partial<Corkable>;
    this.#batch =
      options.batchWrites === true &&
      this.#allocate === undefined &&
      typeof corkable.cork === "function" &&
      typeof corkable.uncork === "function"
        ? (corkable as Corkable)
        : undefined;
    // Without an 'error' listener an EPIPE on process.stdout would crash the process.
    this.#output.on("error", this.#onOutputError);
  }

  get paused(): boolean {
    return this.#paused;
  }

  get pendingBytes(): number {
    let total = 0;
    for (const source of this.#sources) total += source.framer.pendingBytes;
    return total;
  }

  get pendingWrites(): number {
    return this.#pendingWrites;
  }

  addSource(stream: NodeJS.ReadableStream, options: SourceOptions): Promise<void> {
    if (typeof options?.name !== "string") {
      throw invalid('output-mux: addSource needs options.name (a string such as "web.1")');
    }
    checkColorIndex(options.colorIndex);
    return new Promise<void>((resolve) => {
      const source: Source = {
        stream,
        name: options.name,
        color:
          this.#color && options.colorIndex !== undefined
            ? processColor(options.colorIndex)
            : undefined,
        framer: new LineFramer(this.#maxLineBytes),
        prefix: EMPTY,
        prefixSecond: Number.NaN,
        prefixGeneration: -1,
        idleTimer: undefined,
        chunksSeen: 0,
        done: false,
        onData: (chunk) => this.#onData(source, chunk),
        onEnd: () => this.#finish(source),
        resolve,
      };
      // Stays attached after the source ends: an error emitted late must not go unhandled.
      stream.on("error", source.onEnd);
      const state = stream as Partial<{ readableEnded: boolean; destroyed: boolean }>;
      if (state.readableEnded === true || state.destroyed === true) {
        source.done = true;
        resolve();
        return;
      }
      this.#sources.add(source);
      // Paused before the 'data' listener goes on, so the stream does not start flowing.
      if (this.#paused) stream.pause();
      stream.on("data", source.onData);
      stream.on("end", source.onEnd);
      stream.on("close", source.onEnd);
      if (!this.#paused) stream.resume();
    });
  }

  line(name: string, message: string, colorIndex?: number): void {
    checkColorIndex(colorIndex);
    const color = this.#color && colorIndex !== undefined ? processColor(colorIndex) : undefined;
    this.#writeText(name, color, message);
  }

  system(message: string): void {
    this.#writeText("system", this.#color ? SYSTEM_COLOR : undefined, message);
  }

  setNameWidth(width: number): void {
    this.#nameWidth = checkInteger(width, "nameWidth", 0);
    this.#generation += 1;
  }

  flush(): Promise<void> {
    for (const source of this.#sources) this.#flushPartial(source);
    this.#uncork();
    if (this.#failed || this.#pendingWrites === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#flushWaiters.push(resolve));
  }

  #onData(source: Source, chunk: unknown): void {
    if (this.#failed || source.done) return;
    source.chunksSeen += 1;
    const framed = source.framer.frame(toBuffer(chunk), this.#prefixFor(source), this.#allocate);
    if (framed !== undefined) this.#write(framed);
    if (source.framer.pendingBytes > 0) this.#armIdleFlush(source);
  }

  #armIdleFlush(source: Source): void {
    // A source we paused is not idle: we are holding it. Its timer restarts on drain.
    if (this.#paused) return;
    if (source.idleTimer !== undefined) {
      source.idleTimer.refresh();
      return;
    }
    if (!Number.isFinite(this.#partialLineFlushMs)) return;
    source.idleTimer = setTimeout(() => this.#onIdle(source), this.#partialLineFlushMs);
    // A partial line waiting for its idle flush is no reason to keep the process alive; the
    // source's end flushes it anyway.
    source.idleTimer.unref();
  }

  /**
   * Timers run before the event loop reads its streams. After a stall (a busy machine, a long
   * GC) the rest of the line may already be waiting in the pipe when the timer fires; flushing
   * then would cut a line that was never idle. So look once more after the loop has read.
   */
  #onIdle(source: Source): void {
    const seen = source.chunksSeen;
    setImmediate(() => {
      if (source.done || this.#paused || source.chunksSeen !== seen) return;
      this.#flushPartial(source);
    });
  }

  #flushPartial(source: Source): void {
    if (this.#failed || source.framer.pendingBytes === 0) return;
    const out = source.framer.flushPartial(this.#prefixFor(source));
    if (out !== undefined) this.#write(out);
  }

  #finish(source: Source): void {
    if (source.done) return;
    source.done = true;
    if (source.idleTimer !== undefined) clearTimeout(source.idleTimer);
    source.stream.removeListener("data", source.onData);
    source.stream.removeListener("end", source.onEnd);
    source.stream.removeListener("close", source.onEnd);
    this.#flushPartial(source);
    this.#sources.delete(source);
    source.resolve();
  }

  #prefixFor(source: Source): Uint8Array {
    if (this.#raw) return EMPTY;
    if (!this.#timestamp) {
      if (source.prefixGeneration !== this.#generation) {
        source.prefix = this.#buildPrefix(source.name, source.color, undefined);
        source.prefixGeneration = this.#generation;
      }
      return source.prefix;
    }
    const second = ClockCache.secondOf(this.#now());
    if (second !== source.prefixSecond || source.prefixGeneration !== this.#generation) {
      source.prefix = this.#buildPrefix(source.name, source.color, this.#clock.textFor(second));
      source.prefixSecond = second;
      source.prefixGeneration = this.#generation;
    }
    return source.prefix;
  }

  #buildPrefix(name: string, color: string | undefined, clock: string | undefined): Uint8Array {
    return prefixBytes({ clock, name, nameWidth: this.#nameWidth, color });
  }

  #writeText(name: string, color: string | undefined, message: string): void {
    if (this.#failed) return;
    const prefix = this.#raw
      ? ""
      : prefixText({
          clock: this.#timestamp
            ? this.#clock.textFor(ClockCache.secondOf(this.#now()))
            : undefined,
          name,
          nameWidth: this.#nameWidth,
          color,
        });
    // A message is one line; embedded newlines start further prefixed lines, so nothing ever
    // reaches output without a prefix. One trailing newline is the line's own end.
    const body = message.endsWith("\n") ? message.slice(0, -1) : message;
    let text = "";
    for (const part of body.split("\n")) text += `${prefix}${part}\n`;
    this.#write(Buffer.from(text, "utf8"));
  }

  #write(bytes: Uint8Array): void {
    if (this.#failed) return;
    if (this.#batch !== undefined && !this.#corked) {
      this.#corked = true;
      this.#batch.cork();
      setImmediate(this.#uncork);
      holdUntilExit(this.#uncork);
    }
    this.#pendingWrites += 1;
    let accepted: boolean;
    try {
      accepted = this.#output.write(bytes, this.#onWritten);
    } catch (error) {
      this.#pendingWrites -= 1;
      this.#fail(error);
      return;
    }
    if (!accepted && !this.#corked && this.#outputBacklogged()) this.#pause();
  }

  #pause(): void {
    if (this.#paused || this.#failed) return;
    this.#paused = true;
    for (const source of this.#sources) {
      source.stream.pause();
      if (source.idleTimer !== undefined) clearTimeout(source.idleTimer);
      source.idleTimer = undefined;
    }
    this.#output.once("drain", this.#onDrain);
  }

  /** After an uncork: bytes still wait in output, and it has promised a 'drain' for them. */
  #outputNeedsDrain(): boolean {
    const state = this.#output as Partial<{ writableNeedDrain: boolean; writableLength: number }>;
    return state.writableNeedDrain === true && (state.writableLength ?? 0) > 0;
  }

  /**
   * A synchronous output (process.stdout on a file or TTY, or a pipe whose reader keeps up) says
   * `false` for any chunk above its highWaterMark even though it has already written it. Pausing
   * then would cost a pause/resume round trip per chunk for nothing: pause only when bytes
   * actually wait in the output (or when the output cannot say).
   */
  #outputBacklogged(): boolean {
    const length = (this.#output as Partial<{ writableLength: number }>).writableLength;
    return typeof length !== "number" || length > 0;
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#paused = false;
    if (this.#corked) {
      // What waits behind the cork fails with the output, through its callbacks.
      this.#corked = false;
      releaseAtExit(this.#uncork);
      try {
        this.#batch?.uncork();
      } catch {
        // a broken output: nothing more to hand it
      }
    }
    this.#output.removeListener("drain", this.#onDrain);
    // Keep reading (and dropping) so children never block on a full pipe.
    for (const source of this.#sources) {
      if (source.idleTimer !== undefined) clearTimeout(source.idleTimer);
      source.framer.discard();
      source.stream.resume();
    }
    this.#settleFlushes();
    // A write queued behind the one that failed reports only ERR_STREAM_DESTROYED; the stream
    // keeps the error that destroyed it (EPIPE), which is the one worth reporting.
    const reason = (this.#output as Partial<{ errored: unknown }>).errored ?? error;
    // Emitting 'error' with no listener would throw; the mux promises never to.
    if (this.listenerCount("error") > 0) this.emit("error", toError(reason));
  }

  #settleFlushes(): void {
    const waiters = this.#flushWaiters;
    if (waiters.length === 0) return;
    this.#flushWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Creates a mux that writes every source's lines, whole and prefixed, to `options.output`. */
export function createOutputMux(options: OutputMuxOptions): OutputMux {
  return new Mux(options);
}
