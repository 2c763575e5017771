import { defineConfig } from "vitest/config";

// Tests that start real supervisors wait for files and exits; the bound is for slow machines.
export default defineConfig({
  test: {
    name: "export",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
