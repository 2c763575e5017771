import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  type ControlHandler,
  type ControlServer,
  connectControl,
  controlSocketPath,
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

  const canSwitchUser = process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");
  it.skipIf(!canSwitchUser)("the kernel refuses a client of another uid (setpriv)", async () => {
    const server = await serve(echo);
    // The same connect a client makes, as uid 65534 (nobody), straight to the socket path.
    const script = `
      const socket = require("node:net").createConnection(process.argv[1]);
      socket.on("connect", () => { console.log("connected"); process.exit(0); });
      socket.on("error", (e) => { console.log(e.code); process.exit(0); });`;
    const result = spawnSync(
      "setpriv",
      [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        process.execPath,
        "-e",
        script,
        server.path,
      ],
      { encoding: "utf8", timeout: 10_000 },
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("EACCES");
    // The owner still gets in.
    const client = await connectControl(server.path);
    expect(await client.request("ps")).toMatchObject({ command: "ps" });
    client.close();
  });
});

function rawExchange(path: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let data = "";
    socket.on("data", (chunk) => {
      data += String(chunk);
      const newline = data.indexOf("\n");
      if (newline !== -1) {
        socket.destroy();
        resolve(data.slice(0, newline));
      }
    });
    socket.on("error", reject);
    socket.on("connect", () => socket.write(payload));
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition never became true");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
