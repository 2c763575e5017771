import { type CwdProblem, canEnterCwd, forgetCwd, inspectCwd } from "./_cwd.js";
import { SpawnError } from "./_error.js";

export interface SpawnAttempt {
  name: string;
  shell: string;
  cwd: string;
}

const LIMIT_ERRNOS: ReadonlySet<string> = new Set(["EAGAIN", "EMFILE", "ENFILE", "ENOMEM"]);

/** The SpawnError for a cwd that failed the pre-spawn check. */
export function cwdError(attempt: SpawnAttempt, problem: CwdProblem): SpawnError {
  const where = `${attempt.name}: cannot start`;
  switch (problem.code) {
    case "SPAWN_CWD_NOT_FOUND":
      return new SpawnError(
        problem.code,
        `${where}: working directory ${problem.path} does not exist`,
        {
          processName: attempt.name,
          hint: "Create the directory, or set the process's cwd to an existing one.",
          cause: problem.cause,
        },
      );
    case "SPAWN_CWD_NOT_DIRECTORY":
      return new SpawnError(
        problem.code,
        `${where}: working directory ${problem.path} is not a directory`,
        {
          processName: attempt.name,
          hint: "Point cwd at a directory, not a file.",
          cause: problem.cause,
        },
      );
    case "SPAWN_CWD_NOT_ACCESSIBLE":
      return new SpawnError(
        problem.code,
        `${where}: working directory ${problem.path} is not accessible (permission denied)`,
        {
          processName: attempt.name,
          hint: "Give this user search (x) permission on the directory and its parents.",
          cause: problem.cause,
        },
      );
  }
}

/**
 * Turn what `child_process.spawn` threw or emitted into a SpawnError. Node reports a missing cwd
 * as `spawn /bin/sh ENOENT`, which blames the shell; so on ENOENT/ENOTDIR/EACCES look at the
 * cwd again before deciding which of the two is at fault.
 */
export function diagnoseSpawnFailure(attempt: SpawnAttempt, cause: unknown): SpawnError {
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? "";
  const detail = cause instanceof Error ? cause.message : String(cause);
  const where = `${attempt.name}: cannot start`;
  if (errno === "ENOENT" || errno === "ENOTDIR" || errno === "EACCES") {
    forgetCwd(attempt.cwd);
    const problem = inspectCwd(attempt.cwd);
    if (problem !== undefined) return cwdError(attempt, { ...problem, cause });
    if (errno === "EACCES") {
      if (!canEnterCwd(attempt.cwd)) {
        return cwdError(attempt, { code: "SPAWN_CWD_NOT_ACCESSIBLE", path: attempt.cwd, cause });
      }
      return new SpawnError(
        "SPAWN_SHELL_NOT_EXECUTABLE",
        `${where}: shell ${attempt.shell} is not executable (permission denied)`,
        {
          processName: attempt.name,
          hint: "Set shell to an executable file such as /bin/sh.",
          cause,
        },
      );
    }
    return new SpawnError("SPAWN_SHELL_NOT_FOUND", `${where}: shell ${attempt.shell} not found`, {
      processName: attempt.name,
      hint: "Set shell to an existing shell such as /bin/sh.",
      cause,
    });
  }
  if (LIMIT_ERRNOS.has(errno)) {
    return new SpawnError(
      "SPAWN_LIMIT",
      `${where}: the system refused another process or file descriptor (${errno})`,
      {
        processName: attempt.name,
        hint: "Too many processes or open files: raise `ulimit -u` / `ulimit -n`, or run fewer processes.",
        cause,
      },
    );
  }
  if (errno.startsWith("ERR_INVALID_ARG")) {
    return new SpawnError("SPAWN_INVALID_SPEC", `${where}: ${detail}`, {
      processName: attempt.name,
      hint: "The command, cwd and environment must be strings without NUL bytes.",
      cause,
    });
  }
  return new SpawnError("SPAWN_FAILED", `${where}: ${detail}`, {
    processName: attempt.name,
    cause,
  });
}
