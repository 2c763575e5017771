import { accessSync, constants, statSync } from "node:fs";
import { resolve } from "node:path";

export type CwdProblemCode =
  | "SPAWN_CWD_NOT_FOUND"
  | "SPAWN_CWD_NOT_DIRECTORY"
  | "SPAWN_CWD_NOT_ACCESSIBLE";

export interface CwdProblem {
  code: CwdProblemCode;
  path: string;
  cause?: unknown;
}

// Directories already seen to exist. Spawning 500 processes in one cwd costs one stat, not 500.
// Only successes are cached; if a cached directory disappears later, the spawn fails and
// `inspectCwd` looks again to explain why.
const knownDirectories = new Set<string>();

/** Cached check that `cwd` is a directory we can start a process in. */
export function checkCwd(cwd: string): CwdProblem | undefined {
  const path = resolve(cwd);
  if (knownDirectories.has(path)) return undefined;
  const problem = inspectCwd(path);
  if (problem === undefined) knownDirectories.add(path);
  return problem;
}

/** Uncached check, also used after a spawn failed to tell a bad cwd from a bad shell. */
export function inspectCwd(cwd: string): CwdProblem | undefined {
  const path = resolve(cwd);
  try {
    if (!statSync(path).isDirectory()) return { code: "SPAWN_CWD_NOT_DIRECTORY", path };
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR") return { code: "SPAWN_CWD_NOT_DIRECTORY", path, cause };
    if (code === "EACCES" || code === "EPERM") {
      return { code: "SPAWN_CWD_NOT_ACCESSIBLE", path, cause };
    }
    return { code: "SPAWN_CWD_NOT_FOUND", path, cause };
  }
  return undefined;
}

/** Whether the process may chdir into `cwd` (search permission). Only used on the error path. */
export function canEnterCwd(cwd: string): boolean {
  try {
    accessSync(resolve(cwd), constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Forget a cached directory (after a spawn in it failed). */
export function forgetCwd(cwd: string): void {
  knownDirectories.delete(resolve(cwd));
}
