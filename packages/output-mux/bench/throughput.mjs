#!/usr/bin/env node
// Throughput of the built mux (run `pnpm --filter @foreman/output-mux build` first):
// 100-byte lines from in-memory sources, 64 KiB chunks (a pipe's read size), into a file.
//
//   node bench/throughput.mjs [--mb 200] [--sources 1] [--out /dev/null|file] [--raw] [--no-timestamp]
//                            [--sync-source] [--writer fd|stream]
//   node bench/throughput.mjs --stdout > file     (stdout as the CLI uses it; result on stderr)
//
// --writer fd (default): createFileOutput on the file, as the CLI writes stdout redirected to a
// file; --writer stream: fs.createWriteStream (1 MiB highWaterMark), the earlier default.
//
// Prints input MB/s (bytes the sources produced, prefixes not counted).
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import { createFileOutput, createOutputMux, isRegularFile } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    mb: { type: "string", default: "200" },
    sources: { type: "string", default: "1" },
    out: { type: "string" },
    raw: { type: "boolean", default: false },
    "no-timestamp": { type: "boolean", default: false },
    color: { type: "boolean", default: false },
    stdout: { type: "boolean", default: false },
    "sync-source": { type: "boolean", default: false },
    writer: { type: "string", default: "fd" },
  },
});

const totalBytes = Number(values.mb) * 1e6;
const sourceCount = Number(values.sources);
const CHUNK = 65536;
const LINE = 100;

// One pattern buffer of whole numbered-ish 100-byte lines; chunks are views into it at shifting
// offsets, so lines cross chunk boundaries as they do from a real pipe.
const pattern = Buffer.alloc(LINE * 1024 + CHUNK);
for (let i = 0; i < pattern.length; i++) pattern[i] = i % LINE === LINE - 1 ? 10 : 97 + (i % 26);

// A child's pipe delivers one chunk per event-loop turn; a Readable that pushes synchronously
// would frame megabytes in one macrotask and starve the output's write completions, which is
// not what the mux sees in use. `--sync-source` shows that case anyway.
function source(bytes) {
  let sent = 0;
  let offset = 0;
  const next = () => {
    const n = Math.min(CHUNK, bytes - sent);
    if (n === 0) return null;
    const chunk = pattern.subarray(offset, offset + n);
    offset = (offset + n) % (LINE * 1024);
    sent += n;
    return chunk;
  };
  return new Readable({
    highWaterMark: CHUNK,
    read() {
      if (values["sync-source"]) {
        for (let chunk = next(); chunk !== null; chunk = next()) if (!this.push(chunk)) return;
        this.push(null);
      } else {
        setImmediate(() => this.push(next()));
      }
    },
  });
}

const toStdout = values.stdout;
const dir =
  values.out === undefined && !toStdout
    ? mkdtempSync(join(tmpdir(), "output-mux-bench-"))
    : undefined;
const outPath = toStdout ? "stdout" : (values.out ?? join(dir, "out.log"));
let fd;
let output;
if (toStdout) {
  output = isRegularFile(1) ? createFileOutput(1) : process.stdout;
} else if (values.writer === "stream") {
  output = createWriteStream(outPath, { highWaterMark: 1 << 20 });
} else {
  fd = openSync(outPath, "w");
  output = createFileOutput(fd);
}
const mux = createOutputMux({
  output,
  raw: values.raw,
  timestamp: !values["no-timestamp"],
  color: values.color,
});
const perSource = Math.floor(totalBytes / sourceCount);

const start = process.hrtime.bigint();
await Promise.all(
  Array.from({ length: sourceCount }, (_, i) =>
    mux.addSource(source(perSource), { name: `web.${i + 1}`, colorIndex: i }),
  ),
);
await mux.flush();
if (typeof output.flush === "function") await output.flush();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
if (fd !== undefined) closeSync(fd);
else if (!toStdout) await new Promise((resolve) => output.end(resolve));

const inputMb = (perSource * sourceCount) / 1e6;
const outputMb = outPath === "/dev/null" || toStdout ? Number.NaN : statSync(outPath).size / 1e6;
(toStdout ? console.error : console.log)(
  `${sourceCount} source(s), ${inputMb.toFixed(0)} MB of ${LINE}-byte lines -> ${outPath}: ` +
    `${(inputMb / seconds).toFixed(0)} MB/s input` +
    (Number.isNaN(outputMb) ? "" : ` (${outputMb.toFixed(0)} MB written)`) +
    ` in ${seconds.toFixed(2)} s`,
);
if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
// Node 20 can deadlock in NodePlatform::DrainTasks when the loop empties (nodejs/node#54918);
// exiting explicitly keeps repeated bench runs from hanging now and then.
process.exit(0);
