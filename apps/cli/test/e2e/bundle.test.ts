import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { CLI } from "../helpers.js";

const run = promisify(execFile);
const bundle = fileURLToPath(new URL("../../dist/foreman.cjs", import.meta.url));

// The build (scripts/bundle.mjs) makes dist/foreman.cjs and the V8 code cache that lets it start
// without compiling. V8 rejects a cache silently (a different Node, a flag changed while it was
// recorded), and every start then compiles the bundle from source: about 8 ms more, which only
// a benchmark would notice. `pnpm test` builds first, so the bundle is there.
describe.skipIf(!existsSync(bundle))("the bundled CLI", () => {
  it("is loaded with its code cache, which V8 accepts", async () => {
    const script = `
      const { loadBundle } = require(${JSON.stringify(CLI)});
      const loaded = loadBundle();
      console.log(JSON.stringify({
        bundled: loaded !== undefined,
        rejected: loaded?.script.cachedDataRejected ?? null,
      }));
    `;
    const { stdout } = await run(process.execPath, ["-e", script]);
    expect(JSON.parse(stdout)).toEqual({ bundled: true, rejected: false });
  });
});
