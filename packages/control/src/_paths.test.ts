import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { socketNameHash } from "./_paths.js";
import {
  checkSocketPathLength,
  controlSocketPath,
  ensureControlDirectory,
  MAX_SOCKET_PATH_BYTES,
} from "./index.js";

const root = mkdtempSync(join(tmpdir(), "control-paths-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;

describe("socketNameHash", () => {
  it("starts with the standard FNV-1a 64 of the key", () => {
    // Published test vectors of FNV-1a 64.
    expect(socketNameHash("").slice(0, 16)).toBe("cbf29ce484222325");
    expect(socketNameHash("a").slice(0, 16)).toBe("af63dc4c8601ec8c");
    expect(socketNameHash("foobar").slice(0, 16)).toBe("85944171f73967e8");
  });

  it("is 24 hex digits and differs for keys that differ in one byte or only in length", () => {
    const keys = [
      "/srv/app/Procfile",
      "/srv/app/Procfilf",
      "/srv/app/Procfile ",
      "/srv/äpp/Procfile",
    ];
    const names = keys.map(socketNameHash);
    for (const name of names) expect(name).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(names).size).toBe(keys.length);
  });

  it("gives 10 000 distinct names for 10 000 sibling paths", () => {
    const names = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) names.add(socketNameHash(`/home/u/project-${i}/Procfile`));
    expect(names.size).toBe(10_000);
  });
});

describe("controlSocketPath", () => {
  it("uses $XDG_RUNTIME_DIR/foreman when it is set to an absolute path", () => {
    const location = controlSocketPath("/srv/app/Procfile", {
      env: { XDG_RUNTIME_DIR: "/run/user/1000" },
      uid: 1000,
    });
    expect(location.directory).toBe("/run/user/1000/foreman");
    expect(location.path).toMatch(/^\/run\/user\/1000\/foreman\/[0-9a-f]{24}\.sock$/);
  });

  it.each([[{}], [{ XDG_RUNTIME_DIR: "" }], [{ XDG_RUNTIME_DIR: "relative/dir" }]])(
    "falls back to a per-uid directory under the temp dir (env %j)",
    (env) => {
      const location = controlSocketPath("/srv/app/Procfile", { env, uid: 501, tmpdir: "/tmp" });
      expect(location.directory).toBe("/tmp/foreman-501");
    },
  );

  it("names the socket after the key: the same key, the same socket; another key, another", () => {
    const options = { env: {}, uid: 1, tmpdir: "/tmp" };
    const a = controlSocketPath("/srv/a/Procfile", options).path;
    expect(controlSocketPath("/srv/a/../a/Procfile", options).path).toBe(a);
    expect(controlSocketPath("/srv/b/Procfile", options).path).not.toBe(a);
  });

  it("keeps the path short whatever the key's length", () => {
    const key = `/${"very-long-directory-name/".repeat(40)}Procfile`;
    const { path } = controlSocketPath(key, { env: {}, uid: 1, tmpdir: "/tmp" });
    expect(() => checkSocketPathLength(path)).not.toThrow();
  });

  it("refuses a socket path longer than a Unix socket address", () => {
    expect(() => checkSocketPathLength(`/${"d".repeat(MAX_SOCKET_PATH_BYTES)}`)).toThrow(
      expect.objectContaining({ code: "CONTROL_PATH_TOO_LONG" }),
    );
  });
});

describe("ensureControlDirectory", () => {
  it("creates the directory with mode 0700", async () => {
    const dir = join(root, "fresh");
    await ensureControlDirectory(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await ensureControlDirectory(dir); // an existing, safe directory is fine
  });

  it.each([0o755, 0o750, 0o701, 0o707])(
    "refuses an existing directory with mode %o",
    async (mode) => {
      const dir = join(root, `open-${mode.toString(8)}`);
      mkdirSync(dir);
      chmodSync(dir, mode);
      await expect(ensureControlDirectory(dir)).rejects.toMatchObject({
        code: "CONTROL_UNSAFE_DIRECTORY",
        hint: `make it private: chmod 700 ${dir}`,
      });
    },
  );

  it("refuses a symlink, even to a private directory", async () => {
    const target = join(root, "target");
    mkdirSync(target, { mode: 0o700 });
    const link = join(root, "link");
    symlinkSync(target, link);
    await expect(ensureControlDirectory(link)).rejects.toMatchObject({
      code: "CONTROL_UNSAFE_DIRECTORY",
    });
  });

  it("refuses a directory owned by someone else", async () => {
    const dir = join(root, "theirs");
    mkdirSync(dir, { mode: 0o700 });
    if (isRoot) {
      chownSync(dir, 65534, 65534);
      await expect(ensureControlDirectory(dir)).rejects.toMatchObject({
        code: "CONTROL_UNSAFE_DIRECTORY",
      });
    } else {
      // Without root we cannot give a directory away; claim to be another uid instead.
      await expect(ensureControlDirectory(dir, { uid: 65534 })).rejects.toMatchObject({
        code: "CONTROL_UNSAFE_DIRECTORY",
      });
    }
  });

  it("reports a parent that does not exist", async () => {
    await expect(ensureControlDirectory(join(root, "missing", "foreman"))).rejects.toMatchObject({
      code: "CONTROL_DIRECTORY_FAILED",
    });
  });
});
