import { defineConfig } from "vitest/config";

export default defineConfig({ test: { name: "spawner", include: ["src/**/*.test.ts", "test/**/*.test.ts"] } });
