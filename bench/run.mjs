#!/usr/bin/env node
// The benchmark lands with its own issue; until then `pnpm bench` says so instead of failing.
console.log("no benchmark yet");
