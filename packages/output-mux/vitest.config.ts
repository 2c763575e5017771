import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { name: "output-mux", include: ["src/**/*.test.ts", "test/**/*.test.ts"] },
});
