// A consumer that reads slowly: at most BYTES_PER_MS bytes each millisecond from the FIFO at
// PATH, then prints how many bytes it read in all once the writers have closed it.
// Usage: node slow-reader.mjs PATH BYTES_PER_MS
import { closeSync, openSync, readSync } from "node:fs";

const [path, rateArg] = process.argv.slice(2);
const bytesPerMs = Number(rateArg);
const fd = openSync(path, "r");
const buf = Buffer.allocUnsafe(64 * 1024);
const nap = new Int32Array(new SharedArrayBuffer(4));
let total = 0;
for (;;) {
  let budget = bytesPerMs;
  let eof = false;
  while (budget > 0) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, budget), null);
    if (n === 0) {
      eof = true;
      break;
    }
    total += n;
    budget -= n;
  }
  if (eof) break;
  Atomics.wait(nap, 0, 0, 1);
}
closeSync(fd);
process.stdout.write(`${JSON.stringify({ bytes: total })}\n`);
