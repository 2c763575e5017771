import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "procfile-parser", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
