;; conf_wat.wat: the conformance suite's command interpreter in hand-written WAT
;; (modules/conformance/PROTOCOL.md), written against guest-sdk/ABI.md with no SDK and no
;; build step: the host reads this text file directly.
;;
;; It is a main-style guest: `hatchery_main` loops forever over a selective receive
;; (ABI.md section 4) of the oldest USER message whose first byte is 0xC0 (a command),
;; leaving every other message queued in order. Each command is answered with one reply
;; (0xC1 ...) to its sender, except those that end the process (exit, bad_pointer, crash).
;; Almost every op is exactly one raw `hatchery_v1` call whose result goes back unchanged;
;; `receive`, `call`, `cast` and `print` are the small scenarios the protocol names.
;;
;; Memory layout (one 64 KiB page to start with; grown on demand up to the node's cap):
;;
;;        0 ..   16  INFO: the 16-byte block `recv` fills (u32 kind, u32 0, i64 sender)
;;       16 ..   24  REF_OUT: where `spawn` and `spawn_at` write a monitor reference
;;       24 ..   32  NWRITTEN: what WASI `fd_write` reports
;;       32 ..   40  IOV: one WASI iovec (ptr, len) for `fd_write`
;;       64 ..   88  NUMBUF: decimal digits of a number, written backwards from 88
;;      256 ..  400  constant strings (the data segments below)
;;     1024 ..       CMD: the command being handled (`n` bytes; s1 and s2 live inside it)
;;     WORK ..       the reply: WORK = CMD + n rounded up to 8; the 40-byte reply header
;;                   at WORK and its data at DATA = WORK + 40. Ops that produce data write
;;                   it at DATA directly (args, recv, receive, node_name, nodes,
;;                   pid_node) so the reply needs no copy; `call` and `cast` also build
;;                   their outgoing message at DATA and then scan the mailbox into the
;;                   same place.
;;
;; Memory grows whenever a message or an output does not fit (`$ensure`). When it cannot
;; grow (the node's memory cap, 16 MiB by default) the guest executes `unreachable`, so it
;; ends with reason `limit` / `memory` (ABI.md section 6), as any language's allocator
;; failure does. Bad input never traps: a command too short for what it says it holds is
;; answered with r = -11, and malformed JSON is reported as the protocol says.
(module
  ;; ---------------------------------------------------------------------------------
  ;; Imports: the hatchery_v1 functions this guest uses, with the signatures of ABI.md
  ;; section 5 (pointers and lengths i32, pids / references / times i64), and WASI's
  ;; fd_write for `print`.
  ;; ---------------------------------------------------------------------------------
  (import "hatchery_v1" "self" (func $self (result i64)))
  (import "hatchery_v1" "parent" (func $parent (result i64)))
  (import "hatchery_v1" "args_size" (func $args_size (result i32)))
  (import "hatchery_v1" "args_read" (func $args_read (param $ptr i32) (param $len i32) (result i32)))
  (import "hatchery_v1" "make_ref" (func $make_ref (result i64)))
  (import "hatchery_v1" "now_ms" (func $now_ms (result i64)))
  (import "hatchery_v1" "node_name" (func $node_name (param $ptr i32) (param $cap i32) (result i32)))
  (import "hatchery_v1" "spawn"
    (func $spawn (param $name_ptr i32) (param $name_len i32) (param $args_ptr i32)
                 (param $args_len i32) (param $flags i32) (param $ref_out i32) (result i64)))
  (import "hatchery_v1" "spawn_at"
    (func $spawn_at (param $node_ptr i32) (param $node_len i32) (param $name_ptr i32)
                    (param $name_len i32) (param $args_ptr i32) (param $args_len i32)
                    (param $flags i32) (param $ref_out i32) (result i64)))
  (import "hatchery_v1" "nodes" (func $nodes (param $ptr i32) (param $cap i32) (result i32)))
  (import "hatchery_v1" "pid_node"
    (func $pid_node (param $pid i64) (param $ptr i32) (param $cap i32) (result i32)))
  (import "hatchery_v1" "monitor_node"
    (func $monitor_node (param $node_ptr i32) (param $node_len i32) (param $flag i32) (result i32)))
  (import "hatchery_v1" "monitor_nodes" (func $monitor_nodes (param $flag i32) (result i32)))
  (import "hatchery_v1" "send"
    (func $send (param $pid i64) (param $ptr i32) (param $len i32) (result i32)))
  (import "hatchery_v1" "send_named"
    (func $send_named (param $name_ptr i32) (param $name_len i32)
                      (param $ptr i32) (param $len i32) (result i32)))
  (import "hatchery_v1" "send_named_at"
    (func $send_named_at (param $name_ptr i32) (param $name_len i32) (param $node_ptr i32)
                         (param $node_len i32) (param $ptr i32) (param $len i32) (result i32)))
  (import "hatchery_v1" "recv"
    (func $recv (param $index i32) (param $timeout_ms i64) (param $buf_ptr i32)
                (param $buf_len i32) (param $info_ptr i32) (result i32)))
  (import "hatchery_v1" "take" (func $take (param $index i32) (result i32)))
  (import "hatchery_v1" "mailbox_len" (func $mailbox_len (result i32)))
  (import "hatchery_v1" "link" (func $link (param $pid i64) (result i32)))
  (import "hatchery_v1" "unlink" (func $unlink (param $pid i64) (result i32)))
  (import "hatchery_v1" "trap_exit" (func $trap_exit (param $flag i32) (result i32)))
  (import "hatchery_v1" "exit"
    (func $exit (param $kind i32) (param $detail_ptr i32) (param $detail_len i32)))
  (import "hatchery_v1" "exit_signal"
    (func $exit_signal (param $pid i64) (param $kind i32) (param $detail_ptr i32)
                       (param $detail_len i32) (result i32)))
  (import "hatchery_v1" "monitor" (func $monitor (param $pid i64) (result i64)))
  (import "hatchery_v1" "demonitor" (func $demonitor (param $ref i64) (param $flags i32) (result i32)))
  (import "hatchery_v1" "register"
    (func $register (param $name_ptr i32) (param $name_len i32) (param $pid i64) (result i32)))
  (import "hatchery_v1" "unregister"
    (func $unregister (param $name_ptr i32) (param $name_len i32) (result i32)))
  (import "hatchery_v1" "whereis"
    (func $whereis (param $name_ptr i32) (param $name_len i32) (result i64)))
  (import "hatchery_v1" "send_after"
    (func $send_after (param $pid i64) (param $delay_ms i64) (param $ptr i32) (param $len i32)
                      (result i64)))
  (import "hatchery_v1" "cancel_timer" (func $cancel_timer (param $ref i64) (result i64)))
  ;; WASI preview 1: fd_write(fd, iovs, iovs_len, nwritten_out) -> errno.
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32)
                    (param $nwritten i32) (result i32)))

  ;; Required export: the linear memory every pointer above points into.
  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------------------------
  ;; Fixed addresses (see the layout above) and constant strings.
  ;; ---------------------------------------------------------------------------------
  (global $INFO i32 (i32.const 0))
  (global $REF_OUT i32 (i32.const 16))
  (global $NWRITTEN i32 (i32.const 24))
  (global $IOV i32 (i32.const 32))
  (global $NUM_END i32 (i32.const 88))      ;; NUMBUF is 64 .. 88, filled backwards
  (global $CMD i32 (i32.const 1024))

  ;; The pieces of the JSON this guest writes, and the literals its JSON reader compares
  ;; against. Key literals are stored without quotes: `$str_eq` compares decoded strings.
  (data (i32.const 256) "{\"$call\":{\"ref\":")   ;; 16 bytes
  (data (i32.const 288) ",\"req\":")              ;;  7
  (data (i32.const 304) "}}")                     ;;  2
  (data (i32.const 320) "{\"$cast\":")            ;;  9
  (data (i32.const 336) "null")                   ;;  4
  (data (i32.const 344) "}")                      ;;  1
  (data (i32.const 352) "$reply")                 ;;  6
  (data (i32.const 360) "ref")                    ;;  3
  (data (i32.const 368) "value")                  ;;  5
  (data (i32.const 376) "true")                   ;;  4
  (data (i32.const 384) "false")                  ;;  5
  (global $S_CALL_HEAD i32 (i32.const 256))
  (global $S_CALL_REQ i32 (i32.const 288))
  (global $S_CLOSE2 i32 (i32.const 304))
  (global $S_CAST_HEAD i32 (i32.const 320))
  (global $S_NULL i32 (i32.const 336))
  (global $S_CLOSE1 i32 (i32.const 344))
  (global $K_REPLY i32 (i32.const 352))
  (global $K_REF i32 (i32.const 360))
  (global $K_VALUE i32 (i32.const 368))
  (global $S_TRUE i32 (i32.const 376))
  (global $S_FALSE i32 (i32.const 384))

  ;; Error codes of ABI.md section 2 that this guest produces itself.
  (global $ERR_TIMEOUT i64 (i64.const -1))
  (global $ERR_NOPROC i64 (i64.const -2))
  (global $ERR_BAD_ARG i64 (i64.const -11))
  (global $ERR_TIMEOUT_I32 i32 (i32.const -1))

  ;; ---------------------------------------------------------------------------------
  ;; The command being handled (set by `$command`, read by the ops).
  ;; ---------------------------------------------------------------------------------
  (global $from (mut i64) (i64.const 0))   ;; the command's sender: replies go there
  (global $op (mut i32) (i32.const 0))
  (global $a (mut i64) (i64.const 0))
  (global $b (mut i64) (i64.const 0))
  (global $s1 (mut i32) (i32.const 0))     ;; pointer into CMD
  (global $len1 (mut i32) (i32.const 0))
  (global $s2 (mut i32) (i32.const 0))
  (global $len2 (mut i32) (i32.const 0))
  (global $work (mut i32) (i32.const 0))   ;; WORK: the reply header
  (global $data (mut i32) (i32.const 0))   ;; DATA = WORK + 40

  ;; Results of the JSON reader that do not fit in one return value.
  (global $num (mut i64) (i64.const 0))    ;; the integer `$parse_u64` read
  (global $got_ptr (mut i32) (i32.const 0)) ;; the reply value `$match_reply` found
  (global $got_len (mut i32) (i32.const 0))

  ;; =================================================================================
  ;; Memory helpers
  ;; =================================================================================

  ;; The size of memory in bytes (at most 4 GiB - 64 KiB under any realistic cap).
  (func $mem_end (result i32)
    (i32.mul (memory.size) (i32.const 65536)))

  ;; Makes sure the addresses [0, end) exist, growing memory if needed. When memory cannot
  ;; grow (the node's cap) the guest traps, which the host reports as `limit` / `memory`.
  (func $ensure (param $end i32)
    (local $pages i32)
    (if (i32.gt_u (local.get $end) (call $mem_end))
      (then
        ;; pages needed for `end` bytes, rounded up (computed in 64 bits: no overflow)
        (local.set $pages
          (i32.wrap_i64
            (i64.shr_u (i64.add (i64.extend_i32_u (local.get $end)) (i64.const 65535))
                       (i64.const 16))))
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then unreachable)))))

  ;; Copies `len` bytes from `src` to `dst` (overlap allowed); returns dst + len.
  (func $put (param $dst i32) (param $src i32) (param $len i32) (result i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $len))
    (i32.add (local.get $dst) (local.get $len)))

  ;; Writes `v`, read as unsigned, in decimal at `dst`; returns the end. (20 digits at most.)
  (func $put_u64 (param $dst i32) (param $v i64) (result i32)
    (local $p i32)
    (local.set $p (global.get $NUM_END))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $v) (i64.const 10)))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (call $put (local.get $dst) (local.get $p) (i32.sub (global.get $NUM_END) (local.get $p))))

  ;; Whether `len` bytes at `p` and at `q` are equal.
  (func $mem_eq (param $p i32) (param $q i32) (param $len i32) (result i32)
    (local $i i32)
    (block $differ
      (loop $next
        (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i32.const 1))))
        (br_if $differ
          (i32.ne (i32.load8_u (i32.add (local.get $p) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $q) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; An i64 command argument as the i32 an ABI parameter takes. A value outside the i32
  ;; range becomes i32::MIN, which every such parameter rejects (a negative index, unknown
  ;; flag bits, an unknown reason kind), instead of silently wrapping to a valid one.
  (func $arg32 (param $v i64) (result i32)
    (if (result i32)
        (i64.eq (local.get $v) (i64.extend_i32_s (i32.wrap_i64 (local.get $v))))
      (then (i32.wrap_i64 (local.get $v)))
      (else (i32.const 0x80000000))))

  ;; =================================================================================
  ;; Timeouts (ABI.md section 4): a deadline on the node clock, -1 meaning none.
  ;; =================================================================================

  ;; The deadline of a receive with a timeout of `ms` (-1, or any negative: forever).
  (func $deadline (param $ms i64) (result i64)
    (local $at i64)
    (if (i64.lt_s (local.get $ms) (i64.const 0)) (then (return (i64.const -1))))
    (local.set $at (i64.add (call $now_ms) (local.get $ms)))
    ;; saturate: now_ms >= 0 and ms >= 0, so a negative sum is an overflow
    (if (result i64) (i64.lt_s (local.get $at) (i64.const 0))
      (then (i64.const 0x7fffffffffffffff))
      (else (local.get $at))))

  ;; What `recv` may still wait: -1 without a deadline, else max(0, deadline - now).
  (func $remaining (param $deadline i64) (result i64)
    (local $left i64)
    (if (i64.lt_s (local.get $deadline) (i64.const 0)) (then (return (i64.const -1))))
    (local.set $left (i64.sub (local.get $deadline) (call $now_ms)))
    (if (result i64) (i64.lt_s (local.get $left) (i64.const 0))
      (then (i64.const 0))
      (else (local.get $left))))

  ;; One step of the ABI.md section 4 loop: waits (until `deadline`) for message `i`,
  ;; copies it to DATA, growing memory and reading it again when it is bigger than what
  ;; fits, and returns its size; or the negative `recv` result (ERR_TIMEOUT). INFO holds
  ;; its kind and sender.
  (func $peek (param $i i32) (param $deadline i64) (result i32)
    (local $cap i32) (local $n i32)
    (local.set $cap (i32.sub (call $mem_end) (global.get $data)))
    (local.set $n
      (call $recv (local.get $i) (call $remaining (local.get $deadline))
                  (global.get $data) (local.get $cap) (global.get $INFO)))
    (if (i32.gt_s (local.get $n) (local.get $cap))
      (then
        ;; Message i is still there: only this process removes messages.
        (call $ensure (i32.add (global.get $data) (local.get $n)))
        (if (i32.lt_s
              (call $recv (local.get $i) (i64.const 0)
                          (global.get $data) (local.get $n) (global.get $INFO))
              (i32.const 0))
          (then (return (global.get $ERR_TIMEOUT_I32))))))
    (local.get $n))

  ;; =================================================================================
  ;; JSON reader
  ;;
  ;; Functions take absolute addresses [p, end). `$skip_value` is a strict recursive
  ;; validator of RFC 8259 values (objects, arrays, strings with escapes, numbers, true /
  ;; false / null, white space between tokens, nesting up to 128 levels, as serde_json)
  ;; that returns the address just past the value, or -1. It does not check that strings
  ;; are valid UTF-8 or that \u surrogates pair up.
  ;; =================================================================================

  ;; Skips JSON white space (space, tab, line feed, carriage return).
  (func $ws (param $p i32) (param $end i32) (result i32)
    (local $c i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $done
          (i32.eqz
            (i32.or (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 9)))
                    (i32.or (i32.eq (local.get $c) (i32.const 10)) (i32.eq (local.get $c) (i32.const 13))))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $p))

  ;; Whether `c` is an ASCII digit.
  (func $is_digit (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))

  ;; The value of the hex digit `c`, or -1.
  (func $hex (param $c i32) (result i32)
    (if (call $is_digit (local.get $c)) (then (return (i32.sub (local.get $c) (i32.const 48)))))
    (local.set $c (i32.or (local.get $c) (i32.const 0x20)))  ;; lower case
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 6))
      (then (return (i32.sub (local.get $c) (i32.const 87)))))
    (i32.const -1))

  ;; The byte at p, or -1 at the end (so a comparison with any character fails).
  (func $at (param $p i32) (param $end i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $p) (local.get $end))
      (then (i32.load8_u (local.get $p)))
      (else (i32.const -1))))

  ;; Skips the literal `lit` (true, false, null) at p: the end of it, or -1.
  (func $skip_lit (param $p i32) (param $end i32) (param $lit i32) (param $len i32) (result i32)
    (if (i32.gt_u (i32.add (local.get $p) (local.get $len)) (local.get $end))
      (then (return (i32.const -1))))
    (if (result i32) (call $mem_eq (local.get $p) (local.get $lit) (local.get $len))
      (then (i32.add (local.get $p) (local.get $len)))
      (else (i32.const -1))))

  ;; Skips a string; p is at its opening quote. Returns the address after the closing
  ;; quote, or -1 (unterminated, a raw control character, a bad escape).
  (func $skip_string (param $p i32) (param $end i32) (result i32)
    (local $c i32) (local $k i32)
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (loop $next
      (local.set $c (call $at (local.get $p) (local.get $end)))
      (if (i32.eq (local.get $c) (i32.const 34))                ;; "
        (then (return (i32.add (local.get $p) (i32.const 1)))))
      (if (i32.lt_s (local.get $c) (i32.const 32)) (then (return (i32.const -1)))) ;; end or control
      (if (i32.eq (local.get $c) (i32.const 92))                ;; backslash
        (then
          (local.set $c (call $at (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 117))           ;; \uXXXX
            (then
              (local.set $k (i32.const 2))
              (loop $hexdigit
                (if (i32.lt_s (call $hex (call $at (i32.add (local.get $p) (local.get $k)) (local.get $end)))
                              (i32.const 0))
                  (then (return (i32.const -1))))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br_if $hexdigit (i32.lt_u (local.get $k) (i32.const 6))))
              (local.set $p (i32.add (local.get $p) (i32.const 6)))
              (br $next)))
          ;; one of " \ / b f n r t
          (if (i32.or
                (i32.or (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
                        (i32.or (i32.eq (local.get $c) (i32.const 47)) (i32.eq (local.get $c) (i32.const 98))))
                (i32.or (i32.or (i32.eq (local.get $c) (i32.const 102)) (i32.eq (local.get $c) (i32.const 110)))
                        (i32.or (i32.eq (local.get $c) (i32.const 114)) (i32.eq (local.get $c) (i32.const 116)))))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 2)))
              (br $next)))
          (return (i32.const -1))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br $next))
    (i32.const -1))

  ;; Skips a number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?; the end, or -1.
  (func $skip_number (param $p i32) (param $end i32) (result i32)
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 45))   ;; -
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 48))   ;; a lone 0
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $skip_digits (local.get $p) (local.get $end)))))
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 46))   ;; .
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $skip_digits (local.get $p) (local.get $end)))))
    (if (i32.eq (i32.or (call $at (local.get $p) (local.get $end)) (i32.const 0x20)) (i32.const 101)) ;; e E
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.or (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 43))
                    (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 45)))
          (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
        (if (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $skip_digits (local.get $p) (local.get $end)))))
    (local.get $p))

  (func $skip_digits (param $p i32) (param $end i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $p))

  ;; Skips one value at p (white space before it allowed); the end of it, or -1.
  (func $skip_value (param $p i32) (param $end i32) (param $depth i32) (result i32)
    (local $c i32)
    (if (i32.gt_u (local.get $depth) (i32.const 128)) (then (return (i32.const -1))))
    (local.set $p (call $ws (local.get $p) (local.get $end)))
    (local.set $c (call $at (local.get $p) (local.get $end)))
    ;; object: { } or { "key" : value (, "key" : value)* }
    (if (i32.eq (local.get $c) (i32.const 123))
      (then
        (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 125))
          (then (return (i32.add (local.get $p) (i32.const 1)))))
        (loop $member
          (if (i32.ne (call $at (local.get $p) (local.get $end)) (i32.const 34))
            (then (return (i32.const -1))))
          (local.set $p (call $skip_string (local.get $p) (local.get $end)))
          (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (call $ws (local.get $p) (local.get $end)))
          (if (i32.ne (call $at (local.get $p) (local.get $end)) (i32.const 58))   ;; :
            (then (return (i32.const -1))))
          (local.set $p (call $skip_value (i32.add (local.get $p) (i32.const 1)) (local.get $end)
                                          (i32.add (local.get $depth) (i32.const 1))))
          (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (call $ws (local.get $p) (local.get $end)))
          (local.set $c (call $at (local.get $p) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 44))                               ;; ,
            (then
              (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
              (br $member)))
          (if (i32.eq (local.get $c) (i32.const 125))                              ;; }
            (then (return (i32.add (local.get $p) (i32.const 1)))))
          (return (i32.const -1)))))
    ;; array: [ ] or [ value (, value)* ]
    (if (i32.eq (local.get $c) (i32.const 91))
      (then
        (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
        (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 93))
          (then (return (i32.add (local.get $p) (i32.const 1)))))
        (loop $element
          (local.set $p (call $skip_value (local.get $p) (local.get $end)
                                          (i32.add (local.get $depth) (i32.const 1))))
          (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (call $ws (local.get $p) (local.get $end)))
          (local.set $c (call $at (local.get $p) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 44))
            (then
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br $element)))
          (if (i32.eq (local.get $c) (i32.const 93))
            (then (return (i32.add (local.get $p) (i32.const 1)))))
          (return (i32.const -1)))))
    (if (i32.eq (local.get $c) (i32.const 34))
      (then (return (call $skip_string (local.get $p) (local.get $end)))))
    (if (i32.eq (local.get $c) (i32.const 116))
      (then (return (call $skip_lit (local.get $p) (local.get $end) (global.get $S_TRUE) (i32.const 4)))))
    (if (i32.eq (local.get $c) (i32.const 102))
      (then (return (call $skip_lit (local.get $p) (local.get $end) (global.get $S_FALSE) (i32.const 5)))))
    (if (i32.eq (local.get $c) (i32.const 110))
      (then (return (call $skip_lit (local.get $p) (local.get $end) (global.get $S_NULL) (i32.const 4)))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 45)) (call $is_digit (local.get $c)))
      (then (return (call $skip_number (local.get $p) (local.get $end)))))
    (i32.const -1))

  ;; Whether the `len` bytes at p are exactly one JSON value, with optional white space
  ;; around it (what serde_json::from_slice accepts).
  (func $json_valid (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $q i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $q (call $skip_value (local.get $p) (local.get $end) (i32.const 0)))
    (if (i32.lt_s (local.get $q) (i32.const 0)) (then (return (i32.const 0))))
    (i32.eq (call $ws (local.get $q) (local.get $end)) (local.get $end)))

  ;; Whether the (valid) string token at p, once its escapes are decoded, equals the
  ;; `len` ASCII bytes at `lit`. So "\u0024reply" equals $reply.
  (func $str_eq (param $p i32) (param $end i32) (param $lit i32) (param $len i32) (result i32)
    (local $c i32) (local $i i32)
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (loop $next
      (local.set $c (call $at (local.get $p) (local.get $end)))
      (if (i32.eq (local.get $c) (i32.const 34))
        (then (return (i32.eq (local.get $i) (local.get $len)))))
      (if (i32.lt_s (local.get $c) (i32.const 0)) (then (return (i32.const 0))))
      (if (i32.eq (local.get $c) (i32.const 92))
        (then
          (local.set $c (call $at (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 117))
            (then
              ;; \uXXXX: the code point (only one below 0x80 can equal an ASCII literal)
              (local.set $c
                (i32.or
                  (i32.or (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 2)))) (i32.const 12))
                          (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 3)))) (i32.const 8)))
                  (i32.or (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 4)))) (i32.const 4))
                          (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 5)))))))
              (local.set $p (i32.add (local.get $p) (i32.const 6))))
            (else
              ;; \b \f \n \r \t stand for control characters; \" \\ \/ for themselves
              (if (i32.eq (local.get $c) (i32.const 98)) (then (local.set $c (i32.const 8))))
              (if (i32.eq (local.get $c) (i32.const 102)) (then (local.set $c (i32.const 12))))
              (if (i32.eq (local.get $c) (i32.const 110)) (then (local.set $c (i32.const 10))))
              (if (i32.eq (local.get $c) (i32.const 114)) (then (local.set $c (i32.const 13))))
              (if (i32.eq (local.get $c) (i32.const 116)) (then (local.set $c (i32.const 9))))
              (local.set $p (i32.add (local.get $p) (i32.const 2))))))
        (else (local.set $p (i32.add (local.get $p) (i32.const 1)))))
      (if (i32.ge_u (local.get $i) (local.get $len)) (then (return (i32.const 0))))
      (if (i32.ne (local.get $c) (i32.load8_u (i32.add (local.get $lit) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))
    (i32.const 0))

  ;; In the (valid) object at p, the value of the member named `key` (the last one when
  ;; a name repeats, as serde_json keeps it): its address, or -1. Members may come in any
  ;; order, with any white space.
  (func $find_key (param $p i32) (param $end i32) (param $key i32) (param $len i32) (result i32)
    (local $k i32) (local $found i32)
    (local.set $found (i32.const -1))
    (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
    (if (i32.ne (call $at (local.get $p) (local.get $end)) (i32.const 34))
      (then (return (i32.const -1))))                       ;; {} has no members
    (loop $member
      (local.set $k (local.get $p))
      (local.set $p (call $skip_string (local.get $p) (local.get $end)))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $p (call $ws (local.get $p) (local.get $end)))      ;; at the colon
      (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
      (if (call $str_eq (local.get $k) (local.get $end) (local.get $key) (local.get $len))
        (then (local.set $found (local.get $p))))
      (local.set $p (call $skip_value (local.get $p) (local.get $end) (i32.const 0)))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $p (call $ws (local.get $p) (local.get $end)))
      (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 44))
        (then
          (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
          (br $member))))
    (local.get $found))

  ;; Reads the number token [p, q) as an unsigned 64-bit integer into $num, as
  ;; serde_json's as_u64: digits only (no sign, fraction or exponent), no overflow.
  ;; Returns 1 on success.
  (func $parse_u64 (param $p i32) (param $q i32) (result i32)
    (local $v i64) (local $d i64)
    (if (i32.ge_u (local.get $p) (local.get $q)) (then (return (i32.const 0))))
    (loop $digit
      (if (i32.eqz (call $is_digit (i32.load8_u (local.get $p)))) (then (return (i32.const 0))))
      (local.set $d (i64.extend_i32_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
      (if (i64.gt_u (local.get $v) (i64.const 1844674407370955161)) (then (return (i32.const 0))))
      (local.set $v (i64.mul (local.get $v) (i64.const 10)))
      (local.set $d (i64.add (local.get $v) (local.get $d)))
      (if (i64.lt_u (local.get $d) (local.get $v)) (then (return (i32.const 0))))  ;; carry
      (local.set $v (local.get $d))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $p) (local.get $q))))
    (global.set $num (local.get $v))
    (i32.const 1))

  ;; =================================================================================
  ;; Replies (PROTOCOL.md, Replies)
  ;; =================================================================================

  ;; Sends the reply to the command's sender: the 40-byte header at WORK, then `len` data
  ;; bytes copied from `src` to DATA (nothing to copy when the op wrote them there).
  (func $reply_data (param $r i64) (param $x i64) (param $y i64) (param $src i32) (param $len i32)
    (local $h i32)
    (local.set $h (global.get $work))
    (call $ensure (i32.add (global.get $data) (local.get $len)))
    (drop (call $put (global.get $data) (local.get $src) (local.get $len)))
    ;; bytes 0..8: 0xC1, op, six zeros
    (i64.store (local.get $h)
      (i64.or (i64.const 0xC1) (i64.shl (i64.extend_i32_u (global.get $op)) (i64.const 8))))
    (i64.store offset=8 (local.get $h) (local.get $r))
    (i64.store offset=16 (local.get $h) (local.get $x))
    (i64.store offset=24 (local.get $h) (local.get $y))
    (i32.store offset=32 (local.get $h) (local.get $len))
    (i32.store offset=36 (local.get $h) (i32.const 0))
    ;; 0, or ERR_TOO_BIG: nobody to tell either way
    (drop (call $send (global.get $from) (local.get $h) (i32.add (i32.const 40) (local.get $len)))))

  ;; A reply with only `r`.
  (func $reply (param $r i64)
    (call $reply_data (local.get $r) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0)))

  ;; A reply with `r` = an i32 ABI result, sign-extended.
  (func $reply32 (param $r i32)
    (call $reply (i64.extend_i32_s (local.get $r))))

  ;; =================================================================================
  ;; The command loop
  ;; =================================================================================

  ;; The process entry: never returns.
  (func (export "hatchery_main")
    (local $i i32) (local $n i32) (local $cap i32)
    (loop $forever
      ;; Selective receive, no timeout: the oldest USER message starting with 0xC0.
      (local.set $i (i32.const 0))
      (block $found
        (loop $scan
          (local.set $cap (i32.sub (call $mem_end) (global.get $CMD)))
          (local.set $n
            (call $recv (local.get $i) (i64.const -1)
                        (global.get $CMD) (local.get $cap) (global.get $INFO)))
          ;; No error is possible while waiting forever; should one come, scan again.
          (br_if $forever (i32.lt_s (local.get $n) (i32.const 0)))
          (if (i32.and
                (i32.and (i32.eqz (i32.load (global.get $INFO)))       ;; USER
                         (i32.gt_s (local.get $n) (i32.const 0)))
                (i32.eq (i32.load8_u (global.get $CMD)) (i32.const 0xC0)))
            (then
              (if (i32.gt_s (local.get $n) (local.get $cap))
                (then
                  ;; A command bigger than the free memory: grow and read it again.
                  (call $ensure (i32.add (global.get $CMD) (local.get $n)))
                  (br_if $forever
                    (i32.lt_s
                      (call $recv (local.get $i) (i64.const 0)
                                  (global.get $CMD) (local.get $n) (global.get $INFO))
                      (i32.const 0)))))
              (br $found)))
          ;; Not a command: it stays queued; look at the next one.
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $scan)))
      (drop (call $take (local.get $i)))
      (global.set $from (i64.load offset=8 (global.get $INFO)))
      (call $command (local.get $n))
      (br $forever)))

  ;; Decodes the command of `n` bytes at CMD (PROTOCOL.md, Commands) and runs its op.
  (func $command (param $n i32)
    (local $cmd i32)
    (local.set $cmd (global.get $CMD))
    ;; WORK: after the command, 8-aligned; a first 4 KiB of room for the reply.
    (global.set $work
      (i32.and (i32.add (i32.add (local.get $cmd) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (global.set $data (i32.add (global.get $work) (i32.const 40)))
    (call $ensure (i32.add (global.get $data) (i32.const 4096)))
    (global.set $op
      (if (result i32) (i32.ge_u (local.get $n) (i32.const 2))
        (then (i32.load8_u offset=1 (local.get $cmd)))
        (else (i32.const 0))))
    ;; Too short for the header, or for the strings it announces: bad argument.
    (if (i32.lt_u (local.get $n) (i32.const 40))
      (then (call $reply (global.get $ERR_BAD_ARG)) (return)))
    (global.set $len1 (i32.load offset=32 (local.get $cmd)))
    (global.set $len2 (i32.load offset=36 (local.get $cmd)))
    (if (i64.gt_u
          (i64.add (i64.const 40)
                   (i64.add (i64.extend_i32_u (global.get $len1)) (i64.extend_i32_u (global.get $len2))))
          (i64.extend_i32_u (local.get $n)))
      (then (call $reply (global.get $ERR_BAD_ARG)) (return)))
    (global.set $a (i64.load offset=8 (local.get $cmd)))
    (global.set $b (i64.load offset=16 (local.get $cmd)))
    ;; (c, at offset 24, is not used by any op)
    (global.set $s1 (i32.add (local.get $cmd) (i32.const 40)))
    (global.set $s2 (i32.add (global.get $s1) (global.get $len1)))
    ;; One function per op, by number; 0 and unknown ops are a bad argument.
    (if (i32.lt_u (global.get $op) (i32.const 38))
      (then (call_indirect (type $op_fn) (global.get $op)))
      (else (call $op_unknown))))

  (type $op_fn (func))
  (table 38 funcref)
  (elem (i32.const 0)
    $op_unknown
    $op_self $op_parent $op_args $op_spawn $op_send $op_send_named $op_recv $op_take
    $op_mailbox_len $op_link $op_unlink $op_trap_exit $op_exit $op_exit_signal $op_monitor
    $op_demonitor $op_register $op_unregister $op_whereis $op_send_after $op_cancel_timer
    $op_make_ref $op_now_ms $op_receive $op_call $op_cast $op_bad_pointer $op_crash $op_print
    $op_send_named_at $op_node_name $op_nodes $op_pid_node $op_monitor_node $op_monitor_nodes
    $op_spawn_at $op_pid_string)

  ;; =================================================================================
  ;; The ops (PROTOCOL.md, Operations). "raw": the host's value, unchanged.
  ;; =================================================================================

  (func $op_unknown (call $reply (global.get $ERR_BAD_ARG)))

  ;; 1 self, 2 parent
  (func $op_self (call $reply (call $self)))
  (func $op_parent (call $reply (call $parent)))

  ;; 3 args: data = the spawn argument bytes, read to DATA.
  (func $op_args
    (local $size i32) (local $n i32)
    (local.set $size (call $args_size))
    (call $ensure (i32.add (global.get $data) (local.get $size)))
    (local.set $n (call $args_read (global.get $data) (local.get $size)))
    (if (i32.lt_s (local.get $n) (i32.const 0)) (then (local.set $n (i32.const 0))))
    (call $reply_data (i64.const 0) (i64.const 0) (i64.const 0) (global.get $data) (local.get $n)))

  ;; 4 spawn: a = flags (raw: 1 link, 2 monitor), s1 = module, s2 = args.
  ;; r = pid or error; x = the monitor reference (0 without the monitor flag).
  (func $op_spawn
    (local $pid i64) (local $ref i64)
    (i64.store (global.get $REF_OUT) (i64.const 0))
    (local.set $pid
      (call $spawn (global.get $s1) (global.get $len1) (global.get $s2) (global.get $len2)
                   (call $arg32 (global.get $a)) (global.get $REF_OUT)))
    (if (i32.and (i64.gt_s (local.get $pid) (i64.const 0))
                 (i64.ne (i64.and (global.get $a) (i64.const 2)) (i64.const 0)))
      (then (local.set $ref (i64.load (global.get $REF_OUT)))))
    (call $reply_data (local.get $pid) (local.get $ref) (i64.const 0) (i32.const 0) (i32.const 0)))

  ;; 5 send (a = pid, s1), 6 send_named (s1 = name, s2)
  (func $op_send
    (call $reply32 (call $send (global.get $a) (global.get $s1) (global.get $len1))))
  (func $op_send_named
    (call $reply32 (call $send_named (global.get $s1) (global.get $len1)
                                     (global.get $s2) (global.get $len2))))

  ;; 7 recv: one raw recv at index a with timeout b; the message stays queued.
  ;; r = size or error, x = kind, y = sender, data = the bytes.
  (func $op_recv
    (local $index i32) (local $cap i32) (local $n i32)
    (memory.fill (global.get $INFO) (i32.const 0) (i32.const 16))  ;; x = y = 0 on an error
    (local.set $index (call $arg32 (global.get $a)))
    (local.set $cap (i32.sub (call $mem_end) (global.get $data)))
    (local.set $n
      (call $recv (local.get $index) (global.get $b) (global.get $data) (local.get $cap)
                  (global.get $INFO)))
    (if (i32.gt_s (local.get $n) (local.get $cap))
      (then
        (call $ensure (i32.add (global.get $data) (local.get $n)))
        (local.set $n
          (call $recv (local.get $index) (i64.const 0) (global.get $data) (local.get $n)
                      (global.get $INFO)))))
    (call $reply_data
      (i64.extend_i32_s (local.get $n))
      (i64.extend_i32_u (i32.load (global.get $INFO)))
      (i64.load offset=8 (global.get $INFO))
      (global.get $data)
      (if (result i32) (i32.lt_s (local.get $n) (i32.const 0))
        (then (i32.const 0)) (else (local.get $n)))))

  ;; 8 take, 9 mailbox_len
  (func $op_take (call $reply32 (call $take (call $arg32 (global.get $a)))))
  (func $op_mailbox_len (call $reply32 (call $mailbox_len)))

  ;; 10 link, 11 unlink (a = pid). A dead pid makes `link` end this process with noproc
  ;; unless it traps exits: then there is no reply.
  (func $op_link (call $reply32 (call $link (global.get $a))))
  (func $op_unlink (call $reply32 (call $unlink (global.get $a))))

  ;; 12 trap_exit: a = flag; r = the previous flag.
  (func $op_trap_exit
    (call $reply32 (call $trap_exit (i64.ne (global.get $a) (i64.const 0)))))

  ;; 13 exit: a = reason kind, s1 = detail. Does not return; no reply. (A kind other than
  ;; normal, shutdown or custom makes the host end the process with trap, ABI.md.)
  (func $op_exit
    (call $exit (call $arg32 (global.get $a)) (global.get $s1) (global.get $len1)))

  ;; 14 exit_signal: a = pid, b = reason kind, s1 = detail.
  (func $op_exit_signal
    (call $reply32
      (call $exit_signal (global.get $a) (call $arg32 (global.get $b))
                         (global.get $s1) (global.get $len1))))

  ;; 15 monitor (a = pid), 16 demonitor (a = reference, b = flags, 1 flush)
  (func $op_monitor (call $reply (call $monitor (global.get $a))))
  (func $op_demonitor
    (call $reply32 (call $demonitor (global.get $a) (call $arg32 (global.get $b)))))

  ;; 17 register (a = pid, s1 = name), 18 unregister, 19 whereis (s1 = name)
  (func $op_register
    (call $reply32 (call $register (global.get $s1) (global.get $len1) (global.get $a))))
  (func $op_unregister
    (call $reply32 (call $unregister (global.get $s1) (global.get $len1))))
  (func $op_whereis
    (call $reply (call $whereis (global.get $s1) (global.get $len1))))

  ;; 20 send_after (a = pid, b = delay, s1), 21 cancel_timer (a = reference)
  (func $op_send_after
    (call $reply (call $send_after (global.get $a) (global.get $b) (global.get $s1) (global.get $len1))))
  (func $op_cancel_timer (call $reply (call $cancel_timer (global.get $a))))

  ;; 22 make_ref, 23 now_ms
  (func $op_make_ref (call $reply (call $make_ref)))
  (func $op_now_ms (call $reply (call $now_ms)))

  ;; 24 receive: a selective receive (the loop of ABI.md section 4) of the oldest message,
  ;; commands excepted, of kind a (-1 or any negative: any kind) whose bytes, for a USER
  ;; message, start with s1; timeout b (0: what is queued, -1: forever). Messages that do
  ;; not match stay queued. r = 0, x = kind, y = sender, data = the message's bytes
  ;; (EXIT: the reason; DOWN: the reference then the reason; NODEUP, NODEDOWN: the node's
  ;; name); or r = -1 on timeout.
  (func $op_receive
    (local $deadline i64) (local $i i32) (local $n i32) (local $kind i32) (local $ok i32)
    (local.set $deadline (call $deadline (global.get $b)))
    (loop $next
      (local.set $n (call $peek (local.get $i) (local.get $deadline)))
      (if (i32.lt_s (local.get $n) (i32.const 0))
        (then (call $reply (global.get $ERR_TIMEOUT)) (return)))
      (local.set $kind (i32.load (global.get $INFO)))
      (local.set $ok (i32.const 0))
      (if (i32.eqz (local.get $kind))
        (then
          ;; USER: never a command; the prefix must match.
          (local.set $ok
            (i32.and
              (i32.eqz (i32.and (i32.gt_s (local.get $n) (i32.const 0))
                                (i32.eq (i32.load8_u (global.get $data)) (i32.const 0xC0))))
              (i32.and (i32.ge_u (local.get $n) (global.get $len1))
                       (call $mem_eq (global.get $data) (global.get $s1) (global.get $len1)))))))
      ;; EXIT, NODEUP and NODEDOWN always qualify; DOWN when it holds its 8-byte reference.
      (if (i32.or (i32.eq (local.get $kind) (i32.const 1))
                  (i32.or (i32.eq (local.get $kind) (i32.const 3))
                          (i32.eq (local.get $kind) (i32.const 4))))
        (then (local.set $ok (i32.const 1))))
      (if (i32.eq (local.get $kind) (i32.const 2))
        (then (local.set $ok (i32.ge_u (local.get $n) (i32.const 8)))))
      ;; The kind filter.
      (if (i32.and (local.get $ok)
                   (i32.or (i64.lt_s (global.get $a) (i64.const 0))
                           (i64.eq (global.get $a) (i64.extend_i32_u (local.get $kind)))))
        (then
          (drop (call $take (local.get $i)))
          (call $reply_data (i64.const 0) (i64.extend_i32_u (local.get $kind))
                            (i64.load offset=8 (global.get $INFO)) (global.get $data) (local.get $n))
          (return)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))

  ;; Whether the `n` bytes at p are {"$reply": {"ref": mref, "value": V}} (any key order,
  ;; any white space, other keys ignored); then $got_ptr / $got_len hold V's JSON text
  ;; (`null` when there is no "value").
  (func $match_reply (param $p i32) (param $n i32) (param $mref i64) (result i32)
    (local $end i32) (local $r i32) (local $f i32) (local $v i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (if (i32.eqz (call $json_valid (local.get $p) (local.get $n))) (then (return (i32.const 0))))
    (local.set $p (call $ws (local.get $p) (local.get $end)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 123)) (then (return (i32.const 0))))
    (local.set $r (call $find_key (local.get $p) (local.get $end) (global.get $K_REPLY) (i32.const 6)))
    (if (i32.lt_s (local.get $r) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load8_u (local.get $r)) (i32.const 123)) (then (return (i32.const 0))))
    (local.set $f (call $find_key (local.get $r) (local.get $end) (global.get $K_REF) (i32.const 3)))
    (if (i32.lt_s (local.get $f) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.eqz (call $parse_u64 (local.get $f)
                                  (call $skip_value (local.get $f) (local.get $end) (i32.const 0))))
      (then (return (i32.const 0))))
    (if (i64.ne (global.get $num) (local.get $mref)) (then (return (i32.const 0))))
    (local.set $v (call $find_key (local.get $r) (local.get $end) (global.get $K_VALUE) (i32.const 5)))
    (if (i32.lt_s (local.get $v) (i32.const 0))
      (then
        (global.set $got_ptr (global.get $S_NULL))
        (global.set $got_len (i32.const 4)))
      (else
        (global.set $got_ptr (local.get $v))
        (global.set $got_len
          (i32.sub (call $skip_value (local.get $v) (local.get $end) (i32.const 0)) (local.get $v)))))
    (i32.const 1))

  ;; 25 call: the gen_server client of ABI.md "Calls and casts". a = server, b = timeout,
  ;; s1 = the request (JSON; r = -11 when it is not). Monitors the server (the reference
  ;; is the call's ref), sends {"$call":{"ref":R,"req":s1}}, then receives selectively the
  ;; first reply with that ref or the monitor's DOWN; everything else stays queued.
  ;; r = 0, data = the reply value's JSON text; r = -1 on timeout; r = -2, data = the
  ;; server's exit reason when it is or becomes dead. After a reply or a timeout the
  ;; monitor is removed with DEMONITOR_FLUSH.
  (func $op_call
    (local $mref i64) (local $p i32) (local $r i32) (local $deadline i64) (local $i i32)
    (local $n i32) (local $kind i32)
    (if (i32.eqz (call $json_valid (global.get $s1) (global.get $len1)))
      (then (call $reply (global.get $ERR_BAD_ARG)) (return)))
    (local.set $mref (call $monitor (global.get $a)))
    ;; The call message, built at DATA.
    (call $ensure (i32.add (global.get $data) (i32.add (global.get $len1) (i32.const 64))))
    (local.set $p (call $put (global.get $data) (global.get $S_CALL_HEAD) (i32.const 16)))
    (local.set $p (call $put_u64 (local.get $p) (local.get $mref)))
    (local.set $p (call $put (local.get $p) (global.get $S_CALL_REQ) (i32.const 7)))
    (local.set $p (call $put (local.get $p) (global.get $s1) (global.get $len1)))
    (local.set $p (call $put (local.get $p) (global.get $S_CLOSE2) (i32.const 2)))
    (local.set $r
      (call $send (global.get $a) (global.get $data) (i32.sub (local.get $p) (global.get $data))))
    (if (i32.lt_s (local.get $r) (i32.const 0))
      (then
        ;; ERR_TOO_BIG: the request could not be sent.
        (drop (call $demonitor (local.get $mref) (i32.const 1)))
        (call $reply32 (local.get $r))
        (return)))
    ;; The selective receive, into DATA (the call message is no longer needed).
    (local.set $deadline (call $deadline (global.get $b)))
    (loop $next
      (local.set $n (call $peek (local.get $i) (local.get $deadline)))
      (if (i32.lt_s (local.get $n) (i32.const 0))
        (then
          (drop (call $demonitor (local.get $mref) (i32.const 1)))
          (call $reply (global.get $ERR_TIMEOUT))
          (return)))
      (local.set $kind (i32.load (global.get $INFO)))
      (if (i32.eqz (local.get $kind))
        (then
          (if (call $match_reply (global.get $data) (local.get $n) (local.get $mref))
            (then
              (drop (call $take (local.get $i)))
              (drop (call $demonitor (local.get $mref) (i32.const 1)))
              (call $reply_data (i64.const 0) (i64.const 0) (i64.const 0)
                                (global.get $got_ptr) (global.get $got_len))
              (return)))))
      (if (i32.and (i32.eq (local.get $kind) (i32.const 2))
                   (i32.ge_u (local.get $n) (i32.const 8)))
        (then
          (if (i64.eq (i64.load (global.get $data)) (local.get $mref))
            (then
              ;; The monitor's DOWN: the reason follows the 8-byte reference.
              (drop (call $take (local.get $i)))
              (call $reply_data (global.get $ERR_NOPROC) (i64.const 0) (i64.const 0)
                                (i32.add (global.get $data) (i32.const 8))
                                (i32.sub (local.get $n) (i32.const 8)))
              (return)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))

  ;; 26 cast: sends {"$cast": s1} to a (s1 that is not JSON is sent as null, as the Rust
  ;; reference does); r = the send's result.
  (func $op_cast
    (local $p i32)
    (call $ensure (i32.add (global.get $data) (i32.add (global.get $len1) (i32.const 16))))
    (local.set $p (call $put (global.get $data) (global.get $S_CAST_HEAD) (i32.const 9)))
    (if (call $json_valid (global.get $s1) (global.get $len1))
      (then (local.set $p (call $put (local.get $p) (global.get $s1) (global.get $len1))))
      (else (local.set $p (call $put (local.get $p) (global.get $S_NULL) (i32.const 4)))))
    (local.set $p (call $put (local.get $p) (global.get $S_CLOSE1) (i32.const 1)))
    (call $reply32
      (call $send (global.get $a) (global.get $data) (i32.sub (local.get $p) (global.get $data)))))

  ;; 27 bad_pointer: a range outside memory; the host ends this process with trap.
  (func $op_bad_pointer
    (drop (call $send (call $self) (i32.const 0x7fff0000) (i32.const 64)))
    (call $reply (i64.const 0)))

  ;; 28 crash: WebAssembly's own crash.
  (func $op_crash unreachable)

  ;; 29 print: s1 and a newline on standard output (WASI fd 1), all of it even if
  ;; fd_write takes it in parts; r = 0.
  (func $op_print
    (local $p i32) (local $left i32) (local $w i32)
    (call $ensure (i32.add (global.get $data) (i32.add (global.get $len1) (i32.const 1))))
    (local.set $p (call $put (global.get $data) (global.get $s1) (global.get $len1)))
    (i32.store8 (local.get $p) (i32.const 10))
    (local.set $p (global.get $data))
    (local.set $left (i32.add (global.get $len1) (i32.const 1)))
    (block $done
      (loop $more
        (i32.store (global.get $IOV) (local.get $p))
        (i32.store offset=4 (global.get $IOV) (local.get $left))
        (br_if $done (i32.ne (call $fd_write (i32.const 1) (global.get $IOV) (i32.const 1)
                                             (global.get $NWRITTEN))
                             (i32.const 0)))                         ;; an errno: give up
        (local.set $w (i32.load (global.get $NWRITTEN)))
        (br_if $done (i32.eqz (local.get $w)))
        (local.set $p (i32.add (local.get $p) (local.get $w)))
        (local.set $left (i32.sub (local.get $left) (local.get $w)))
        (br_if $more (i32.gt_s (local.get $left) (i32.const 0)))))
    (call $reply (i64.const 0)))

  ;; 30 send_named_at: s1 = the name then the node, a = the name's length, s2 = bytes.
  ;; An `a` outside 0 ..= len1 (a negative one too, read as unsigned) is a bad argument.
  (func $op_send_named_at
    (local $at i32)
    (if (i64.gt_u (global.get $a) (i64.extend_i32_u (global.get $len1)))
      (then (call $reply (global.get $ERR_BAD_ARG)) (return)))
    (local.set $at (i32.wrap_i64 (global.get $a)))
    (call $reply32
      (call $send_named_at
        (global.get $s1) (local.get $at)
        (i32.add (global.get $s1) (local.get $at)) (i32.sub (global.get $len1) (local.get $at))
        (global.get $s2) (global.get $len2))))

  ;; 31 node_name: r = the name's size, data = the name, read to DATA (with all free
  ;; memory as the buffer; grown and read again when the name does not fit).
  (func $op_node_name
    (local $cap i32) (local $n i32)
    (local.set $cap (i32.sub (call $mem_end) (global.get $data)))
    (local.set $n (call $node_name (global.get $data) (local.get $cap)))
    (if (i32.gt_s (local.get $n) (local.get $cap))
      (then
        (call $ensure (i32.add (global.get $data) (local.get $n)))
        (local.set $n (call $node_name (global.get $data) (local.get $n)))))
    (call $reply_data (i64.extend_i32_s (local.get $n)) (i64.const 0) (i64.const 0)
                      (global.get $data) (local.get $n)))

  ;; 32 nodes: r = the list's size, data = the names, each followed by a newline, read to
  ;; DATA as node_name is (the list can grow between two calls: read until it fits).
  (func $op_nodes
    (local $cap i32) (local $n i32)
    (local.set $cap (i32.sub (call $mem_end) (global.get $data)))
    (local.set $n (call $nodes (global.get $data) (local.get $cap)))
    (block $fits
      (loop $again
        (br_if $fits (i32.le_s (local.get $n) (local.get $cap)))
        (call $ensure (i32.add (global.get $data) (local.get $n)))
        (local.set $cap (local.get $n))
        (local.set $n (call $nodes (global.get $data) (local.get $cap)))
        (br $again)))
    (call $reply_data (i64.extend_i32_s (local.get $n)) (i64.const 0) (i64.const 0)
                      (global.get $data) (local.get $n)))

  ;; 33 pid_node: a = pid; r = the name's size, data = the name, read to DATA.
  (func $op_pid_node
    (local $cap i32) (local $n i32)
    (local.set $cap (i32.sub (call $mem_end) (global.get $data)))
    (local.set $n (call $pid_node (global.get $a) (global.get $data) (local.get $cap)))
    (if (i32.gt_s (local.get $n) (local.get $cap))
      (then
        (call $ensure (i32.add (global.get $data) (local.get $n)))
        (local.set $n (call $pid_node (global.get $a) (global.get $data) (local.get $n)))))
    (call $reply_data (i64.extend_i32_s (local.get $n)) (i64.const 0) (i64.const 0)
                      (global.get $data) (local.get $n)))

  ;; 34 monitor_node (s1 = node, a = flag), 35 monitor_nodes (a = flag): raw, the flag
  ;; passed as it is (the host answers -11 for one that is not 0 or 1).
  (func $op_monitor_node
    (call $reply32 (call $monitor_node (global.get $s1) (global.get $len1)
                                       (call $arg32 (global.get $a)))))
  (func $op_monitor_nodes
    (call $reply32 (call $monitor_nodes (call $arg32 (global.get $a)))))

  ;; 36 spawn_at: s1 = the node then the module, a = the node's length, b = flags (raw),
  ;; s2 = args. r = pid or error; x = the monitor reference (0 without the monitor flag).
  ;; An `a` outside 0 ..= len1 (a negative one too, read as unsigned) is a bad argument.
  (func $op_spawn_at
    (local $at i32) (local $pid i64) (local $ref i64)
    (if (i64.gt_u (global.get $a) (i64.extend_i32_u (global.get $len1)))
      (then (call $reply (global.get $ERR_BAD_ARG)) (return)))
    (local.set $at (i32.wrap_i64 (global.get $a)))
    (i64.store (global.get $REF_OUT) (i64.const 0))
    (local.set $pid
      (call $spawn_at
        (global.get $s1) (local.get $at)
        (i32.add (global.get $s1) (local.get $at)) (i32.sub (global.get $len1) (local.get $at))
        (global.get $s2) (global.get $len2)
        (call $arg32 (global.get $b)) (global.get $REF_OUT)))
    (if (i32.and (i64.gt_s (local.get $pid) (i64.const 0))
                 (i64.ne (i64.and (global.get $b) (i64.const 2)) (i64.const 0)))
      (then (local.set $ref (i64.load (global.get $REF_OUT)))))
    (call $reply_data (local.get $pid) (local.get $ref) (i64.const 0) (i32.const 0) (i32.const 0)))

  ;; 37 pid_string: a = pid; data = `<0.N>` when pid_node(a) is node_name, else
  ;; `<NODE.N>` (ABI.md section 1). Node names are at most 255 bytes: this node's is read
  ;; to DATA, the pid's to DATA + 256, and the text is built at DATA + 512 (inside the
  ;; 4 KiB that every reply has).
  (func $op_pid_string
    (local $here i32) (local $there i32) (local $out i32) (local $p i32)
    (local.set $here (call $node_name (global.get $data) (i32.const 256)))
    (local.set $there
      (call $pid_node (global.get $a) (i32.add (global.get $data) (i32.const 256)) (i32.const 256)))
    (local.set $out (i32.add (global.get $data) (i32.const 512)))
    (i32.store8 (local.get $out) (i32.const 60))                         ;; <
    (local.set $p (i32.add (local.get $out) (i32.const 1)))
    (if (i32.and (i32.eq (local.get $here) (local.get $there))
                 (call $mem_eq (global.get $data) (i32.add (global.get $data) (i32.const 256))
                               (local.get $here)))
      (then
        (i32.store8 (local.get $p) (i32.const 48))                       ;; 0
        (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (local.set $p (call $put (local.get $p) (i32.add (global.get $data) (i32.const 256))
                                 (local.get $there)))))
    (i32.store8 (local.get $p) (i32.const 46))                           ;; .
    (local.set $p (call $put_u64 (i32.add (local.get $p) (i32.const 1)) (global.get $a)))
    (i32.store8 (local.get $p) (i32.const 62))                           ;; >
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (call $reply_data (i64.extend_i32_u (i32.sub (local.get $p) (local.get $out)))
                      (i64.const 0) (i64.const 0)
                      (local.get $out) (i32.sub (local.get $p) (local.get $out))))
)
