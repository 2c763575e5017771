import { type ChildProcessByStdio, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ControlHandler,
  type ControlServer,
  connectControl,
  controlSocketPath,
  encodeMessage,
  listenControl,
  probeControlSocket,
} from "../src/index.js";

const root = mkdtempSync(join(tmpdir(), "control-e2e-"));
// Traversable by anyone, so that only the socket's own 0700 directory keeps other users out.
chmodSync(root, 0o755);
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const socketPath = (): string =>
  controlSocketPath(`/project-${counter++}/Procfile`, { env: {}, tmpdir: root }).path;

// The unprivileged user the cross-uid tests connect as (nobody), through util-linux's setpriv.
const OTHER_UID = 65534;
const OTHER_GID = 65534;
const canSwitchUser = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
if (!canSwitchUser) {
  console.log("skipping the tests of a client of another uid: they need root and /usr/bin/setpriv");
}
const hasSs =
  process.platform === "linux" &&
  spawnSync("ss", ["-V"], { encoding: "utf8" }).stdout?.includes("iproute2") === true;
if (!hasSs) console.log("skipping the uid-check tests: iproute2's ss is not installed");

/** Starts `node ...nodeArgs` as OTHER_UID. */
function spawnAsOtherUser(nodeArgs: string[]): ChildProcessByStdio<null, Readable, Readable> {
  return spawn(
    "setpriv",
    [
      `--reuid=${OTHER_UID}`,
      `--regid=${OTHER_GID}`,
      "--clear-groups",
      process.execPath,
      ...nodeArgs,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
}

/** Runs `node -e script ...args` as OTHER_UID; resolves when it exits (the server keeps serving). */
function runAsOtherUser(
  script: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawnAsOtherUser(["-e", script, ...args]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ stdout, stderr, code }));
  });
}

const servers: ControlServer[] = [];
async function serve(handler: ControlHandler, path = socketPath()): Promise<ControlServer> {
  const server = await listenControl({ path, handler });
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const echo: ControlHandler = async (call, context) => {
  if (call.command === "fail") {
    throw Object.assign(new Error("no such process: db"), {
      code: "SUPERVISOR_UNKNOWN_PROCESS",
      hint: "the processes are: web",
    });
  }
  if (call.command === "count") {
    const to = Number(call.args.to);
    for (let i = 1; i <= to; i += 1) context.send({ n: i });
    return { counted: to };
  }
  if (call.command === "hang") {
    await context.closed;
    return null;
  }
  if (call.command === "boom") throw "not an error object";
  return { command: call.command, args: call.args };
};

describe("requests and replies", () => {
  it("answers a request with its result", async () => {
    const server = await serve(echo);
    const client = await connectControl(server.path);
    expect(await client.request("ps", { json: true })).toEqual({
      command: "ps",
      args: { json: true },
    });
    client.close();
  });

  it("passes events before the reply, in order", async () => {
    const server = await serve(echo);
    const client = await connectControl(server.path);
    const events: unknown[] = [];
    const result = await client.request("count", { to: 5 }, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }]);
    expect(result).toEqual({ counted: 5 });
    client.close();
  });

  it("keeps concurrent requests on one connection apart", async () => {
    const server = await serve(echo);
    const client = await connectControl(server.path);
    const results = await Promise.all(
      ["a", "b", "c"].map((name) => client.request(name, { name })),
    );
    expect(results.map((r) => (r as { command: string }).command)).toEqual(["a", "b", "c"]);
    client.close();
  });

  it("turns a handler's coded error into a rejection with the same code and hint", async () => {
    const server = await serve(echo);
    const client = await connectControl(server.path);
    await expect(client.request("fail")).rejects.toMatchObject({
      code: "SUPERVISOR_UNKNOWN_PROCESS",
      message: "no such process: db",
      hint: "the processes are: web",
    });
    await expect(client.request("boom")).rejects.toMatchObject({ code: "CONTROL_HANDLER_FAILED" });
    client.close();
  });

  it("refuses a request of another protocol version", async () => {
    const server = await serve(echo);
    const reply = await rawExchange(server.path, '{"v":99,"id":7,"command":"ps","args":{}}\n');
    expect(JSON.parse(reply)).toMatchObject({
      id: 7,
      ok: false,
      error: { code: "CONTROL_PROTOCOL_MISMATCH" },
    });
  });

  it("drops a connection that sends an oversized line", async () => {
    const path = socketPath();
    servers.push(await listenControl({ path, handler: echo, maxRequestBytes: 100 }));
    const reply = await rawExchange(path, `${"x".repeat(200)}\n`);
    expect(JSON.parse(reply)).toMatchObject({ ok: false, error: { code: "CONTROL_BAD_MESSAGE" } });
  });
});

