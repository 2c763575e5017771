;; The line framer's hot loop: copy whole lines from `src` to `dst`, each behind the prefix.
;; Built into src/_frame-wasm.ts by scripts/build-wasm.mjs (a small assembler for the subset of
;; the text format used here; `wat2wasm --enable-simd` reads this file as well).
;;
;; One pass, 16 bytes at a time: each block of the line is loaded once, stored at once, and
;; compared with "\n" in the same vector. Stores run past the end of a line by up to 15 bytes;
;; the next prefix or line overwrites them, and the caller leaves 64 bytes of slack after every
;; area, so loads past `end` and stores past the last line stay inside the memory.
;;
;; frame(src, end, dst, dstEnd, pfx, plen, max) -> the first byte of `src` not consumed
;;   Copies every line that ends with "\n" before `end` and holds at most `max` bytes before its
;;   "\n", in order, as prefix + line. Stops at the first line it cannot take, and says why in
;;   $status:
;;     0  no further "\n" before `end` (the bytes from the result on are a partial line)
;;     1  the next line is longer than `max` (the caller cuts it into pieces)
;;     2  `dst` has no room for another prefix + longest line (the caller starts another window)
;;   $out is where the output ends.
(module
  (memory (export "memory") 13)
  (global $out (export "out") (mut i32) (i32.const 0))
  (global $status (export "status") (mut i32) (i32.const 0))
  (func (export "frame")
    (param $src i32) (param $end i32) (param $dst i32) (param $dstEnd i32)
    (param $pfx i32) (param $plen i32) (param $max i32)
    (result i32)
    (local $ls i32) (local $p i32) (local $d i32) (local $k i32) (local $m i32)
    (local $need i32) (local $v v128) (local $nl v128)

    i32.const 10
    i8x16.splat
    local.set $nl
    local.get $src
    local.set $ls
    ;; Room for one more line: prefix, the longest line with its "\n", and the overrun.
    local.get $plen
    local.get $max
    i32.add
    i32.const 33
    i32.add
    local.set $need

    block $stop
      loop $line
        ;; if (dstEnd - dst < need) stop (status 2)
        local.get $dstEnd
        local.get $dst
        i32.sub
        local.get $need
        i32.lt_u
        if
          i32.const 2
          global.set $status
          br $stop
        end

        ;; the prefix, in 16-byte blocks
        i32.const 0
        local.set $k
        block $pfxDone
          loop $pfxCopy
            local.get $k
            local.get $plen
            i32.ge_u
            br_if $pfxDone
            local.get $dst
            local.get $k
            i32.add
            local.get $pfx
            local.get $k
            i32.add
            v128.load align=0
            v128.store align=0
            local.get $k
            i32.const 16
            i32.add
            local.set $k
            br $pfxCopy
          end
        end

        ;; the line: copy and look for "\n" in the same 16 bytes
        local.get $ls
        local.set $p
        local.get $dst
        local.get $plen
        i32.add
        local.set $d
        loop $scan
          ;; nothing left before end: a partial line (status 0)
          local.get $p
          local.get $end
          i32.ge_u
          if
            i32.const 0
            global.set $status
            br $stop
          end

          local.get $p
          v128.load align=0
          local.set $v
          local.get $d
          local.get $v
          v128.store align=0
          local.get $v
          local.get $nl
          i8x16.eq
          i8x16.bitmask
          local.set $m
          ;; ignore the bytes at and after end
          local.get $end
          local.get $p
          i32.sub
          i32.const 16
          i32.lt_u
          if
            local.get $m
            i32.const 1
            local.get $end
            local.get $p
            i32.sub
            i32.shl
            i32.const 1
            i32.sub
            i32.and
            local.set $m
          end

          local.get $m
          if
            ;; "\n" at p + k
            local.get $m
            i32.ctz
            local.set $k
            ;; longer than max before its "\n": the caller's (status 1)
            local.get $p
            local.get $k
            i32.add
            local.get $ls
            i32.sub
            local.get $max
            i32.gt_u
            if
              i32.const 1
              global.set $status
              br $stop
            end
            ;; the line is out: dst = d + k + 1, ls = p + k + 1
            local.get $d
            local.get $k
            i32.add
            i32.const 1
            i32.add
            local.set $dst
            local.get $p
            local.get $k
            i32.add
            i32.const 1
            i32.add
            local.set $ls
            br $line
          end

          local.get $p
          i32.const 16
          i32.add
          local.set $p
          local.get $d
          i32.const 16
          i32.add
          local.set $d
          ;; every byte up to ls + max seen and no "\n": too long (status 1)
          local.get $p
          local.get $ls
          i32.sub
          local.get $max
          i32.gt_u
          if
            i32.const 1
            global.set $status
            br $stop
          end
          br $scan
        end
      end
    end
    local.get $dst
    global.set $out
    local.get $ls
  )
)
