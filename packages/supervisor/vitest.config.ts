import { defineConfig } from "vitest/config";

// Tests wait for real events (lines, exits) and fail only when one never comes; the generous
// bound is for slow, busy machines, not an expected duration.
export default defineConfig({
  test: {
    name: "supervisor",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
