import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseSocketInode,
  parseSsUnixLine,
  parseSsUnixOutput,
  resolvePeer,
  type UnixSocketLine,
} from "./_peer.js";

// Lines as `ss -xpH` (iproute2 6.1) prints them, padding included.
const node = (pid: number, fd: number) => ({ name: "node", pid, fd });

describe("parseSsUnixLine", () => {
  it.each<[string, string, Partial<UnixSocketLine> | undefined]>([
    [
      "a connected socket with its holder",
      'u_str ESTAB 0      0      /tmp/peer-test.sock 4173 * 4172 users:(("node",pid=1625,fd=21))',
      {
        netid: "u_str",
        localAddress: "/tmp/peer-test.sock",
        localInode: 4173,
        peerAddress: "*",
        peerInode: 4172,
        holders: [node(1625, 21)],
      },
    ],
    [
      "an unnamed socket, padded",
      'u_str ESTAB 0      0                           * 5601 * 5602 users:(("node",pid=2613,fd=20))',
      { localAddress: "*", localInode: 5601, peerInode: 5602, holders: [node(2613, 20)] },
    ],
    [
      "several processes hold it (inherited across fork)",
      'u_str ESTAB 0 0 * 10 * 11 users:(("bash",pid=7,fd=3),("sleep",pid=8,fd=3),("node",pid=9,fd=255))',
      {
        holders: [
          { name: "bash", pid: 7, fd: 3 },
          { name: "sleep", pid: 8, fd: 3 },
          { name: "node", pid: 9, fd: 255 },
        ],
      },
    ],
    [
      "no users: (a process ss may not inspect), trailing padding",
      "u_str ESTAB 0      0      * 1150  * 1151                                ",
      { localInode: 1150, peerInode: 1151, holders: [] },
    ],
    [
      "spaces in the path",
      'u_str ESTAB 0      0      /tmp/peer dir/a b.sock 5602 * 5601 users:(("node",pid=2613,fd=21))',
      { localAddress: "/tmp/peer dir/a b.sock", localInode: 5602, peerInode: 5601 },
    ],
    [
      "a path with a number between spaces",
      'u_str ESTAB 0 0 /tmp/a 12 b.sock 5602 * 5601 users:(("node",pid=1,fd=2))',
      { localAddress: "/tmp/a 12 b.sock", localInode: 5602, peerInode: 5601 },
    ],
    [
      "an abstract socket",
      'u_str ESTAB 0 0 @/tmp/.X11-unix/X0 20 * 21 users:(("Xorg",pid=600,fd=40))',
      {
        localAddress: "@/tmp/.X11-unix/X0",
        localInode: 20,
        holders: [{ name: "Xorg", pid: 600, fd: 40 }],
      },
    ],
    [
      "an abstract socket with a space, padded with @ (Node binds the whole sun_path)",
      'u_str ESTAB 0 0 @abs name@@@@@@@@ 12444 * 12443 users:(("node",pid=6653,fd=21))',
      { localAddress: "@abs name@@@@@@@@", localInode: 12444, peerInode: 12443 },
    ],
    [
      "a process name with spaces, a quote and parentheses",
      'u_str ESTAB 0 0 * 30 * 31 users:(("my "odd" (app)",pid=5,fd=6))',
      { holders: [{ name: 'my "odd" (app)', pid: 5, fd: 6 }] },
    ],
    [
      "a seqpacket and a datagram socket",
      'u_seq ESTAB 0 0 /run/x.sock 40 * 41 users:(("a",pid=1,fd=2))',
      { netid: "u_seq", localInode: 40, peerInode: 41 },
    ],
    [
      "the users format of iproute2 before 3.15",
      'u_str ESTAB 0 0 * 50 * 51 users:(("node",1625,21))',
      { holders: [node(1625, 21)] },
    ],
    [
      "the header (without -H)",
      "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:Port Process",
      undefined,
    ],
    ["a TCP line", "tcp   ESTAB 0 0 127.0.0.1:22 127.0.0.1:5000", undefined],
    ["an empty line", "", undefined],
    [
      "the tail of a line broken by a newline in a name",
      'x 1 12444 * 12443 users:(("node",pid=6653,fd=21))',
      undefined,
    ],
  ])("%s", (_name, line, expected) => {
    const parsed = parseSsUnixLine(line);
    if (expected === undefined) expect(parsed).toBeUndefined();
    else expect(parsed).toMatchObject(expected);
  });

  it("never throws, and any line it takes has whole-number inodes and holders", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (line) => {
        const parsed = parseSsUnixLine(line);
        if (parsed === undefined) return;
        expect(Number.isSafeInteger(parsed.localInode)).toBe(true);
        expect(Number.isSafeInteger(parsed.peerInode)).toBe(true);
        for (const h of parsed.holders) expect(Number.isSafeInteger(h.pid + h.fd)).toBe(true);
      }),
    );
  });
});

