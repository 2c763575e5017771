import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_MAX_PROCFILE_BYTES, type ProcfileError, readProcfile } from "../src/index.js";
import { transpilePackage } from "./_transpile.js";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "procfile-read-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ProcfileError> {
  try {
    await promise;
  } catch (error) {
    return error as ProcfileError;
  }
  throw new Error("expected readProcfile to reject");
}

describe("readProcfile: regular files", () => {
  it("reads and parses, with filename = path", async () => {
    const path = file("Procfile", "web: node server.js\nworker : x\n");
    const result = await readProcfile(path);
    expect(result.path).toBe(path);
    expect(result.source).toBe("web: node server.js\nworker : x\n");
    expect(result.entries).toEqual([{ name: "web", command: "node server.js", line: 1 }]);
    expect(result.diagnostics).toMatchObject([
      { code: "PROCFILE_SPACE_BEFORE_COLON", file: path, line: 2 },
    ]);
  });

  it("accepts a BOM and CRLF line ends", async () => {
    const path = file("Procfile.crlf", "\uFEFFweb: a $PORT # x\r\nworker: b\r\n");
    const { entries, diagnostics } = await readProcfile(path);
    expect(entries.map((e) => [e.name, e.command])).toEqual([
      ["web", "a $PORT # x"],
      ["worker", "b"],
    ]);
    expect(diagnostics).toEqual([]);
  });

  it("follows a symlink to a file", async () => {
    const target = file("Procfile.target", "web: a\n");
    const link = join(dir, "Procfile.link");
    symlinkSync(target, link);
    expect((await readProcfile(link)).entries).toHaveLength(1);
  });

  it("accepts a file of exactly maxBytes", async () => {
    const path = file("Procfile.exact", "web: abcd\n");
    expect((await readProcfile(path, { maxBytes: 10 })).entries).toHaveLength(1);
  });

  it("rejects a nonsensical maxBytes", async () => {
    await expect(readProcfile(join(dir, "x"), { maxBytes: -1 })).rejects.toThrow(RangeError);
  });
});

