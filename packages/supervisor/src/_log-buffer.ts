import { StringDecoder } from "node:string_decoder";

export type LogStream = "stdout" | "stderr" | "system";

export interface LogLine {
  /** Order of arrival across every process; lines of one chunk share it. */
  seq: number;
  /** Wall-clock time the chunk arrived (ms since the epoch). */
  timeMs: number;
  name: string;
  stream: LogStream;
  /** Without its `\n`. Bytes that are not UTF-8 become U+FFFD. */
  text: string;
}

export interface LogBufferOptions {
  /** Default 262 144 (256 KiB): the output kept per process; older chunks are dropped whole. */
  maxBytesPerProcess?: number;
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
  /** A whole line about a process from its manager ("exited with code 1"). */
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

interface Follower {
  names: ReadonlySet<string> | undefined;
  listener: (line: LogLine) => void;
}

const DEFAULT_MAX_BYTES_PER_PROCESS = 256 * 1024;

/**
 * The recent output of every process, bounded per process by bytes. Chunks are stored as they
 * arrive (no copying or decoding on the hot path); `tail` splits them into lines on demand.
 */
export function createLogBuffer(options: LogBufferOptions = {}): LogBuffer {
  const maxBytes = options.maxBytesPerProcess ?? DEFAULT_MAX_BYTES_PER_PROCESS;
  const now = options.now ?? Date.now;
  const logs = new Map<string, ProcessLog>();
  const followers = new Set<Follower>();
  // Partial lines per `name\0stream`, kept only while someone follows.
  const carries = new Map<string, { text: string; seq: number; timeMs: number }>();
  // A multi-byte character may be cut between two chunks.
  const decoders = new Map<string, StringDecoder>();
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
      if (carry !== undefined && carry.text !== "") {
        emit({ seq: carry.seq, timeMs: carry.timeMs, name, stream, text: carry.text });
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
      const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
      if (bytes === 0) return;
      seq += 1;
      const chunk: Chunk = { seq, timeMs: now(), stream, data, bytes };
      store(name, chunk);
      if (followers.size === 0 || !wanted(name)) return;
      const key = `${name}\u0000${stream}`;
      const carry = carries.get(key);
      let decoder = decoders.get(key);
      if (decoder === undefined) {
        decoder = new StringDecoder("utf8");
        decoders.set(key, decoder);
      }
      const text = (carry?.text ?? "") + (typeof data === "string" ? data : decoder.write(data));
      const parts = text.split("\n");
      const rest = parts.pop() as string;
      parts.forEach((part, i) => {
        const first = i === 0 && carry !== undefined && carry.text !== "";
        emit({
          seq: first ? carry.seq : chunk.seq,
          timeMs: first ? carry.timeMs : chunk.timeMs,
          name,
          stream,
          text: part,
        });
      });
      if (rest === "") carries.delete(key);
      else
        carries.set(key, {
          text: rest,
          seq: carry !== undefined && parts.length === 0 ? carry.seq : chunk.seq,
          timeMs: carry !== undefined && parts.length === 0 ? carry.timeMs : chunk.timeMs,
        });
    },

    note(name, message) {
      seq += 1;
      const text = message.endsWith("\n") ? message.slice(0, -1) : message;
      store(name, {
        seq,
        timeMs: now(),
        stream: "system",
        data: text,
        bytes: Buffer.byteLength(text) + 1,
      });
      if (followers.size === 0) return;
      // The output before it comes first, even an unfinished last line.
      flushCarries(name);
      for (const line of text.split("\n"))
        emit({ seq, timeMs: now(), name, stream: "system", text: line });
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
        if (followers.size === 0) {
          carries.clear();
          decoders.clear();
        }
      };
    },

    names() {
      return [...logs.keys()];
    },
  };
}

function linesOf(name: string, log: ProcessLog): LogLine[] {
  const result: LogLine[] = [];
  const carry = new Map<LogStream, { text: string; seq: number; timeMs: number }>();
  const skipFirst = new Set(log.truncated);
  const decoders = new Map<LogStream, StringDecoder>();
  for (let i = log.head; i < log.chunks.length; i += 1) {
    const chunk = log.chunks[i] as Chunk;
    if (chunk.stream === "system") {
      result.push({
        seq: chunk.seq,
        timeMs: chunk.timeMs,
        name,
        stream: "system",
        text: chunk.data as string,
      });
      continue;
    }
    let decoder = decoders.get(chunk.stream);
    if (decoder === undefined) {
      decoder = new StringDecoder("utf8");
      decoders.set(chunk.stream, decoder);
    }
    const text = typeof chunk.data === "string" ? chunk.data : decoder.write(chunk.data);
    const parts = text.split("\n");
    const rest = parts.pop() as string;
    const previous = carry.get(chunk.stream);
    parts.forEach((part, j) => {
      if (j === 0 && skipFirst.has(chunk.stream)) {
        // The start of this line was dropped with an older chunk.
        skipFirst.delete(chunk.stream);
        carry.delete(chunk.stream);
        return;
      }
      const first = j === 0 && previous !== undefined;
      result.push({
        seq: first ? previous.seq : chunk.seq,
        timeMs: first ? previous.timeMs : chunk.timeMs,
        name,
        stream: chunk.stream,
        text: first ? previous.text + part : part,
      });
    });
    if (parts.length > 0) carry.delete(chunk.stream);
    if (rest !== "") {
      const before = parts.length === 0 ? carry.get(chunk.stream) : undefined;
      carry.set(chunk.stream, {
        text: (before?.text ?? "") + rest,
        seq: before?.seq ?? chunk.seq,
        timeMs: before?.timeMs ?? chunk.timeMs,
      });
    }
  }
  // An unfinished last line is shown as it is so far (the live log shows it too, after a pause).
  for (const [stream, c] of carry) {
    if (skipFirst.has(stream)) continue;
    result.push({ seq: c.seq, timeMs: c.timeMs, name, stream, text: c.text });
  }
  return result;
}