describe("closing", () => {
  it("ends open connections, fails their pending requests and removes the socket file", async () => {
    const server = await serve(echo);
    const client = await connectControl(server.path);
    const hanging = client.request("hang").catch((error: unknown) => error);
    await waitFor(() => server.connectionCount === 1);
    await server.close();
    expect(await hanging).toMatchObject({ code: "CONTROL_CONNECTION_CLOSED" });
    await client.closed;
    expect(existsSync(server.path)).toBe(false);
    await expect(connectControl(server.path)).rejects.toMatchObject({
      code: "CONTROL_NOT_RUNNING",
    });
  });

  it("lets a handler see the client go away", async () => {
    let sawClose: Promise<void> | undefined;
    const server = await serve((call, context) => {
      sawClose = context.closed;
      return call.command === "hang" ? new Promise(() => {}) : null;
    });
    const client = await connectControl(server.path);
    void client.request("hang").catch(() => {});
    await waitFor(() => sawClose !== undefined);
    client.close();
    await sawClose;
  });
});

describe("finding an instance", () => {
  it("says no instance is running when there is no socket", async () => {
    await expect(connectControl(socketPath())).rejects.toMatchObject({
      code: "CONTROL_NOT_RUNNING",
    });
    expect(await probeControlSocket(socketPath())).toBe("absent");
  });

  it("refuses a second server on the same path while the first is live", async () => {
    const server = await serve(echo);
    await expect(listenControl({ path: server.path, handler: echo })).rejects.toMatchObject({
      code: "CONTROL_ALREADY_RUNNING",
    });
    // The first still works.
    const client = await connectControl(server.path);
    expect(await client.request("ps")).toMatchObject({ command: "ps" });
    client.close();
  });

  it("replaces a socket left behind by a process that was SIGKILLed", async () => {
    const path = socketPath();
    const owner = await import("node:fs/promises");
    await owner.mkdir(join(path, ".."), { mode: 0o700, recursive: true });
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./fixtures/listen-and-wait.mjs", import.meta.url)), path],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    expect(lstatSync(path).isSocket()).toBe(true);
    expect(await probeControlSocket(path)).toBe("stale");
    await expect(connectControl(path)).rejects.toMatchObject({ code: "CONTROL_NOT_RUNNING" });

    const server = await serve(echo, path);
    const client = await connectControl(path);
    expect(await client.request("ps")).toMatchObject({ command: "ps" });
    client.close();
    expect(server.path).toBe(path);
    // The inode it reports is that of the socket file it made in place of the stale one (the
    // number itself may be the same: a file system may hand a freed inode number out again).
    expect(server.inode).toBe(lstatSync(path, { bigint: true }).ino);
  });
});

describe("permissions", () => {
  it("makes the socket 0600 in a 0700 directory", async () => {
    const server = await serve(echo);
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(server.path, "..")).mode & 0o777).toBe(0o700);
  });

  it("refuses to listen in a directory others can enter", async () => {
    const { path, directory: dir } = controlSocketPath("/open/Procfile", {
      env: {},
      tmpdir: mkdtempSync(join(root, "open-")),
    });
    const fs = await import("node:fs/promises");
    await fs.mkdir(dir);
    await fs.chmod(dir, 0o755);
    await expect(listenControl({ path, handler: echo })).rejects.toMatchObject({
      code: "CONTROL_UNSAFE_DIRECTORY",
    });
  });

  it.skipIf(!canSwitchUser)("the kernel refuses a client of another uid (setpriv)", async () => {
    const server = await serve(echo);
    // The same connect a client makes, as uid 65534 (nobody), straight to the socket path.
    const script = `
      const socket = require("node:net").createConnection(process.argv[1]);
      socket.on("connect", () => { console.log("connected"); process.exit(0); });
      socket.on("error", (e) => { console.log(e.code); process.exit(0); });`;
    const result = await runAsOtherUser(script, server.path);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("EACCES");
    // The owner still gets in.
    const client = await connectControl(server.path);
    expect(await client.request("ps")).toMatchObject({ command: "ps" });
    client.close();
  });
});

