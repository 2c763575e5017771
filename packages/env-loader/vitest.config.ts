import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "env-loader", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
