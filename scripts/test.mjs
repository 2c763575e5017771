#!/usr/bin/env node
// The whole suite, as `pnpm test` runs it: build, lint, typecheck, the package-shape and
// dependency-direction checks, then every package's tests in one vitest run.
// Ends with one plain line `N passed, M failed`, derived from vitest's JSON report (each
// check step counts as one test), because CI reads that line and not vitest's own summary.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const reportPath = join(root, ".vitest-results.json");
const extraArgs = process.argv.slice(2);

const steps = [
  ["build", "pnpm", ["run", "build"]],
  ["lint", "pnpm", ["run", "lint"]],
  ["typecheck", "pnpm", ["run", "typecheck"]],
  ["package shape", "pnpm", ["run", "check:packages"]],
  ["dependency direction", "pnpm", ["run", "check:deps"]],
  ["changesets", "pnpm", ["run", "check:changesets"]],
];

let passed = 0;
let failed = 0;
for (const [label, cmd, args] of steps) {
  console.log(`\n== ${label}`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (result.status === 0) passed += 1;
  else {
    failed += 1;
    console.error(`== ${label}: FAILED (exit ${result.status ?? result.signal})`);
    if (label === "build") break; // nothing after it can run without dist/
  }
}

if (!(failed > 0 && passed === 0)) {
  console.log("\n== tests");
  rmSync(reportPath, { force: true });
  const result = spawnSync(
    "pnpm",
    [
      "exec",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${reportPath}`,
      ...extraArgs,
    ],
    { cwd: root, stdio: "inherit" },
  );
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // A file that fails to load has no tests in it; count it, or a syntax error would go unseen.
    failed += report.testResults.filter(
      (f) => f.status === "failed" && f.assertionResults.length === 0,
    ).length;
  } else {
    failed += 1;
    console.error(`== tests: vitest wrote no report (exit ${result.status ?? result.signal})`);
  }
  if (result.status !== 0 && failed === 0) failed += 1;
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
