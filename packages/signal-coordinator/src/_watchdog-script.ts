/**
 * The watchdog helper, run as `sh -c WATCHDOG_SCRIPT foreman-watchdog <graceMs>`.
 *
 * Protocol on stdin, one line each: `+<pgid>` a group started, `-<pgid>` a group is gone, `q`
 * clean exit. EOF without `q` means foreman died, so the recorded groups are terminated.
 *
 * Why each piece:
 * - `trap '' INT HUP TERM`: a signal meant for foreman (or its session) must not take the
 *   watchdog down with it; only EOF decides.
 * - every id must be plain digits, no leading zero, at most 10 characters and not `1`:
 *   `kill -- -1` would signal every process the user owns, and `0` foreman's own group.
 * - a last line without its newline (foreman died mid-write) is never acted on: `read` fails at
 *   EOF before the loop body runs, so a truncated `+1234` can not become group `123`.
 * - `kill -s SIG -- -<pgid>` is the spelling dash, bash and busybox all accept for a group
 *   (dash rejects `kill -0 -- -<pgid>` and `kill -s TERM -<pgid>`).
 * - one variable per group (`g_<pgid>`: 1 tracked, 0 gone) plus a list of the ids ever seen:
 *   POSIX sh has no arrays, and matching patterns against one long string of ids took seconds
 *   for a thousand groups in dash; a variable lookup is a hash lookup. The `eval`s only ever
 *   see ids that passed the digits-only check above.
 * - `sleep 0.05` is not POSIX; where it fails the loop sleeps whole seconds instead.
 * - the marker (`$2`, an environment entry every process foreman starts carries): a process
 *   spawned but not yet announced with `+<pgid>` when foreman died is found through
 *   /proc/<pid>/environ and stopped by pid; its descendants carry the marker too.
 */
export const WATCHDOG_SCRIPT: string = `trap '' INT HUP TERM
grace_ms=$1
marker=\${2-}
seen=
while IFS= read -r line; do
  case $line in
    q) exit 0 ;;
    [+-]*) ;;
    *) continue ;;
  esac
  id=\${line#?}
  case $id in
    ''|1|0*|*[!0-9]*|???????????*) continue ;;
  esac
  eval "state=\\\${g_$id-}"
  case $line in
    +*)
      [ -z "$state" ] && seen="$seen $id"
      eval "g_$id=1" ;;
    -*)
      [ -n "$state" ] && eval "g_$id=0" ;;
  esac
done
groups=
for id in $seen; do
  eval "state=\\$g_$id"
  [ "$state" = 1 ] && groups="$groups $id"
done
marked=
if [ -n "$marker" ]; then
  for file in $(grep -lzxF -e "$marker" /proc/[0-9]*/environ 2>/dev/null); do
    pid=\${file#/proc/}
    pid=\${pid%/environ}
    [ "$pid" = "$$" ] || marked="$marked $pid"
  done
fi
[ -z "$groups$marked" ] && exit 0
for id in $groups; do kill -s TERM -- "-$id" 2>/dev/null; done
for pid in $marked; do kill -s TERM "$pid" 2>/dev/null; done
ticks=$(( (grace_ms + 49) / 50 ))
while [ "$ticks" -gt 0 ]; do
  alive=
  for id in $groups; do
    if kill -s 0 -- "-$id" 2>/dev/null; then alive=1; break; fi
  done
  for pid in $marked; do
    if kill -s 0 "$pid" 2>/dev/null; then alive=1; break; fi
  done
  [ -z "$alive" ] && exit 0
  if sleep 0.05 2>/dev/null; then ticks=$((ticks - 1)); else sleep 1; ticks=$((ticks - 20)); fi
done
for id in $groups; do kill -s KILL -- "-$id" 2>/dev/null; done
for pid in $marked; do kill -s KILL "$pid" 2>/dev/null; done
exit 0
`;

/** $0 of the helper, so `ps` shows what it is. */
export const WATCHDOG_NAME = "foreman-watchdog";

const MAX_PGID = 0x7fffffff;

/** Whether `pgid` is safe to hand to the helper (it re-checks; this is the first line). */
export function isTrackablePgid(pgid: number): boolean {
  return Number.isInteger(pgid) && pgid > 1 && pgid <= MAX_PGID;
}
