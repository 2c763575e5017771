/**
 * The watchdog helper, run as `sh -c WATCHDOG_SCRIPT foreman-watchdog <graceMs>`.
 *
 * Protocol on stdin, one line each: `+<pgid>` a group started, `-<pgid>` a group is gone,
 * `f<id> <inode> <path>` remove this file if foreman dies (while its inode is still that one),
 * `k<id>` keep file `<id>` after all, `q` clean exit. EOF without `q` means foreman died: the
 * recorded files are removed, then the recorded groups are terminated.
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
 * - files (foreman's control socket): stored as `f_<id>` (the inode, `-` once kept) and `p_<id>`
 *   (the path) under a numeric id `startWatchdog` picks, so a path never reaches `eval` as code, only
 *   as `$p_<id>`. The path is the rest of the line after the second space, taken as it is (spaces,
 *   quotes, `$`, `*`); it must be absolute, and the caller rejects newlines. Removed first, before
 *   the grace period, so that `foreman ps` says at once that nothing runs.
 * - the inode comes from `ls -di` (POSIX; `stat -c %i` is GNU and busybox only, macOS spells it
 *   `stat -f %i`), whose `-d` also means a symlink is not followed, as `lstat`. Busybox pads the
 *   number with spaces, so only the leading digits after them are compared.
 * - the pin, a hard link `<path>.foreman-watchdog-<pid>-<id>` (this helper's pid) that
 *   `startWatchdog` makes, in foreman, before the `f` line is sent, and removes itself on `k` and
 *   `q`: a freed inode number is soon given to the next new file (ext4 does it at once), so a
 *   newer foreman that replaces the stale socket could get the very inode recorded here; while
 *   the pin holds that inode it cannot be freed, and a newer file always differs. The helper only
 *   removes it after EOF, with the file. Foreman makes it rather than the helper because `ln` and
 *   `ls` here would be two more processes on every start and every exit; a normal run makes the
 *   helper start nothing at all. Where no link can be made the inode alone is compared. A helper
 *   killed too leaves the pin behind (a name, no process) until `removeStalePins` clears it.
 * - if a newer instance replaces the file between `ls` and `rm`, that file is removed: the same
 *   window as the server's own lstat-then-unlink, one fork long.
 */
export const WATCHDOG_SCRIPT: string = `trap '' INT HUP TERM
grace_ms=$1
marker=\${2-}
seen=
files=
inode_of() {
  ino=$(ls -di -- "$1" 2>/dev/null) || return 1
  ino=\${ino#"\${ino%%[! ]*}"}
  ino=\${ino%%[!0-9]*}
}
while IFS= read -r line; do
  case $line in
    q) exit 0 ;;
    [+-]*) ;;
    f*)
      rest=\${line#f}
      fid=\${rest%% *}
      rest=\${rest#"$fid "}
      inode=\${rest%% *}
      fpath=\${rest#"$inode "}
      case $fid in ''|0*|*[!0-9]*|???????????*) continue ;; esac
      case $inode in ''|0*|*[!0-9]*|?????????????????????*) continue ;; esac
      case $fpath in /*) ;; *) continue ;; esac
      eval "state=\\\${f_$fid-}"
      [ -z "$state" ] && files="$files $fid"
      eval "f_$fid=\\$inode; p_$fid=\\$fpath"
      continue ;;
    k*)
      fid=\${line#k}
      case $fid in ''|0*|*[!0-9]*|???????????*) continue ;; esac
      eval "state=\\\${f_$fid-}"
      [ -n "$state" ] && eval "f_$fid=-"
      continue ;;
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
for fid in $files; do
  eval "inode=\\$f_$fid; fpath=\\$p_$fid"
  [ "$inode" = - ] && continue
  inode_of "$fpath" && [ "$ino" = "$inode" ] && rm -f -- "$fpath"
  rm -f -- "$fpath.foreman-watchdog-$$-$fid"
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
