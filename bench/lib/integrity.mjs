// Test data and the checker that proves every line came through whole, in order, and prefixed.
//
// A data line is exactly LINE_BYTES long: `L<src>:<seq, 9 digits>:` then filler then '\n', the
// filler character being different for each source. The fixed shape lets the checker find the
// payload at the end of each output line with a few byte comparisons (no per-line string), so
// checking 200 MB stays well under a second. Any fragment of a line (a filler character, or
// `L<digit>:`) is recognisable wherever a tear puts it; and since all sources share one layout,
// the head of one source's line glued to the tail of another's would otherwise look whole:
// the per-source filler catches that.
import { closeSync, openSync, writeSync } from "node:fs";

export const LINE_BYTES = 100;
const HEAD_BYTES = 13; // "L0:000000001:"
const FILL_BYTES = LINE_BYTES - 1 - HEAD_BYTES;
const FILL_CHARS = "#%~^@&*$!?";
const FILLS = [...FILL_CHARS].map((c) => Buffer.alloc(FILL_BYTES, c));
const IS_FILL = new Uint8Array(256);
for (const c of FILL_CHARS) IS_FILL[c.charCodeAt(0)] = 1;
const NL = 0x0a;
const COLON = 0x3a;
const L = 0x4c;

function isDigit(byte) {
  return byte >= 0x30 && byte <= 0x39;
}

/** One data line of source `src` (0–9), newline included. */
export function dataLine(src, seq) {
  return `L${src}:${String(seq).padStart(9, "0")}:${FILL_CHARS[src].repeat(FILL_BYTES)}\n`;
}

/** Writes `lines` data lines of source `src` (0–9) to `path`, in 4 MB batches. */
export function writeDataFile(path, src, lines) {
  const fd = openSync(path, "w");
  try {
    const template = Buffer.from(dataLine(src, 0), "latin1");
    const perBatch = 40_000;
    const batch = Buffer.allocUnsafe(perBatch * LINE_BYTES);
    for (let i = 0; i < perBatch; i++) template.copy(batch, i * LINE_BYTES);
    for (let first = 0; first < lines; first += perBatch) {
      const count = Math.min(perBatch, lines - first);
      for (let i = 0; i < count; i++) {
        batch.write(String(first + i).padStart(9, "0"), i * LINE_BYTES + 3, "latin1");
      }
      writeSync(fd, batch, 0, count * LINE_BYTES);
    }
  } finally {
    closeSync(fd);
  }
}

function hasFragment(buf, start, end) {
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (IS_FILL[b] === 1) return true;
    if (b === L && i + 2 < end && isDigit(buf[i + 1]) && buf[i + 2] === COLON) return true;
  }
  return false;
}

/**
 * Checks an output buffer.
 * @param {Buffer} buf the whole output
 * @param {{ sources: number, linesPerSource: number, prefixed: boolean, capped?: boolean }} o
 *   `prefixed`: every data line must carry a non-empty prefix (managers) or none (raw, cat);
 *   `capped`: the run was stopped early, so lines never delivered at the tail are not "missing".
 */
export function checkOutput(buf, { sources, linesPerSource, prefixed, capped = false }) {
  const next = new Array(sources).fill(0);
  let good = 0;
  let torn = 0;
  let gaps = 0;
  let outOfOrder = 0;
  let badPrefix = 0;
  let firstDataEnd = -1;
  let lastDataEnd = -1;
  let start = 0;
  while (start < buf.length) {
    let nl = buf.indexOf(NL, start);
    const unterminated = nl === -1;
    if (unterminated) nl = buf.length;
    const p = nl - (LINE_BYTES - 1); // where the payload starts if this line is a data line
    let src = -1;
    let seq = -1;
    if (
      !unterminated &&
      p >= start &&
      buf[p] === L &&
      isDigit(buf[p + 1]) &&
      buf[p + 2] === COLON &&
      buf[p + 12] === COLON &&
      buf.compare(FILLS[buf[p + 1] - 0x30], 0, FILL_BYTES, p + HEAD_BYTES, nl) === 0
    ) {
      let s = 0;
      for (let i = p + 3; i < p + 12; i++) {
        const b = buf[i];
        if (!isDigit(b)) {
          s = -1;
          break;
        }
        s = s * 10 + (b - 0x30);
      }
      // A payload with a fragment of another line in front of it is a merged line.
      if (s >= 0 && !hasFragment(buf, start, p)) {
        src = buf[p + 1] - 0x30;
        seq = s;
      }
    }
    if (src >= 0 && src < sources) {
      if (p > start !== prefixed) badPrefix++;
      const expected = next[src];
      if (seq === expected) {
        good++;
        next[src] = seq + 1;
      } else if (seq > expected) {
        gaps += seq - expected;
        good++;
        next[src] = seq + 1;
      } else {
        outOfOrder++;
      }
      if (firstDataEnd < 0) firstDataEnd = nl + 1;
      lastDataEnd = nl + 1;
    } else if (hasFragment(buf, start, nl)) {
      torn++;
      if (firstDataEnd < 0) firstDataEnd = nl + 1;
      lastDataEnd = Math.min(nl + 1, buf.length);
    }
    start = nl + 1;
  }
  let notDelivered = 0;
  for (const n of next) notDelivered += linesPerSource - n;
  const missing = gaps + (capped ? 0 : notDelivered);
  return {
    expected: sources * linesPerSource,
    good,
    torn,
    missing,
    outOfOrder,
    badPrefix,
    notDelivered: capped ? notDelivered : 0,
    intact: torn === 0 && missing === 0 && outOfOrder === 0 && badPrefix === 0 && !capped,
    firstDataEnd,
    lastDataEnd,
  };
}