describe("the peer's uid", () => {
  it.skipIf(!hasSs)("is checked when ss runs; a connection of our own uid is served", async () => {
    const server = await serve(echo);
    expect(server.peerCheck).toBe("uid");
    const client = await connectControl(server.path);
    expect(await client.request("ps", { n: 1 })).toEqual({ command: "ps", args: { n: 1 } });
    client.close();
  });

  it("falls back to the filesystem permissions when ss is missing", async () => {
    const path = socketPath();
    const server = await listenControl({ path, handler: echo, ssCommand: "/nonexistent/ss" });
    servers.push(server);
    expect(server.peerCheck).toBe("filesystem");
    const client = await connectControl(path);
    expect(await client.request("ps")).toMatchObject({ command: "ps" });
    client.close();
  });

  it.skipIf(!hasSs)(
    "serves its own uid although the full ss listing holds forged copies of every line",
    async () => {
      // What a socket or process name with a newline can do to `ss -xp` output: add lines that
      // claim any inode. This ss prints every line twice in a full listing, the copy held by
      // pid 1, and passes a filtered one (`src <path>`, ours) through as it is.
      const real = spawnSync("sh", ["-c", "command -v ss"], { encoding: "utf8" }).stdout.trim();
      const dir = mkdtempSync(join(tmpdir(), "control-forging-ss-"));
      const forging = join(dir, "ss");
      writeFileSync(
        forging,
        `#!/bin/sh\nout=$(${real} "$@") || exit $?\nprintf '%s\\n' "$out"\n[ "$#" -gt 1 ] && exit 0\nprintf '%s\\n' "$out" | sed 's/users:(.*$/users:(("forged",pid=1,fd=0))/'\n`,
      );
      chmodSync(forging, 0o755);
      try {
        const path = socketPath();
        let calls = 0;
        const server = await listenControl({
          path,
          handler: (call) => {
            calls += 1;
            return { command: call.command };
          },
          ssCommand: forging,
        });
        servers.push(server);
        expect(server.peerCheck).toBe("uid");
        const client = await connectControl(path);
        expect(await client.request("ps")).toEqual({ command: "ps" });
        client.close();
        expect(calls).toBe(1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it.skipIf(!hasSs)("answers the requests sent while the check runs, in order", async () => {
    const calls: string[] = [];
    const server = await serve((call) => {
      calls.push(call.command);
      return { command: call.command };
    });
    // Written at once, with the connect: they wait in the paused socket until it is admitted.
    const requests = ["a", "b", "c"].map((command, i) =>
      encodeMessage({ v: 1, id: i + 1, command, args: {} }),
    );
    const replies = await rawExchange(server.path, requests.join(""), 3);
    expect(replies.map((line) => JSON.parse(line))).toEqual([
      { id: 1, ok: true, result: { command: "a" } },
      { id: 2, ok: true, result: { command: "b" } },
      { id: 3, ok: true, result: { command: "c" } },
    ]);
    expect(calls).toEqual(["a", "b", "c"]);
  });

  it.skipIf(!hasSs)("refuses a uid not in allowedUids before its handler runs", async () => {
    let calls = 0;
    const path = socketPath();
    const uid = process.getuid?.() ?? 0;
    const server = await listenControl({
      path,
      handler: () => {
        calls += 1;
        return null;
      },
      allowedUids: [uid + 1],
    });
    servers.push(server);
    const client = await connectControl(path);
    const refused = {
      code: "CONTROL_PEER_REFUSED",
      message: `refused a connection from uid ${uid}: this instance belongs to uid ${uid}`,
      hint: `run the command as the user who started the instance (uid ${uid})`,
    };
    // The refusal may come before the request is sent, or after: either way it is what fails.
    await expect(client.request("ps")).rejects.toMatchObject(refused);
    await client.closed;
    await expect(client.request("ps")).rejects.toMatchObject(refused);
    expect(calls).toBe(0);
  });

  it.skipIf(!(hasSs && canSwitchUser))(
    "refuses another uid even when the socket was made reachable (setpriv)",
    async () => {
      let calls = 0;
      const server = await serve(() => {
        calls += 1;
        return "served";
      });
      // Someone widened the permissions by mistake: the kernel lets anyone connect now.
      chmodSync(join(server.path, ".."), 0o777);
      chmodSync(server.path, 0o666);
      const script = `
        const socket = require("node:net").createConnection(process.argv[1]);
        let data = "";
        socket.on("connect", () => socket.write('{"v":1,"id":1,"command":"ps","args":{}}\\n'));
        socket.on("data", (chunk) => { data += chunk; });
        socket.on("close", () => { console.log(JSON.stringify({ data })); process.exit(0); });
        socket.on("error", (e) => { console.log(JSON.stringify({ error: e.code })); process.exit(0); });`;
      const result = await runAsOtherUser(script, server.path);
      expect(result.stderr).toBe("");
      // One refusal, then the server ended the connection (the client saw it close).
      const { data } = JSON.parse(result.stdout) as { data: string };
      expect(data.endsWith("\n")).toBe(true);
      expect(
        data
          .trimEnd()
          .split("\n")
          .map((line) => JSON.parse(line)),
      ).toEqual([
        {
          id: 0,
          ok: false,
          error: {
            code: "CONTROL_PEER_REFUSED",
            message: `refused a connection from uid ${OTHER_UID}: this instance belongs to uid ${process.getuid?.()}`,
            hint: `run the command as the user who started the instance (uid ${process.getuid?.()})`,
          },
        },
      ]);
      expect(calls).toBe(0);
      // The owner is still served.
      const client = await connectControl(server.path);
      expect(await client.request("ps")).toBe("served");
      expect(calls).toBe(1);
      client.close();
    },
  );
});

// As a server that is not root (the usual case) sees it: `ss` shows it only its own processes.
describe("the peer's uid, checked by a server that is not root", () => {
  it.skipIf(!(hasSs && canSwitchUser))(
    "serves its own uid and refuses a peer it cannot see (root's)",
    async () => {
      const tmp = mkdtempSync(join(root, "other-"));
      chmodSync(tmp, 0o755);
      const { path, directory } = controlSocketPath("/other/Procfile", {
        env: {},
        uid: OTHER_UID,
        tmpdir: tmp,
      });
      mkdirSync(directory, { mode: 0o700 });
      chownSync(directory, OTHER_UID, OTHER_GID);
      const fixture = fileURLToPath(new URL("./fixtures/serve-control.mjs", import.meta.url));
      const server = spawnAsOtherUser([fixture, path]);
      try {
        const ready = await new Promise<string>((resolve, reject) => {
          server.stdout.once("data", (chunk) => resolve(String(chunk)));
          server.once("exit", (code) => reject(new Error(`the server exited (${code})`)));
        });
        expect(JSON.parse(ready)).toEqual({ peerCheck: "uid" });

        const script = `
          const socket = require("node:net").createConnection(process.argv[1]);
          socket.write('{"v":1,"id":1,"command":"whoami","args":{}}\\n');
          socket.on("data", (chunk) => { console.log(String(chunk).trim()); process.exit(0); });`;
        const own = await runAsOtherUser(script, path);
        expect(own.stderr).toBe("");
        expect(JSON.parse(own.stdout)).toEqual({ id: 1, ok: true, result: { uid: OTHER_UID } });

        // root gets past the 0700 directory (the kernel lets it), but its process is not one the
        // server may look into: not attributable, so refused.
        const client = await connectControl(path);
        await expect(client.request("whoami")).rejects.toMatchObject({
          code: "CONTROL_PEER_REFUSED",
          message: `refused a connection from a process it cannot identify (another user's, or one already gone): this instance belongs to uid ${OTHER_UID}`,
        });
        client.close();
      } finally {
        server.kill("SIGTERM");
        if (server.exitCode === null) await new Promise((resolve) => server.once("exit", resolve));
      }
    },
  );
});

function rawExchange(path: string, payload: string): Promise<string>;
function rawExchange(path: string, payload: string, lineCount: number): Promise<string[]>;
/** Sends `payload` as soon as it connects; resolves with the first line (or `lineCount` lines). */
function rawExchange(
  path: string,
  payload: string,
  lineCount?: number,
): Promise<string | string[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let data = "";
    socket.on("data", (chunk) => {
      data += String(chunk);
      const lines = data.split("\n").slice(0, -1);
      if (lines.length >= (lineCount ?? 1)) {
        socket.destroy();
        resolve(lineCount === undefined ? (lines[0] ?? "") : lines.slice(0, lineCount));
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error(`closed after ${JSON.stringify(data)}`)));
    socket.write(payload);
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition never became true");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
