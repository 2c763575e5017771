"use strict";
// The "bare Node manager" baseline: what any Procfile manager written for Node pays before it does
// anything of its own. It starts each command the way a manager must (`sh -c`, its own session,
// stdout and stderr on pipes), copies every chunk to its stdout as it comes (no framing, no
// prefix, no colour: fan-in output may tear), stops everything on SIGINT/SIGTERM, and exits once
// every process has exited and its output is copied. CommonJS and no dependencies, so it starts as fast as Node can.
//
// Usage: node node-floor.cjs <command>... (one process per argument)
const { spawn } = require("node:child_process");

const commands = process.argv.slice(2);
const children = [];
let running = commands.length;
let stopping = false;

function write(source, chunk) {
  if (!process.stdout.write(chunk)) {
    source.pause();
    process.stdout.once("drain", () => source.resume());
  }
}

for (const command of commands) {
  const child = spawn("/bin/sh", ["-c", command], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk) => write(child.stdout, chunk));
  child.stderr.on("data", (chunk) => write(child.stderr, chunk));
  // "close": the pipes are read to the end, so no output is cut off by the exit below.
  child.on("close", () => {
    running -= 1;
    if (running === 0) process.exit(0);
  });
  children.push(child);
}

function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // Already gone.
    }
  }
}

process.on("SIGINT", stop);
process.on("SIGTERM", stop);
