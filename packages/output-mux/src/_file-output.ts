import { EventEmitter } from "node:events";
import { fstatSync, write, writeSync, writev } from "node:fs";
import { holdUntilExit, releaseAtExit } from "./_at-exit.js";
import { OutputMuxError } from "./_error.js";

export interface FileOutputOptions {
  /**
   * `write()` returns false once this many bytes wait to be written, and "drain" follows when
   * fewer do again. Default 1 MiB: enough to keep the disk busy while the next batch is framed,
   * small enough that a slow disk pauses the sources soon.
   */
  highWaterMarkBytes?: number;
}

/** The part of a Writable that output-mux and a CLI writing text need, over a file descriptor. */
export interface FileOutput extends NodeJS.WritableStream {
  readonly fd: number;
  readonly isTTY: false;
  /** Bytes handed to write() and not yet on the file. */
  readonly writableLength: number;
  readonly writableHighWaterMark: number;
  /**
   * Room for `bytes` bytes that the caller fills and then passes to write() as they are: they
   * are written from there, without a copy. Used by output-mux for framed lines.
   */
  reserve(bytes: number): Buffer;
  /** Resolves once everything written so far is on the file (or writing has failed). */
  flush(): Promise<void>;
}

type Callback = ((error?: Error | null) => void) | undefined;

type WriteDone = (error: NodeJS.ErrnoException | null, written: number) => void;

/** The two fs calls FdOutput makes; tests pass fakes (a short write is hard to get from a disk). */
export interface FdWriter {
  write(fd: number, chunk: Uint8Array, done: WriteDone): void;
  writev(fd: number, chunks: Uint8Array[], done: WriteDone): void;
}

const fsWriter: FdWriter = {
  write: (fd, chunk, done) => write(fd, chunk, 0, chunk.length, null, done),
  writev: (fd, chunks, done) => writev(fd, chunks as NodeJS.ArrayBufferView[], null, done),
};

/** A reused block of memory that output is staged in; free again once nothing in it is queued. */
interface Slab {
  readonly buffer: Buffer;
  /** Queued or in-flight regions in it, plus one while it is the slab being filled. */
  refs: number;
}

interface Batch {
  chunks: Uint8Array[];
  /** The slab each chunk lives in (undefined: a caller's buffer, written as given). */
  slabs: Array<Slab | undefined>;
  callbacks: Callback[];
  bytes: number;
}

const EMPTY_BATCH = (): Batch => ({ chunks: [], slabs: [], callbacks: [], bytes: 0 });

const SLAB_BYTES = 1024 * 1024;
/** Above this, data is not copied into a slab but written from the caller's buffer. */
const COPY_LIMIT_BYTES = SLAB_BYTES / 4;
const SPARE_SLABS = 4;

/** What an exit needs to know of the file behind `fd` (see FdOutput's #writeQueuedNow). */
interface FileState {
  /** Device and inode: an exit never writes into whatever reused a closed fd's number. */
  identity: string;
  regular: boolean;
  size: number;
}

function fileStateOf(fd: number): FileState | undefined {
  try {
    const stats = fstatSync(fd, { bigint: true });
    return {
      identity: `${stats.dev}:${stats.ino}`,
      regular: stats.isFile(),
      size: Number(stats.size),
    };
  } catch {
    return undefined;
  }
}

/**
 * How long an exit waits for a write in flight to reach the file before writing the queue behind
 * it anyway: a healthy disk takes milliseconds; one that takes longer is stuck, and the queue is
 * then better written out of order than lost.
 */
const IN_FLIGHT_WAIT_MS = 2000;

/** Blocks the thread for `ms` (the event loop no longer runs at exit, so nothing is missed). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `fd` is a regular file (not a pipe, socket, terminal or device). */
export function isRegularFile(fd: number): boolean {
  return fileStateOf(fd)?.regular === true;
}

/**
 * Writes to a file descriptor from the threadpool, one write at a time, taking everything queued
 * meanwhile as one writev.
 *
 * Why: for a file, `process.stdout` writes synchronously on the main thread, so the disk and the
 * line framing take turns. Here the framing of the next chunks overlaps the write of the last
 * ones, and a burst of small writes (several sources, exit lines) becomes one system call. Only
 * for regular files: a pipe or a terminal needs process.stdout's EPIPE and blocking behaviour.
 * Call `flush()` before exiting; a process that ends without it gets its queue written from its
 * 'exit' handlers (see #writeQueuedNow).
 *
 * Output is staged in 1 MiB slabs that are reused once written: consecutive writes land next to
 * each other (a writev of one or two long pieces rather than hundreds), and no fresh memory is
 * allocated, faulted in and collected for every chunk.
 */
