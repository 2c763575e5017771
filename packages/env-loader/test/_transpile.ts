import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const sourceDir = new URL("../src/", import.meta.url);

/**
 * Compiles `entry` (e.g. `_read.ts`) and the package modules it imports, from the current
 * sources, to plain ESM in `outDir`, so a child `node` (one running as another user, say) can
 * import them without a build step or a TS loader. Only modules whose imports are relative or
 * `node:` builtins can be compiled this way (a temp dir has no node_modules); others throw.
 * Returns the path of the compiled entry module.
 */
export function transpileModules(entry: string, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
  const pending = [entry];
  const done = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(new URL(file, sourceDir), "utf8");
    for (const [, specifier] of source.matchAll(/\bfrom\s+"([^"]+)"/g)) {
      if (specifier === undefined || specifier.startsWith("node:")) continue;
      if (!specifier.startsWith("./")) throw new Error(`${file} imports ${specifier}`);
      pending.push(specifier.slice(2).replace(/\.js$/, ".ts"));
    }
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, ".js")), outputText);
  }
  return join(outDir, entry.replace(/\.ts$/, ".js"));
}
