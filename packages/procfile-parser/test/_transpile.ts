import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const sourceDir = new URL("../src/", import.meta.url);

/**
 * Writes the package's current sources, compiled to plain ESM, into `outDir`, so a child `node`
 * (e.g. one running as another user) can import them without a build step or a TS loader.
 * Returns the path of the entry module.
 */
export function transpilePackage(outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  for (const file of readdirSync(sourceDir)) {
    if (!file.endsWith(".ts") || file.endsWith(".test.ts")) continue;
    const { outputText } = ts.transpileModule(readFileSync(new URL(file, sourceDir), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, ".js")), outputText);
  }
  return join(outDir, "index.js");
}
