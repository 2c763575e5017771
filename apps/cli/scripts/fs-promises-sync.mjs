// Stands in for node:fs/promises inside dist/foreman.cjs (see bundle.mjs): the same functions,
// returning promises, done with the synchronous calls.
//
// Why: the files foreman reads before it starts anything (Procfile, .env, .foreman) are small and
// local, and each await on fs/promises is a round trip through the threadpool: a Procfile read
// (open, stat, read, read, close) costs about 2 ms that way and 20 us this way, and loading
// fs/promises itself (with readline, watchers and streams behind it) another 0.7 ms. Without any
// asynchronous file call at startup the threadpool is never started at all, which also leaves
// nothing for the exit to join. Errors are the same objects (code, syscall, path, message).
// The files are opened with O_NONBLOCK where that matters (a FIFO), exactly as before.
//
// Only what the bundled packages import is provided: a new import fails the build, not a run.
import {
  chmodSync,
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  statSync,
  unlinkSync,
} from "node:fs";

function settle(run) {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

class FileHandle {
  constructor(fd) {
    this.fd = fd;
  }

  read(buffer, offset = 0, length = buffer.byteLength - offset, position = null) {
    return settle(() => ({
      bytesRead: readSync(this.fd, buffer, offset, length, position),
      buffer,
    }));
  }

  stat(options) {
    return settle(() => fstatSync(this.fd, options));
  }

  close() {
    return settle(() => {
      if (this.fd === -1) return;
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    });
  }
}

export function open(path, flags = "r", mode = 0o666) {
  return settle(() => new FileHandle(openSync(path, flags, mode)));
}

export function lstat(path, options) {
  return settle(() => lstatSync(path, options));
}

export function stat(path, options) {
  return settle(() => statSync(path, options));
}

export function mkdir(path, options) {
  return settle(() => mkdirSync(path, options));
}

export function chmod(path, mode) {
  return settle(() => chmodSync(path, mode));
}

export function unlink(path) {
  return settle(() => unlinkSync(path));
}
