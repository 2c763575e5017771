#!/usr/bin/env node
import { main } from "../dist/main.js";

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
});
// Commands finish their own output before returning (start flushes its log), so exiting here
// cannot cut a line; it also ends any handle a stray grandchild might still hold open.
process.exit(code);
