// biome-ignore-all lint/suspicious/noTemplateCurlyInString: env text with ${VAR} references is the subject here
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EnvError, type LoadEnvOptions, loadEnv } from "../src/index.js";
import { transpileModules } from "./_transpile.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "env-loader-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes `name` in the temp dir, mode 600 unless told otherwise, and returns its absolute path. */
function write(name: string, content: string | Uint8Array, mode = 0o600): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  chmodSync(path, mode);
  return path;
}

async function loadError(
  files: Parameters<typeof loadEnv>[0],
  options?: Partial<LoadEnvOptions>,
): Promise<EnvError> {
  const error: unknown = await loadEnv(files, { cwd: dir, ...options }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as EnvError;
}

describe("loadEnv with real files", () => {
  it("reads files in order; a later file wins; sources name file and line", async () => {
    const base = write("base.env", 'A=base\nMULTI="one\ntwo\nthree"\nB=base\n');
    const local = write("local.env", "# local overrides\nB=local\nC=${A}-${B}\n");
    const result = await loadEnv(["base.env", "local.env"], { cwd: dir });
    expect(result.vars).toEqual({
      A: "base",
      MULTI: "one\ntwo\nthree",
      B: "local",
      C: "base-local",
    });
    expect(result.sources).toEqual({
      A: { key: "A", file: base, line: 1 },
      MULTI: { key: "MULTI", file: base, line: 2 },
      B: { key: "B", file: local, line: 2 },
      C: { key: "C", file: local, line: 3 },
    });
    expect(result.files).toEqual([base, local]);
    expect(result.diagnostics).toEqual([]);
  });

  it("expands defaults and references to the inherited environment and to earlier files", async () => {
    write("first.env", "HOST=db.internal\n");
    write(
      "second.env",
      "URL=postgres://${USER}@${HOST}:${PORT:-5432}/${DB_NAME:-app}\nHOME_BIN=$HOME/bin\n",
    );
    const result = await loadEnv(["first.env", "second.env"], {
      cwd: dir,
      inherit: { USER: "alice", HOME: "/home/alice", DB_NAME: "" },
    });
    expect(result.vars).toEqual({
      HOST: "db.internal",
      URL: "postgres://alice@db.internal:5432/app",
      HOME_BIN: "/home/alice/bin",
    });
    expect(result.env).toEqual({
      USER: "alice",
      HOME: "/home/alice",
      DB_NAME: "",
      ...result.vars,
    });
  });

  it("overrides inherited values by default; override: false keeps them", async () => {
    write("override.env", "MODE=file\nOTHER=file\n");
    const inherit = { MODE: "inherited" };
    const overriding = await loadEnv(["override.env"], { cwd: dir, inherit });
    expect(overriding.env.MODE).toBe("file");
    const keeping = await loadEnv(["override.env"], { cwd: dir, inherit, override: false });
    expect(keeping.env).toEqual({ MODE: "inherited", OTHER: "file" });
    expect(keeping.vars.MODE).toBe("inherited");
    expect(keeping.sources.MODE?.line).toBe(1);
  });

  it("expand: false keeps $ references as written", async () => {
    write("raw.env", "A=1\nB=${A}\n");
    expect((await loadEnv(["raw.env"], { cwd: dir, expand: false })).vars).toEqual({
      A: "1",
      B: "${A}",
    });
  });

  it("skips an optional file that does not exist, and reads one that does", async () => {
    const present = write("present.env", "A=1\n");
    const result = await loadEnv(
      [
        { path: "absent.env", optional: true },
        { path: "present.env", optional: true },
      ],
      { cwd: dir },
    );
    expect(result.files).toEqual([present]);
    expect(result.vars).toEqual({ A: "1" });
  });

  it("follows a symlink to a regular file", async () => {
    const target = write("target.env", "A=1\n");
    symlinkSync(target, join(dir, "link.env"));
    expect((await loadEnv(["link.env"], { cwd: dir })).vars).toEqual({ A: "1" });
  });

  it("sets file on every diagnostic, as the caller named it", async () => {
    write("messy.env", "A = 1\nnonsense\n");
    const { diagnostics } = await loadEnv(["./messy.env"], { cwd: dir });
    expect(diagnostics.map((d) => [d.file, d.code, d.line])).toEqual([
      ["./messy.env", "ENV_SPACE_AROUND_EQUALS", 1],
      ["./messy.env", "ENV_MISSING_EQUALS", 2],
    ]);
  });

  it("never touches process.env", async () => {
    write("noisy.env", "ENV_LOADER_TEST_VAR=1\nPATH=/nowhere\n");
    const before = { ...process.env };
    await loadEnv(["noisy.env"], { cwd: dir, inherit: process.env });
    expect(process.env).toEqual(before);
    expect(process.env.ENV_LOADER_TEST_VAR).toBeUndefined();
  });
});

describe("permissions", () => {
  it.skipIf(process.platform === "win32")(
    "warns when group or others can read the file, with a chmod hint",
    async () => {
      write("open.env", "SECRET=x\n", 0o644);
      const { diagnostics } = await loadEnv(["open.env"], { cwd: dir });
      expect(diagnostics).toEqual([
        expect.objectContaining({
          code: "ENV_FILE_PERMISSIONS",
          severity: "warning",
          file: "open.env",
          hint: "chmod 600 open.env",
        }),
      ]);
      expect(JSON.stringify(diagnostics)).not.toContain("SECRET=x");
      write("closed.env", "SECRET=x\n", 0o600);
      expect((await loadEnv(["closed.env"], { cwd: dir })).diagnostics).toEqual([]);
    },
  );
});

describe("errors", () => {
  it("ENV_FILE_NOT_FOUND names the file and where it resolved", async () => {
    const error = await loadError(["nope.env"]);
    expect(error.code).toBe("ENV_FILE_NOT_FOUND");
    expect(error.message).toBe("nope.env: file not found");
    expect(error.file).toBe("nope.env");
    expect(error.hint).toContain(join(dir, "nope.env"));
  });

  it("ENV_FILE_NOT_FOUND for a path through a regular file", async () => {
    write("plain", "A=1\n");
    expect((await loadError(["plain/.env"])).code).toBe("ENV_FILE_NOT_FOUND");
  });

  it("ENV_FILE_IS_DIRECTORY", async () => {
    mkdirSync(join(dir, "a-directory"));
    const error = await loadError(["a-directory"]);
    expect(error.code).toBe("ENV_FILE_IS_DIRECTORY");
    expect(error.message).toBe("a-directory: is a directory, not an env file");
    expect(error.hint).toContain("a-directory/.env");
  });

  it("ENV_FILE_IS_DIRECTORY even when optional", async () => {
    mkdirSync(join(dir, "optional-directory"));
    expect((await loadError([{ path: "optional-directory", optional: true }])).code).toBe(
      "ENV_FILE_IS_DIRECTORY",
    );
  });

  it.skipIf(process.platform === "win32")(
    "ENV_FILE_NOT_A_FILE for a FIFO, without blocking",
    async () => {
      execFileSync("mkfifo", [join(dir, "fifo.env")]);
      const error = await loadError(["fifo.env"]);
      expect(error.code).toBe("ENV_FILE_NOT_A_FILE");
      expect(error.message).toBe("fifo.env: is a FIFO (named pipe), not a regular file");
    },
  );

  it.skipIf(!existsSync("/dev/zero"))("ENV_FILE_NOT_A_FILE for /dev/zero", async () => {
    const error = await loadError(["/dev/zero"]);
    expect(error.code).toBe("ENV_FILE_NOT_A_FILE");
    expect(error.message).toBe("/dev/zero: is a character device, not a regular file");
  });

  it.skipIf(process.platform === "win32")("ENV_FILE_NOT_A_FILE for a UNIX socket", async () => {
    const path = join(dir, "socket.env");
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect((await loadError(["socket.env"])).code).toBe("ENV_FILE_NOT_A_FILE");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("ENV_FILE_TOO_LARGE above 1 MiB by default, or above maxBytes", async () => {
    write("big.env", `A=${"x".repeat(1024 * 1024)}\n`);
    const error = await loadError(["big.env"]);
    expect(error.code).toBe("ENV_FILE_TOO_LARGE");
    expect(error.message).toBe("big.env: 1.0 MiB is larger than the 1 MiB limit");
    expect(error.hint).toBeTruthy();
    write("small.env", "A=12345\n");
    expect((await loadError(["small.env"], { maxBytes: 4 })).code).toBe("ENV_FILE_TOO_LARGE");
    expect((await loadEnv(["small.env"], { cwd: dir, maxBytes: 8 })).vars).toEqual({ A: "12345" });
  });

  it("ENV_FILE_INVALID_UTF8 names the line of the first bad byte", async () => {
    write("latin1.env", Buffer.from("A=1\nB=2\nNAME=Jos\xe9\nC=\xff\n", "latin1"));
    const error = await loadError(["latin1.env"]);
    expect(error.code).toBe("ENV_FILE_INVALID_UTF8");
    expect(error.message).toBe("latin1.env: not valid UTF-8 at line 3");
    expect(error.line).toBe(3);
    expect(error.hint).toContain("iconv");
  });

  it("ENV_FILE_BINARY for a NUL byte, with the line", async () => {
    write("nul.env", Buffer.from("A=1\nB=\0\n"));
    const error = await loadError(["nul.env"]);
    expect(error.code).toBe("ENV_FILE_BINARY");
    expect(error.message).toBe("nul.env: contains a NUL byte at line 2; it is not a text file");
    expect(error.line).toBe(2);
  });

  it("ENV_FILE_BINARY says so when the file is UTF-16", async () => {
    write("utf16.env", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("A=1\n", "utf16le")]));
    const error = await loadError(["utf16.env"]);
    expect(error.code).toBe("ENV_FILE_BINARY");
    expect(error.hint).toContain("UTF-16");
  });

  it("stops at the first file it cannot read", async () => {
    write("good.env", "A=1\n");
    expect((await loadError(["good.env", "missing.env", "good.env"])).code).toBe(
      "ENV_FILE_NOT_FOUND",
    );
  });
});

describe("ENV_FILE_UNREADABLE", () => {
  const isRoot = process.getuid?.() === 0;

  it.skipIf(process.platform === "win32" || isRoot)("as this (non-root) user", async () => {
    write("locked.env", "A=1\n", 0o000);
    const error = await loadError(["locked.env"]);
    expect(error.code).toBe("ENV_FILE_UNREADABLE");
    expect(error.message).toBe("locked.env: cannot read the file (permission denied)");
  });

  // Root reads anything, so read as "nobody" in a child node running the current reader
  // (loadEnv hands every read to it), compiled from src/ by test/_transpile.ts.
  const hasSetpriv = existsSync("/usr/bin/setpriv");
  if (isRoot && !hasSetpriv) console.log("skipping ENV_FILE_UNREADABLE as nobody: no setpriv");
  it.skipIf(!isRoot || !hasSetpriv)("as nobody, via setpriv", () => {
    chmodSync(dir, 0o755);
    const path = write("locked.env", "A=1\n", 0o600);
    const reader = transpileModules("_read.ts", join(dir, "compiled"));
    const script = `
      const { readEnvFile } = await import(${JSON.stringify(reader)});
      try { await readEnvFile(${JSON.stringify(path)}, "locked.env", { optional: false, maxBytes: 1024 }); console.log("{}"); }
      catch (error) { console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint })); }
    `;
    const child = spawnSync(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        "--input-type=module",
        "-e",
        script,
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual({
      code: "ENV_FILE_UNREADABLE",
      message: "locked.env: cannot read the file (permission denied)",
      hint: "check its owner and permissions (ls -l locked.env)",
    });
  });
});