export class FdOutput extends EventEmitter implements FileOutput {
  readonly fd: number;
  readonly isTTY = false as const;
  readonly writableHighWaterMark: number;
  #queue: Batch = EMPTY_BATCH();
  #inFlight: Batch | undefined;
  #failed: Error | undefined;
  #needDrain = false;
  #idleWaiters: Array<() => void> = [];
  readonly #writer: FdWriter;
  #slab: Slab | undefined;
  #slabUsed = 0;
  #spare: Slab[] = [];
  /** The last reservation: where it starts in the current slab, and its length. */
  #reservedAt = -1;
  #reservedBytes = 0;
  #startScheduled = false;
  /** Of the file at construction, when writing through fs (see #writeQueuedNow); else undefined. */
  readonly #file: FileState | undefined;
  /**
   * The file's size once every write completed so far is on it, when this output alone writes to
   * the file and at its end (as `>` and `>>` make it): how an exit tells that the write in flight
   * has landed.
   */
  #sizeWritten = 0;
  /**
   * At exit (see _at-exit.ts): what is queued, written synchronously. Node finishes a write in
   * flight on the threadpool during its teardown, after these handlers, so writing the queue at
   * once could put it before that write: the handler first waits until the file has grown by the
   * write in flight (at most IN_FLIGHT_WAIT_MS). Not behind a write in flight to something other
   * than a regular file (no size to watch; FileOutput is meant for files), and not into another
   * file that took a closed fd's number.
   */
  readonly #writeQueuedNow = (): void => {
    releaseAtExit(this.#writeQueuedNow);
    const file = this.#file;
    if (file === undefined || this.#failed !== undefined) return;
    const inFlight = this.#inFlight;
    if (inFlight !== undefined) {
      if (!file.regular) return;
      const landed = this.#sizeWritten + inFlight.bytes;
      const deadline = Date.now() + IN_FLIGHT_WAIT_MS;
      while ((fileStateOf(this.fd)?.size ?? Number.POSITIVE_INFINITY) < landed) {
        if (Date.now() >= deadline) break;
        sleepSync(1);
      }
    }
    if (fileStateOf(this.fd)?.identity !== file.identity) return;
    try {
      for (const piece of joinAdjacent(this.#queue.chunks)) {
        let done = 0;
        while (done < piece.length) done += writeSync(this.fd, piece, done, piece.length - done);
      }
      this.#queue = EMPTY_BATCH();
    } catch {
      // The process is ending; there is no one left to tell.
    }
  };
  readonly #startLater = (): void => {
    this.#startScheduled = false;
    if (this.#inFlight === undefined) this.#start();
  };

  constructor(fd: number, options: FileOutputOptions = {}, writer: FdWriter = fsWriter) {
    super();
    this.#writer = writer;
    if (!Number.isInteger(fd) || fd < 0) {
      throw new OutputMuxError(
        "OUTPUT_MUX_INVALID_OPTION",
        `output-mux: createFileOutput needs a file descriptor, got ${String(fd)}`,
        { hint: "e.g. createFileOutput(1) for stdout redirected to a file" },
      );
    }
    const hwm = options.highWaterMarkBytes ?? 1024 * 1024;
    if (!Number.isInteger(hwm) || hwm < 1) {
      throw new OutputMuxError(
        "OUTPUT_MUX_INVALID_OPTION",
        `output-mux: highWaterMarkBytes must be an integer ≥ 1, got ${String(hwm)}`,
      );
    }
    this.fd = fd;
    this.writableHighWaterMark = hwm;
    // A test's fake writer has no file behind it to finish at exit.
    this.#file = writer === fsWriter ? fileStateOf(fd) : undefined;
    this.#sizeWritten = this.#file?.size ?? 0;
  }

  get writable(): boolean {
    return this.#failed === undefined;
  }

  get writableLength(): number {
    return this.#queue.bytes + (this.#inFlight?.bytes ?? 0);
  }

  reserve(bytes: number): Buffer {
    if (bytes > COPY_LIMIT_BYTES) {
      this.#reservedAt = -1;
      return Buffer.allocUnsafe(bytes);
    }
    if (this.#slab === undefined || this.#slabUsed + bytes > SLAB_BYTES) this.#nextSlab();
    const slab = this.#slab as Slab;
    // Taken now, committed by write(): a second reservation never overlaps an unwritten first.
    this.#reservedAt = this.#slabUsed;
    this.#reservedBytes = bytes;
    this.#slabUsed += bytes;
    return slab.buffer.subarray(this.#reservedAt, this.#reservedAt + bytes);
  }

  write(chunk: Uint8Array | string, callback?: (error?: Error | null) => void): boolean;
  write(
    chunk: Uint8Array | string,
    encoding?: BufferEncoding,
    callback?: (error?: Error | null) => void,
  ): boolean;
  write(
    chunk: Uint8Array | string,
    encodingOrCallback?: BufferEncoding | ((error?: Error | null) => void),
    maybeCallback?: (error?: Error | null) => void,
  ): boolean {
    const callback = typeof encodingOrCallback === "function" ? encodingOrCallback : maybeCallback;
    if (this.#failed !== undefined) {
      const error = this.#failed;
      if (callback !== undefined) process.nextTick(callback, error);
      return false;
    }
    let bytes: Uint8Array;
    let slab: Slab | undefined;
    if (typeof chunk === "string") {
      const encoding = typeof encodingOrCallback === "string" ? encodingOrCallback : "utf8";
      const length = Buffer.byteLength(chunk, encoding);
      bytes = this.reserve(length);
      (bytes as Buffer).write(chunk, 0, length, encoding);
      slab = this.#committed(bytes);
    } else if (this.#isReservation(chunk)) {
      bytes = chunk;
      slab = this.#committed(chunk);
    } else if (chunk.length <= COPY_LIMIT_BYTES) {
      bytes = this.reserve(chunk.length);
      bytes.set(chunk);
      slab = this.#committed(bytes);
    } else {
      bytes = chunk;
    }
    this.#queue.chunks.push(bytes);
    this.#queue.slabs.push(slab);
    this.#queue.callbacks.push(callback);
    this.#queue.bytes += bytes.length;
    if (this.#file !== undefined) holdUntilExit(this.#writeQueuedNow);
    // Not at once: everything written in this turn of the event loop (the chunks of every source
    // that had data) goes out as one writev. Each write wakes a threadpool thread, which on a
    // small machine takes the CPU from the framing for a moment.
    if (this.#inFlight === undefined && !this.#startScheduled) {
      this.#startScheduled = true;
      setImmediate(this.#startLater);
    }
    const ok = this.writableLength < this.writableHighWaterMark;
    if (!ok) this.#needDrain = true;
    return ok;
  }

  end(callback?: () => void): this;
  end(chunk: Uint8Array | string, callback?: () => void): this;
  end(chunk: string, encoding?: BufferEncoding, callback?: () => void): this;
  end(
    chunkOrCallback?: Uint8Array | string | (() => void),
    encodingOrCallback?: BufferEncoding | (() => void),
    maybeCallback?: () => void,
  ): this {
    // Ends nothing but the writing: fd stays open (it is usually stdout, which is not ours).
    const callback = [chunkOrCallback, encodingOrCallback, maybeCallback].find(
      (a) => typeof a === "function",
    ) as (() => void) | undefined;
    if (typeof chunkOrCallback === "string" || chunkOrCallback instanceof Uint8Array) {
      this.write(
        chunkOrCallback as string,
        typeof encodingOrCallback === "string" ? encodingOrCallback : "utf8",
      );
    }
    void this.flush().then(() => {
      this.emit("finish");
      callback?.();
    });
    return this;
  }

  flush(): Promise<void> {
    if (this.#failed !== undefined || this.writableLength === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #isReservation(chunk: Uint8Array): boolean {
    const slab = this.#slab;
    return (
      slab !== undefined &&
      this.#reservedAt >= 0 &&
      chunk.buffer === slab.buffer.buffer &&
      chunk.byteOffset === slab.buffer.byteOffset + this.#reservedAt &&
      chunk.length <= this.#reservedBytes
    );
  }

  /** Marks the last reservation as queued; returns its slab, which now holds one more ref. */
  #committed(bytes: Uint8Array): Slab | undefined {
    if (this.#reservedAt < 0) return undefined; // a big one-off buffer
    this.#reservedAt = -1;
    const slab = this.#slab as Slab;
    if (bytes.length === 0) return undefined;
    slab.refs += 1;
    return slab;
  }

  #nextSlab(): void {
    const full = this.#slab;
    this.#slab = undefined;
    if (full !== undefined) this.#release(full);
    const slab = this.#spare.pop() ?? { buffer: Buffer.allocUnsafeSlow(SLAB_BYTES), refs: 0 };
    slab.refs = 1;
    this.#slab = slab;
    this.#slabUsed = 0;
    this.#reservedAt = -1;
  }

  #release(slab: Slab): void {
    slab.refs -= 1;
    if (slab.refs === 0 && slab !== this.#slab && this.#spare.length < SPARE_SLABS) {
      this.#spare.push(slab);
    }
  }

  #start(): void {
    const batch = this.#queue;
    if (batch.chunks.length === 0) return;
    this.#queue = EMPTY_BATCH();
    this.#inFlight = batch;
    const done = (error: NodeJS.ErrnoException | null, written: number): void =>
      this.#done(batch, error, written);
    const pieces = joinAdjacent(batch.chunks);
    if (pieces.length === 0) process.nextTick(done, null, 0);
    else if (pieces.length === 1) this.#writer.write(this.fd, pieces[0] as Uint8Array, done);
    else this.#writer.writev(this.fd, pieces, done);
  }

  #done(batch: Batch, error: NodeJS.ErrnoException | null, written: number): void {
    this.#inFlight = undefined;
    if (error !== null) {
      this.#fail(error, batch);
      return;
    }
    // A regular file takes everything unless the disk is full or a limit is hit; whatever it
    // did not take goes back to the front of the queue, and the next write reports the reason.
    this.#sizeWritten += written;
    let left = written;
    let i = 0;
    for (; i < batch.chunks.length; i++) {
      const chunk = batch.chunks[i] as Uint8Array;
      if (left < chunk.length) break;
      left -= chunk.length;
      const slab = batch.slabs[i];
      if (slab !== undefined) this.#release(slab);
      batch.callbacks[i]?.(null);
    }
    if (i < batch.chunks.length) {
      const rest = batch.chunks.slice(i);
      rest[0] = (rest[0] as Uint8Array).subarray(left);
      this.#queue = {
        chunks: [...rest, ...this.#queue.chunks],
        slabs: [...batch.slabs.slice(i), ...this.#queue.slabs],
        callbacks: [...batch.callbacks.slice(i), ...this.#queue.callbacks],
        bytes: rest.reduce((n, c) => n + c.length, 0) + this.#queue.bytes,
      };
    }
    if (this.#queue.chunks.length > 0) this.#start();
    if (this.#needDrain && this.writableLength < this.writableHighWaterMark) {
      this.#needDrain = false;
      this.emit("drain");
    }
    if (this.writableLength === 0) this.#settle();
  }

  #fail(error: NodeJS.ErrnoException, batch: Batch): void {
    this.#failed = error;
    const queued = this.#queue;
    this.#queue = EMPTY_BATCH();
    for (const callback of [...batch.callbacks, ...queued.callbacks]) callback?.(error);
    this.#settle();
    // Every callback has the error already; an 'error' with no listener would throw instead.
    if (this.listenerCount("error") > 0) this.emit("error", error);
  }

  #settle(): void {
    releaseAtExit(this.#writeQueuedNow);
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Chunks that follow each other in memory (consecutive slab regions) become one piece. */
function joinAdjacent(chunks: readonly Uint8Array[]): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let last: Uint8Array | undefined;
  for (const chunk of chunks) {
    if (chunk.length === 0) continue;
    if (
      last !== undefined &&
      last.buffer === chunk.buffer &&
      last.byteOffset + last.length === chunk.byteOffset
    ) {
      last = new Uint8Array(last.buffer, last.byteOffset, last.length + chunk.length);
      pieces[pieces.length - 1] = last;
    } else {
      last = chunk;
      pieces.push(chunk);
    }
  }
  return pieces;
}

/**
 * A Writable-like output over `fd` that writes from the threadpool (see FdOutput). Meant for
 * stdout when it is a regular file: `isRegularFile(1) ? createFileOutput(1) : process.stdout`.
 * Call `flush()` before the process exits.
 */
export function createFileOutput(fd: number, options?: FileOutputOptions): FileOutput {
  return new FdOutput(fd, options);
}
