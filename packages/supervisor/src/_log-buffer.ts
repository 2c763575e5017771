export type LogStream = "stdout" | "stderr" | "system";

export interface LogLine {
  /** Order of arrival across every process; lines of one chunk share it. */
  seq: number;
  /** Wall-clock time the chunk arrived (ms since the epoch). */
  timeMs: number;
  name: string;
  stream: LogStream;
  /**
   * The line's bytes exactly as the process wrote them, without the `\n` that ended it: invalid
   * UTF-8, escape sequences and a `\r` before the `\n` are kept. It may share memory with the
   * chunk the buffer keeps: read it, never write to it.
   */
  data: Buffer;
}

export interface LogBufferOptions {
  /**
   * Default 262 144 (256 KiB): the output kept per process, in bytes. Older chunks are dropped
   * whole; a single chunk larger than this keeps only its last bytes.
   */
  maxBytesPerProcess?: number;
  /**
   * Default 65 536: a follower gets a line without `\n` that grew this long in pieces of this
   * size, so a process that never ends its line cannot grow the buffer's memory.
   */
  maxFollowLineBytes?: number;
  /** Wall clock for `timeMs`. Default `Date.now`. */
  now?: () => number;
}

export interface TailOptions {
  /** Only these processes (instance names). Default: all. */
  names?: readonly string[];
  /** At most this many lines, the most recent. Default 100. */
  lines?: number;
}

export interface LogBuffer {
  /** A chunk of a process's output, as it came (any cut). O(1): lines are split only when read. */
  write(name: string, data: Buffer | string, stream: "stdout" | "stderr"): void;
  /** A whole line about a process from its manager ("exited with code 1"); `\n` starts another. */
  note(name: string, message: string): void;
  tail(options?: TailOptions): LogLine[];
  /** Calls `listener` with every complete line from now on; returns the unsubscribe function. */
  follow(names: readonly string[] | undefined, listener: (line: LogLine) => void): () => void;
  /** The names that have output kept, in order of first output. */
  names(): string[];
}

interface Chunk {
  seq: number;
  timeMs: number;
  stream: LogStream;
  /** A Buffer for output, a string for a note (one or more lines, no trailing `\n`). */
  data: Buffer | string;
  bytes: number;
}

interface ProcessLog {
  chunks: Chunk[];
  head: number;
  bytes: number;
  /** Streams whose oldest kept chunk may start in the middle of a line. */
  truncated: Set<LogStream>;
}

/** The start of a line still waiting for its `\n`. */
interface Carry {
  pieces: Buffer[];
  bytes: number;
  seq: number;
  timeMs: number;
}

interface Follower {
  names: ReadonlySet<string> | undefined;
  listener: (line: LogLine) => void;
}

const DEFAULT_MAX_BYTES_PER_PROCESS = 256 * 1024;
const DEFAULT_MAX_FOLLOW_LINE_BYTES = 64 * 1024;
const NEWLINE = 0x0a;
const EMPTY = Buffer.alloc(0);

/**
 * A chunk the ring can keep without holding more memory than its length. Pipes hand over
 * right-sized buffers, kept as they are; a small view into a large allocation (Buffer's 8 KiB
 * pool, a slice of a big read) would pin all of it, so it is copied.
 */
function ownBytes(data: Buffer, maxBytes: number): Buffer {
  const kept = data.length > maxBytes ? data.subarray(data.length - maxBytes) : data;
  if (kept.buffer.byteLength <= kept.length * 2) return kept;
  const copy = Buffer.allocUnsafeSlow(kept.length);
  kept.copy(copy);
  return copy;
}

function joined(carry: Carry, last: Buffer): Buffer {
  if (carry.pieces.length === 0) return last;
  return Buffer.concat([...carry.pieces, last], carry.bytes + last.length);
}

