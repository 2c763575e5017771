import { accessSync, constants, statSync } from "node:fs";
import { CliError } from "./_errors.js";
import { displayPath } from "./_project.js";

/**
 * The directory the processes run in must exist before anything is spawned: otherwise every
 * process fails on its own (one line each, exit 127), and `foreman run` would blame the command.
 */
export function checkRootDirectory(root: string, cwd: string): void {
  const shown = displayPath(root, cwd);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(root).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new CliError("CLI_ROOT_NOT_FOUND", `the directory to run in does not exist: ${shown}`, {
        hint: "pass an existing directory with -d/--root (default: the Procfile's directory)",
      });
    }
    throw new CliError(
      "CLI_ROOT_UNREADABLE",
      `cannot use the directory to run in (${code}): ${shown}`,
      {
        hint: "check its permissions",
      },
    );
  }
  if (!isDirectory) {
    throw new CliError(
      "CLI_ROOT_NOT_A_DIRECTORY",
      `the directory to run in is not a directory: ${shown}`,
      {
        hint: "pass a directory with -d/--root, not a file",
      },
    );
  }
  try {
    accessSync(root, constants.X_OK);
  } catch {
    throw new CliError("CLI_ROOT_UNREADABLE", `cannot enter the directory to run in: ${shown}`, {
      hint: "give this user search (x) permission on it and its parents",
    });
  }
}
