import type { EventEmitter } from "node:events";

export interface OutputMuxOptions {
  /** Usually process.stdout; may be a file stream or a pipe. */
  output: NodeJS.WritableStream;
  /** Colour the prefixes. Default false: the caller decides (TTY, NO_COLOR, FORCE_COLOR). */
  color?: boolean;
  /** Start each line with "HH:MM:SS " in local time. Default true. */
  timestamp?: boolean;
  /** No prefix at all, message bytes only (still whole lines). Default false. */
  raw?: boolean;
  /** Names are padded with spaces to this width. Default 6. */
  nameWidth?: number;
  /**
   * A partial line (no newline yet) is written, with a `\n` added, after this much idle time on
   * its source; always at the source's end. Default 100. `Infinity` = only at the end.
   */
  partialLineFlushMs?: number;
  /** A longer line is written in pieces of this many bytes, each with the prefix. Default 65536. */
  maxLineBytes?: number;
  /** Clock for timestamps (tests). Default Date.now. */
  now?: () => number;
  /**
   * Hand everything written in one turn of the event loop to output at once, at the end of the
   * turn (`cork()`, then `uncork()` from setImmediate: a socket, pipe or terminal gets one writev
   * instead of a system call per line or chunk). Default false: each line is written at once, so
   * it is on output when `line()` returns. With it, `flush()` hands the batch over at once; a
   * process that ends mid-turn (an uncaught exception, `process.exit()`) hands it over from its
   * 'exit' handlers, which a synchronous output (process.stdout on a pipe, terminal or file, on
   * Linux) still writes. Ignored for an output without cork/uncork, and for one that batches by
   * itself (a FileOutput).
   */
  batchWrites?: boolean;
}

export interface SourceOptions {
  /** The name in the prefix, e.g. "web.1". */
  name: string;
  /** Index into PROCESS_COLORS, cycling; undefined = no colour. */
  colorIndex?: number;
}

export interface OutputMuxEvents {
  /**
   * An output write error (EPIPE when `foreman start | head -1` closes the pipe), emitted once
   * and as the output reported it. Afterwards the mux drops further output silently.
   */
  error: [error: Error];
}

export interface OutputMux extends EventEmitter<OutputMuxEvents> {
  /**
   * Reads `stream` until it ends. Resolves once the stream has ended and its last partial line has
   * been handed to output. Never rejects: a stream error ends the source.
   */
  addSource(stream: NodeJS.ReadableStream, options: SourceOptions): Promise<void>;
  /** One whole line under a name; a `\n` inside `message` starts another prefixed line. */
  line(name: string, message: string, colorIndex?: number): void;
  /** A line under the name "system" (bold white when coloured). */
  system(message: string): void;
  setNameWidth(width: number): void;
  /**
   * Hands every partial line to output (with a `\n` added) and resolves once output has finished
   * every write made so far, or has failed. Use before process exit.
   */
  flush(): Promise<void>;
  /** True while output is applying backpressure (every source is paused). */
  readonly paused: boolean;
  /** Bytes held inside the mux: the partial lines of all sources. */
  readonly pendingBytes: number;
  /** Writes handed to output whose callback has not run yet. */
  readonly pendingWrites: number;
}
