import { defineConfig } from "vitest/config";

// One run over every package, so the whole suite has one summary (scripts/test.mjs reads its JSON report).
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/*"],
  },
});