/**
 * The recent output of every process, bounded per process by bytes. Chunks are stored as they
 * arrive (no copying or decoding on the hot path); `tail` splits them into lines on demand, on
 * the bytes: `\n` never occurs inside a multi-byte UTF-8 character, so no decoding is needed and
 * none is done.
 */
export function createLogBuffer(options: LogBufferOptions = {}): LogBuffer {
  const maxBytes = options.maxBytesPerProcess ?? DEFAULT_MAX_BYTES_PER_PROCESS;
  const maxFollowLineBytes = options.maxFollowLineBytes ?? DEFAULT_MAX_FOLLOW_LINE_BYTES;
  const now = options.now ?? Date.now;
  const logs = new Map<string, ProcessLog>();
  const followers = new Set<Follower>();
  // Partial lines per `name\0stream`, kept only while someone follows.
  const carries = new Map<string, Carry>();
  let seq = 0;

  const logOf = (name: string): ProcessLog => {
    let log = logs.get(name);
    if (log === undefined) {
      log = { chunks: [], head: 0, bytes: 0, truncated: new Set() };
      logs.set(name, log);
    }
    return log;
  };

  const store = (name: string, chunk: Chunk): void => {
    const log = logOf(name);
    log.chunks.push(chunk);
    log.bytes += chunk.bytes;
    while (log.bytes > maxBytes && log.chunks.length - log.head > 1) {
      const dropped = log.chunks[log.head] as Chunk;
      log.chunks[log.head] = undefined as unknown as Chunk;
      log.head += 1;
      log.bytes -= dropped.bytes;
      log.truncated.add(dropped.stream);
    }
    // Compact now and then instead of shifting on every drop.
    if (log.head > 1024 && log.head * 2 > log.chunks.length) {
      log.chunks = log.chunks.slice(log.head);
      log.head = 0;
    }
  };

  const emit = (line: LogLine): void => {
    for (const f of followers) {
      if (f.names === undefined || f.names.has(line.name)) f.listener(line);
    }
  };

  const flushCarries = (name: string): void => {
    for (const stream of ["stdout", "stderr"] as const) {
      const key = `${name}\u0000${stream}`;
      const carry = carries.get(key);
      if (carry !== undefined && carry.bytes > 0) {
        emit({ seq: carry.seq, timeMs: carry.timeMs, name, stream, data: joined(carry, EMPTY) });
      }
      carries.delete(key);
    }
  };

  const wanted = (name: string): boolean => {
    for (const f of followers) if (f.names === undefined || f.names.has(name)) return true;
    return false;
  };

  return {
    write(name, data, stream) {
      if (data.length === 0) return;
      const all = typeof data === "string" ? Buffer.from(data) : data;
      const kept = ownBytes(all, maxBytes);
      seq += 1;
      const chunk: Chunk = { seq, timeMs: now(), stream, data: kept, bytes: kept.length };
      // Cut to its last maxBytes: the line it cut into is not whole any more.
      if (kept.length < all.length) logOf(name).truncated.add(stream);
      store(name, chunk);
      if (followers.size === 0 || !wanted(name)) return;
      // A follower gets everything the process wrote, not only what the ring kept of it.
      const key = `${name}\u0000${stream}`;
      let carry = carries.get(key);
      let start = 0;
      for (let nl = all.indexOf(NEWLINE); nl !== -1; nl = all.indexOf(NEWLINE, start)) {
        const piece = all.subarray(start, nl);
        start = nl + 1;
        if (carry === undefined) {
          emit({ seq: chunk.seq, timeMs: chunk.timeMs, name, stream, data: piece });
        } else {
          emit({ seq: carry.seq, timeMs: carry.timeMs, name, stream, data: joined(carry, piece) });
          carry = undefined;
        }
      }
      if (start < all.length) {
        carry ??= { pieces: [], bytes: 0, seq: chunk.seq, timeMs: chunk.timeMs };
        // Copied: a few bytes of carry must not pin a whole chunk the ring has already dropped.
        const rest = Buffer.from(all.subarray(start));
        carry.pieces.push(rest);
        carry.bytes += rest.length;
        while (carry !== undefined && carry.bytes >= maxFollowLineBytes) {
          const whole = joined(carry, EMPTY);
          emit({
            seq: carry.seq,
            timeMs: carry.timeMs,
            name,
            stream,
            data: whole.subarray(0, maxFollowLineBytes),
          });
          const left = whole.subarray(maxFollowLineBytes);
          carry =
            left.length === 0
              ? undefined
              : { pieces: [left], bytes: left.length, seq: chunk.seq, timeMs: chunk.timeMs };
        }
      }
      if (carry === undefined) carries.delete(key);
      else carries.set(key, carry);
    },

    note(name, message) {
      seq += 1;
      const text = message.endsWith("\n") ? message.slice(0, -1) : message;
      const timeMs = now();
      store(name, {
        seq,
        timeMs,
        stream: "system",
        data: text,
        bytes: Buffer.byteLength(text) + 1,
      });
      if (followers.size === 0) return;
      // The output before it comes first, even an unfinished last line.
      flushCarries(name);
      for (const line of text.split("\n"))
        emit({ seq, timeMs, name, stream: "system", data: Buffer.from(line) });
    },

    tail(tailOptions = {}) {
      const limit = tailOptions.lines ?? 100;
      if (limit <= 0) return [];
      const selected = tailOptions.names === undefined ? [...logs.keys()] : tailOptions.names;
      const lines: LogLine[] = [];
      for (const name of selected) {
        const log = logs.get(name);
        if (log !== undefined) lines.push(...linesOf(name, log));
      }
      // Stable: lines of one chunk keep their order.
      lines.sort((a, b) => a.seq - b.seq);
      return lines.slice(-limit);
    },

    follow(names, listener) {
      const follower: Follower = {
        names: names === undefined ? undefined : new Set(names),
        listener,
      };
      followers.add(follower);
      return () => {
        followers.delete(follower);
        if (followers.size === 0) carries.clear();
      };
    },

    names() {
      return [...logs.keys()];
    },
  };
}

