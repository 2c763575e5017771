/**
 * Reading `ss -xpH` (iproute2) output: which Unix socket is connected to which, and which
 * processes hold it. Pure: the code that runs `ss` and looks in /proc is in `_peer-lookup.ts`.
 *
 * A line (no header with -H; columns padded with spaces):
 *   u_str ESTAB 0 0 /tmp/a b.sock 4173 * 4172 users:(("node",pid=1625,fd=21),("sh",pid=9,fd=3))
 *   netid state recv-q send-q local-address local-inode peer-address peer-inode [users:(...)]
 * `ss` prints socket names and process names as they are, so a name may hold spaces, digits,
 * quotes or even a newline: whoever names a socket or a process can shape the text. Nothing read
 * here is trusted on its own; the caller checks every claimed (pid, fd) against the peer's inode
 * in /proc before it believes it.
 */

export interface SocketHolder {
  /** The process name (`comm`) as `ss` printed it; informative only. */
  name: string;
  pid: number;
  fd: number;
}

export interface UnixSocketLine {
  netid: string;
  localAddress: string;
  localInode: number;
  peerAddress: string;
  peerInode: number;
  holders: SocketHolder[];
}

// netid state recv-q send-q: no backtracking (each piece is a run of one kind of character).
const HEAD = /^(u_\S+)\s+\S+\s+\d+\s+\d+\s+/;
const WORD = /\S+/g;
const DIGITS = /^\d+$/;
// `("name",pid=1,fd=2)`; iproute2 before 3.15 printed `("name",1,2)`.
const HOLDER = /\("((?:[^"]|"(?!,(?:pid=)?\d))*)",(?:pid=)?(\d+),(?:fd=)?(\d+)\)/g;

/**
 * One line of `ss -xpH`, or `undefined` for anything that is not a Unix socket line. Read word by
 * word, not with one regular expression: the padding makes long runs of spaces, on which a
 * pattern with two free-form addresses backtracks for a long time (on the event loop).
 *
 * The peer address must be one word: sock_diag does not report a connected peer's name, so `ss`
 * prints `*`. The local address is every word up to the inode before it, spaces kept, so a path
 * with spaces, even with a number between them, splits at the right place.
 */
export function parseSsUnixLine(line: string): UnixSocketLine | undefined {
  const head = HEAD.exec(line);
  if (head === null) return undefined;
  const rest = line.slice(head[0].length);
  const words: { text: string; start: number; end: number }[] = [];
  for (const word of rest.matchAll(WORD)) {
    words.push({ text: word[0], start: word.index, end: word.index + word[0].length });
  }
  // The first place where "<inode> <peer> <inode>" ends the line or is followed by users:(...).
  let end = -1;
  for (let i = 4; i <= words.length; i += 1) {
    const next = words[i];
    if (next !== undefined && !next.text.startsWith("users:(")) continue;
    if (DIGITS.test(words[i - 3]?.text ?? "") && DIGITS.test(words[i - 1]?.text ?? "")) {
      end = i;
      break;
    }
  }
  if (end === -1) return undefined;
  const first = words[0];
  const lastOfLocal = words[end - 4];
  const localInode = words[end - 3];
  const peerAddress = words[end - 2];
  const peerInode = words[end - 1];
  if (
    first === undefined ||
    lastOfLocal === undefined ||
    localInode === undefined ||
    peerAddress === undefined ||
    peerInode === undefined
  ) {
    return undefined;
  }
  const users = end < words.length ? rest.slice(words[end]?.start) : "";
  const holders: SocketHolder[] = [];
  for (const holder of users.matchAll(HOLDER)) {
    holders.push({ name: holder[1] ?? "", pid: Number(holder[2]), fd: Number(holder[3]) });
  }
  return {
    netid: head[1] ?? "",
    localAddress: rest.slice(first.start, lastOfLocal.end),
    localInode: Number(localInode.text),
    peerAddress: peerAddress.text,
    peerInode: Number(peerInode.text),
    holders,
  };
}

export function parseSsUnixOutput(output: string): UnixSocketLine[] {
  const lines: UnixSocketLine[] = [];
  for (const text of output.split("\n")) {
    const line = parseSsUnixLine(text);
    if (line !== undefined) lines.push(line);
  }
  return lines;
}

/** `socket:[4173]` (a /proc/<pid>/fd link) → 4173. */
export function parseSocketInode(link: string): number | undefined {
  const match = /^socket:\[(\d+)\]$/.exec(link);
  return match === null ? undefined : Number(match[1]);
}

export type PeerResolution =
  /** The peer's line: the processes `ss` says hold the other end (maybe none it could see). */
  | { kind: "found"; peerInode: number; holders: SocketHolder[] }
  /** `ss` does not list our own socket: it cannot see our sockets, so it cannot check anything. */
  | { kind: "own-missing" }
  /**
   * `ss` reads /proc/net/unix (no sock_diag for Unix sockets in this kernel), which has no peers:
   * it cannot check anything either.
   */
  | { kind: "no-peer-info" }
  /**
   * Our socket is listed but its peer is not, or is 0: the client closed already (a socket
   * whose other end is released shows peer 0). It may have sent requests first: not served.
   */
  | { kind: "peer-missing"; peerInode: number }
  /**
   * Two lines claim our own socket's inode: a socket or process name with a newline forged one,
   * and which peer is ours cannot be told. `ownLines` from a listing only our socket's lines can
   * be in avoids it.
   */
  | { kind: "ambiguous"; inode: number };

/**
 * Finds the socket connected to `ownInode` and who may hold it. Our own line is taken from
 * `ownLines` when given and it is there (`ss src <our path>`: only sockets bound to our path are
 * listed, so no one else's name can add a line), else from `lines`. Every line that claims the
 * peer's inode adds its holders, a forged one too: the caller believes a holder only once
 * /proc/<pid>/fd/<fd> proves it, so a forged holder costs a stat, where refusing would let anyone
 * who can name a socket lock the rightful user out.
 */
export function resolvePeer(
  lines: readonly UnixSocketLine[],
  ownInode: number,
  ownLines?: readonly UnixSocketLine[],
): PeerResolution {
  const isOwn = (line: UnixSocketLine): boolean => line.localInode === ownInode;
  const ownFiltered = ownLines?.filter(isOwn) ?? [];
  const own = ownFiltered.length > 0 ? ownFiltered : lines.filter(isOwn);
  if (own.length === 0) return { kind: "own-missing" };
  if (own.length > 1) return { kind: "ambiguous", inode: ownInode };
  const peerInode = own[0]?.peerInode ?? 0;
  if (peerInode === 0) {
    // With sock_diag there is always a connected pair to see: `ss`'s own stdio is socketpairs.
    return lines.some((line) => line.peerInode !== 0)
      ? { kind: "peer-missing", peerInode }
      : { kind: "no-peer-info" };
  }
  const peer = lines.filter((line) => line.localInode === peerInode);
  if (peer.length === 0) return { kind: "peer-missing", peerInode };
  const holders: SocketHolder[] = [];
  const seen = new Set<string>();
  for (const holder of peer.flatMap((line) => line.holders)) {
    const key = `${holder.pid}/${holder.fd}`;
    if (seen.has(key)) continue;
    seen.add(key);
    holders.push(holder);
  }
  return { kind: "found", peerInode, holders };
}