describe("readProcfile: refusals", () => {
  it("PROCFILE_NOT_FOUND for a missing file", async () => {
    const path = join(dir, "missing", "Procfile");
    const error = await rejection(readProcfile(path));
    expect(error).toMatchObject({
      code: "PROCFILE_NOT_FOUND",
      message: `Procfile not found: ${path}`,
      hint: "create one, e.g. `web: node server.js`, or pass -f PATH",
      file: path,
    });
    expect(error.cause).toMatchObject({ code: "ENOENT" });
  });

  it("PROCFILE_NOT_FOUND when a parent is a file, or for a dangling symlink", async () => {
    const parent = file("not-a-dir", "web: a\n");
    expect((await rejection(readProcfile(join(parent, "Procfile")))).code).toBe(
      "PROCFILE_NOT_FOUND",
    );
    const link = join(dir, "dangling");
    symlinkSync(join(dir, "nowhere"), link);
    expect((await rejection(readProcfile(link))).code).toBe("PROCFILE_NOT_FOUND");
  });

  it("PROCFILE_IS_DIRECTORY for a directory", async () => {
    const sub = join(dir, "app");
    mkdirSync(sub);
    const error = await rejection(readProcfile(sub));
    expect(error).toMatchObject({
      code: "PROCFILE_IS_DIRECTORY",
      message: `${sub}: is a directory, not a Procfile`,
    });
    expect(error.hint).toContain(join(sub, "Procfile"));
  });

  it("PROCFILE_NOT_A_FILE for a FIFO, without blocking on it", async () => {
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const error = await rejection(readProcfile(fifo));
    expect(error).toMatchObject({
      code: "PROCFILE_NOT_A_FILE",
      message: `${fifo}: is a FIFO (named pipe), not a regular file`,
    });
  });

  it.skipIf(!existsSync("/dev/zero"))(
    "PROCFILE_NOT_A_FILE for /dev/zero, without reading forever",
    async () => {
      const error = await rejection(readProcfile("/dev/zero"));
      expect(error).toMatchObject({
        code: "PROCFILE_NOT_A_FILE",
        message: "/dev/zero: is a character device, not a regular file",
      });
    },
  );

  it("PROCFILE_NOT_A_FILE for a UNIX socket", async () => {
    const socketPath = join(dir, "sock");
    const server: Server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(socketPath, resolve);
    });
    try {
      expect((await rejection(readProcfile(socketPath))).code).toBe("PROCFILE_NOT_A_FILE");
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("PROCFILE_TOO_LARGE over maxBytes", async () => {
    const path = file("Procfile.big", "web: abcde\n");
    const error = await rejection(readProcfile(path, { maxBytes: 10 }));
    expect(error).toMatchObject({ code: "PROCFILE_TOO_LARGE", file: path });
    expect(error.message).toBe(`${path}: larger than 10 bytes, too large for a Procfile`);
  });

  it("PROCFILE_TOO_LARGE over the 1 MiB default (sparse file, nothing read)", async () => {
    const path = file("Procfile.huge", "");
    truncateSync(path, DEFAULT_MAX_PROCFILE_BYTES + 1);
    expect(DEFAULT_MAX_PROCFILE_BYTES).toBe(1024 * 1024);
    expect((await rejection(readProcfile(path))).code).toBe("PROCFILE_TOO_LARGE");
  });

  it.skipIf(!existsSync("/proc/self/status"))(
    "PROCFILE_TOO_LARGE counts bytes read, not the reported size (/proc files report 0)",
    async () => {
      expect((await rejection(readProcfile("/proc/self/status", { maxBytes: 16 }))).code).toBe(
        "PROCFILE_TOO_LARGE",
      );
    },
  );

  it("PROCFILE_INVALID_UTF8 with the line of the first bad byte", async () => {
    const path = file(
      "Procfile.latin1",
      Uint8Array.from([...Buffer.from("web: a\r\nworker: caf"), 0xe9, 0x0a]),
    );
    const error = await rejection(readProcfile(path));
    expect(error).toMatchObject({ code: "PROCFILE_INVALID_UTF8", line: 2, file: path });
    expect(error.message).toMatch(new RegExp(`^${path}:2: invalid UTF-8`));
    expect(error.hint).toContain("UTF-8");
  });

  it("PROCFILE_BINARY for a NUL byte, with its line", async () => {
    const path = file("Procfile.bin", "web: a\n\nworker: b\u0000\n");
    const error = await rejection(readProcfile(path));
    expect(error).toMatchObject({ code: "PROCFILE_BINARY", line: 3, file: path });
    expect(error.message).toBe(
      `${path}:3: NUL byte; this looks like a binary file, not a Procfile`,
    );
  });

  it("PROCFILE_BINARY for UTF-16, with a hint to save as UTF-8", async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("web: a\n", "utf16le")]);
    const error = await rejection(readProcfile(file("Procfile.utf16", utf16)));
    expect(error.code).toBe("PROCFILE_BINARY");
    expect(error.hint).toContain("UTF-16");
  });

  it("escapes control characters of the path in messages", async () => {
    const error = await rejection(readProcfile(join(dir, "evil\u001b[2J")));
    expect(error.message).toContain("evil\\x1b[2J");
    expect(error.message).not.toContain("\u001b");
    expect(error.file).toBe(join(dir, "evil\u001b[2J"));
  });
});

describe("readProcfile: permissions", () => {
  const isRoot = process.getuid?.() === 0;
  const hasSetpriv = ["/usr/bin/setpriv", "/bin/setpriv"].some((path) => existsSync(path));
  if (isRoot && !hasSetpriv)
    console.log("skipping the EACCES test: running as root and setpriv is missing");

  it.skipIf(process.platform === "win32" || (isRoot && !hasSetpriv))(
    "PROCFILE_UNREADABLE for a file without read permission",
    async () => {
      const shared = mkdtempSync(join(tmpdir(), "procfile-eacces-"));
      try {
        chmodSync(shared, 0o755);
        const path = join(shared, "Procfile");
        writeFileSync(path, "web: a\n");
        chmodSync(path, 0o000);
        let outcome: { code?: string; message?: string; hint?: string };
        if (isRoot) {
          // Root reads anything, so read as `nobody` in a child process running this package's
          // current sources.
          const entry = transpilePackage(join(shared, "pkg"));
          const script = join(shared, "read.mjs");
          writeFileSync(
            script,
            `import { readProcfile } from ${JSON.stringify(entry)};
try { await readProcfile(process.argv[2]); console.log("{}"); }
catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, hint: e.hint })); }
`,
          );
          const stdout = await new Promise<string>((resolve, reject) => {
            execFile(
              "setpriv",
              ["--reuid=65534", "--regid=65534", "--clear-groups", process.execPath, script, path],
              { timeout: 60_000 },
              (error, out, err) =>
                error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
            );
          });
          outcome = JSON.parse(stdout);
        } else {
          outcome = await rejection(readProcfile(path));
        }
        expect(outcome).toMatchObject({
          code: "PROCFILE_UNREADABLE",
          message: `${path}: cannot read the Procfile (permission denied)`,
        });
        expect(outcome.hint).toContain("permissions");
      } finally {
        rmSync(shared, { recursive: true, force: true });
      }
    },
  );
});