describe("parseSocketInode", () => {
  it.each([
    ["socket:[4173]", 4173],
    ["pipe:[4173]", undefined],
    ["/dev/null", undefined],
    ["socket:[]", undefined],
    ["socket:[12] ", undefined],
  ])("%j → %j", (link, inode) => {
    expect(parseSocketInode(link)).toBe(inode);
  });
});

// Our accepted socket is 4173, the client's is 4172.
const OURS = 'u_str ESTAB 0 0 /tmp/f/x.sock 4173 * 4172 users:(("node",pid=100,fd=21))';
const CLIENT = 'u_str ESTAB 0 0 * 4172 * 4173 users:(("node",pid=200,fd=19))';
const OTHER = 'u_str ESTAB 0 0 * 1150 * 1151 users:(("dbus",pid=3,fd=7))';

describe("resolvePeer", () => {
  it.each<[string, string[], number, ReturnType<typeof resolvePeer>]>([
    [
      "finds the client's holders",
      [OTHER, OURS, CLIENT],
      4173,
      { kind: "found", peerInode: 4172, holders: [node(200, 19)] },
    ],
    [
      "a client ss may not inspect: found, no holders",
      [OURS, "u_str ESTAB 0 0 * 4172 * 4173"],
      4173,
      { kind: "found", peerInode: 4172, holders: [] },
    ],
    ["our socket not listed", [OTHER, CLIENT], 4173, { kind: "own-missing" }],
    ["the client already closed", [OTHER, OURS], 4173, { kind: "peer-missing", peerInode: 4172 }],
    [
      "the client closed already: its end shows as 0",
      [OTHER, 'u_str ESTAB 0 0 /tmp/f/x.sock 4173 * 0 users:(("node",pid=100,fd=21))'],
      4173,
      { kind: "peer-missing", peerInode: 0 },
    ],
    [
      "no line has a peer: ss read /proc/net/unix, which has none",
      [
        'u_str ESTAB 0 0 /tmp/f/x.sock 4173 * 0 users:(("node",pid=100,fd=21))',
        'u_str ESTAB 0 0 * 1150 * 0 users:(("dbus",pid=3,fd=7))',
      ],
      4173,
      { kind: "no-peer-info" },
    ],
    [
      // The client bound itself to a name holding newlines and a made-up line that says our own
      // process holds it; its real line is cut into pieces that do not parse. resolvePeer cannot
      // tell, so the lookup believes a holder only if /proc/100/fd/21 has inode 4172 (it has 4173).
      "a line forged through a newline in the client's name",
      [
        OURS,
        "u_str ESTAB 0 0 /tmp/evil",
        'u_str ESTAB 0 0 * 4172 * 4173 users:(("node",pid=100,fd=21))',
        'zz 4172 * 4173 users:(("evil",pid=666,fd=3))',
      ],
      4173,
      { kind: "found", peerInode: 4172, holders: [node(100, 21)] },
    ],
    [
      // Not refused: each claimed holder is checked in /proc, where only the real one holds 4172.
      "a forged line next to the client's real one: both lines' holders",
      [OURS, 'u_str ESTAB 0 0 * 4172 * 4173 users:(("node",pid=100,fd=21))', CLIENT],
      4173,
      { kind: "found", peerInode: 4172, holders: [node(100, 21), node(200, 19)] },
    ],
    [
      "the same holder claimed twice counts once",
      [OURS, CLIENT, CLIENT],
      4173,
      { kind: "found", peerInode: 4172, holders: [node(200, 19)] },
    ],
    [
      "a forged line claiming our own inode",
      [OURS, 'u_str ESTAB 0 0 * 4173 * 9 users:(("node",pid=100,fd=5))', CLIENT],
      4173,
      { kind: "ambiguous", inode: 4173 },
    ],
  ])("%s", (_name, lines, ownInode, expected) => {
    expect(resolvePeer(parseSsUnixOutput(lines.join("\n")), ownInode)).toEqual(expected);
  });

  it("takes our own line from the listing of our path alone, where no forged line can be", () => {
    const forged = 'u_str ESTAB 0 0 * 4173 * 9 users:(("node",pid=100,fd=5))';
    const all = parseSsUnixOutput([OURS, forged, CLIENT].join("\n"));
    expect(resolvePeer(all, 4173, parseSsUnixOutput(OURS))).toEqual({
      kind: "found",
      peerInode: 4172,
      holders: [node(200, 19)],
    });
    // A listing without our line (ss could not filter) falls back to the full one.
    expect(resolvePeer(all, 4173, [])).toEqual({ kind: "ambiguous", inode: 4173 });
    expect(resolvePeer(parseSsUnixOutput([OURS, CLIENT].join("\n")), 4173, [])).toEqual({
      kind: "found",
      peerInode: 4172,
      holders: [node(200, 19)],
    });
  });
});