function linesOf(name: string, log: ProcessLog): LogLine[] {
  const result: LogLine[] = [];
  const carry = new Map<LogStream, Carry>();
  const skipFirst = new Set(log.truncated);
  for (let i = log.head; i < log.chunks.length; i += 1) {
    const chunk = log.chunks[i] as Chunk;
    const { stream } = chunk;
    if (typeof chunk.data === "string") {
      for (const line of chunk.data.split("\n")) {
        result.push({
          seq: chunk.seq,
          timeMs: chunk.timeMs,
          name,
          stream,
          data: Buffer.from(line),
        });
      }
      continue;
    }
    const data = chunk.data;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE, start)) {
      const piece = data.subarray(start, nl);
      start = nl + 1;
      const previous = carry.get(stream);
      carry.delete(stream);
      if (skipFirst.delete(stream)) continue; // its start was dropped with an older chunk
      result.push(
        previous === undefined
          ? { seq: chunk.seq, timeMs: chunk.timeMs, name, stream, data: piece }
          : {
              seq: previous.seq,
              timeMs: previous.timeMs,
              name,
              stream,
              data: joined(previous, piece),
            },
      );
    }
    if (start < data.length) {
      let previous = carry.get(stream);
      if (previous === undefined) {
        previous = { pieces: [], bytes: 0, seq: chunk.seq, timeMs: chunk.timeMs };
        carry.set(stream, previous);
      }
      const rest = data.subarray(start);
      previous.pieces.push(rest);
      previous.bytes += rest.length;
    }
  }
  // An unfinished last line is shown as it is so far (the live log shows it too, after a pause).
  for (const [stream, c] of carry) {
    if (skipFirst.has(stream)) continue;
    result.push({ seq: c.seq, timeMs: c.timeMs, name, stream, data: joined(c, EMPTY) });
  }
  return result;
}
