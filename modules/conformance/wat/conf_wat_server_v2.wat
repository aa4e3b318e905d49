;; conf_wat_server_v2.wat: version 2 of the conformance suite's counter server
;; (modules/conformance/PROTOCOL.md, "The counter server") in hand-written WAT, written
;; against guest-sdk/ABI.md with no SDK. The harness loads it as a new version of
;; conf_wat_server (conf_wat_server.wat, version 1) to check a hot code swap. The two
;; files differ only where marked `VERSION-SPECIFIC` (the version number and the encoding
;; of the saved state).
;;
;; It is a behaviour-style module (ABI.md section 5, Behaviours): `hatchery_main` is the
;; init (count = infos = 0) and returns; the host then calls `hatchery_handle` once per
;; message. It speaks the gen_server protocol of ABI.md "Calls and casts":
;;
;;   {"$call": {"ref": R, "req": "get"}}      -> {"$reply":{"ref":R,"value":<count>}}
;;   {"$call": {"ref": R, "req": "infos"}}    -> {"$reply":{"ref":R,"value":<infos>}}
;;   {"$call": {"ref": R, "req": "version"}}  -> {"$reply":{"ref":R,"value":2}}
;;   {"$call": {"ref": R, "req": <other>}}    -> {"$reply":{"ref":R,"value":{"unknown":<other>}}}
;;   {"$cast": N}  (N an integer)             -> count += N
;;   anything else (other JSON, bytes, EXIT, DOWN, NODEUP, NODEDOWN) -> infos += 1
;;
;; The JSON is read by a small tokenizer (the "JSON reader" section): the message must be
;; one valid JSON value; keys are found in the top-level object whatever their order, the
;; white space or the other members, compared after decoding escapes. A cast whose value
;; is not an integer in the i64 range is ignored (and reported on standard error) rather
;; than crashing the server.
;;
;; Hot code swap (ABI.md section 5): `hatchery_state_save` / `hatchery_code_change`.
;; VERSION-SPECIFIC: v1 saves 16 bytes, count then infos (i64 little-endian); v2 saves
;; 20 bytes, the tag "ctr2" then count and infos. Both versions take either form, so a
;; swap v1 -> v2 and a rollback v2 -> v1 keep the counters.
;;
;; Memory layout (one 64 KiB page to start with; grown on demand):
;;
;;        0 ..    8  IOV: one WASI iovec (ptr, len) for the stderr note
;;        8 ..   12  NWRITTEN: what fd_write reports
;;       64 ..   88  NUMBUF: decimal digits of a number, written backwards from 88
;;      128 ..  512  constant strings (the data segments below)
;;      512 ..  532  STATE: the saved state `hatchery_state_save` hands to the host
;;     1024 ..       MSG: the message being handled (`size` bytes, read with message_read)
;;      OUT ..       the reply being built: MSG + size rounded up to 8
;;
;; When memory cannot grow (the node's memory cap) the guest executes `unreachable`, so
;; it ends with reason `limit` / `memory`.
(module
  ;; ---------------------------------------------------------------------------------
  ;; Imports (ABI.md section 5) and WASI fd_write (for the note on standard error).
  ;; ---------------------------------------------------------------------------------
  (import "hatchery_v1" "message_read"
    (func $message_read (param $ptr i32) (param $len i32) (result i32)))
  (import "hatchery_v1" "send"
    (func $send (param $pid i64) (param $ptr i32) (param $len i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param $fd i32) (param $iovs i32) (param $iovs_len i32)
                    (param $nwritten i32) (result i32)))

  (memory (export "memory") 1)

  ;; ---------------------------------------------------------------------------------
  ;; VERSION-SPECIFIC: the version this file calls itself ("version" call).
  ;; ---------------------------------------------------------------------------------
  (global $VERSION i64 (i64.const 2))

  ;; ---------------------------------------------------------------------------------
  ;; Fixed addresses and constant strings.
  ;; ---------------------------------------------------------------------------------
  (global $IOV i32 (i32.const 0))
  (global $NWRITTEN i32 (i32.const 8))
  (global $NUM_END i32 (i32.const 88))
  (global $STATE i32 (i32.const 512))
  (global $MSG i32 (i32.const 1024))

  ;; Key and request literals are stored without quotes: `$str_eq` compares decoded strings.
  (data (i32.const 128) "$call")                  ;;  5
  (data (i32.const 136) "$cast")                  ;;  5
  (data (i32.const 144) "ref")                    ;;  3
  (data (i32.const 152) "req")                    ;;  3
  (data (i32.const 160) "get")                    ;;  3
  (data (i32.const 168) "infos")                  ;;  5
  (data (i32.const 176) "version")                ;;  7
  (data (i32.const 184) "true")                   ;;  4
  (data (i32.const 192) "false")                  ;;  5
  (data (i32.const 200) "null")                   ;;  4
  (data (i32.const 208) "{\"$reply\":{\"ref\":")  ;; 17
  (data (i32.const 232) ",\"value\":")            ;;  9
  (data (i32.const 248) "}}")                     ;;  2
  (data (i32.const 256) "{\"unknown\":")          ;; 11
  (data (i32.const 272) "}")                      ;;  1
  (data (i32.const 280) "ctr2")                   ;;  4: the tag of v2's saved state
  (data (i32.const 288) "conf_wat_server: ignored a cast that is not an integer\n")  ;; 55
  (data (i32.const 352) "conf_wat_server: not a counter state (want 16 bytes count, infos or 20 bytes \"ctr2\", count, infos)")  ;; 98
  (global $K_CALL i32 (i32.const 128))
  (global $K_CAST i32 (i32.const 136))
  (global $K_REF i32 (i32.const 144))
  (global $K_REQ i32 (i32.const 152))
  (global $R_GET i32 (i32.const 160))
  (global $R_INFOS i32 (i32.const 168))
  (global $R_VERSION i32 (i32.const 176))
  (global $S_TRUE i32 (i32.const 184))
  (global $S_FALSE i32 (i32.const 192))
  (global $S_NULL i32 (i32.const 200))
  (global $S_REPLY_HEAD i32 (i32.const 208))
  (global $S_REPLY_VALUE i32 (i32.const 232))
  (global $S_CLOSE2 i32 (i32.const 248))
  (global $S_UNKNOWN i32 (i32.const 256))
  (global $S_CLOSE1 i32 (i32.const 272))
  (global $S_TAG i32 (i32.const 280))
  (global $S_BAD_CAST i32 (i32.const 288))
  (global $S_BAD_CAST_LEN i32 (i32.const 55))
  (global $S_REFUSE i32 (i32.const 352))
  (global $S_REFUSE_LEN i32 (i32.const 98))

  ;; ---------------------------------------------------------------------------------
  ;; The server's state.
  ;; ---------------------------------------------------------------------------------
  (global $count (mut i64) (i64.const 0))
  (global $infos (mut i64) (i64.const 0))

  ;; The integer the JSON reader's `$parse_int` read.
  (global $num (mut i64) (i64.const 0))

  ;; =================================================================================
  ;; Memory helpers
  ;; =================================================================================

  (func $mem_end (result i32)
    (i32.mul (memory.size) (i32.const 65536)))

  ;; Makes sure the addresses [0, end) exist, growing memory; traps (limit) when it cannot.
  (func $ensure (param $end i32)
    (local $pages i32)
    (if (i32.gt_u (local.get $end) (call $mem_end))
      (then
        (local.set $pages
          (i32.wrap_i64
            (i64.shr_u (i64.add (i64.extend_i32_u (local.get $end)) (i64.const 65535))
                       (i64.const 16))))
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then unreachable)))))

  ;; Copies `len` bytes from `src` to `dst`; returns dst + len.
  (func $put (param $dst i32) (param $src i32) (param $len i32) (result i32)
    (memory.copy (local.get $dst) (local.get $src) (local.get $len))
    (i32.add (local.get $dst) (local.get $len)))

  ;; Writes `v`, read as unsigned, in decimal at `dst`; returns the end.
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

  ;; Writes the signed `v` in decimal at `dst`; returns the end.
  (func $put_i64 (param $dst i32) (param $v i64) (result i32)
    (if (i64.lt_s (local.get $v) (i64.const 0))
      (then
        (i32.store8 (local.get $dst) (i32.const 45))   ;; -
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $v (i64.sub (i64.const 0) (local.get $v)))))  ;; i64::MIN stays right as u64
    (call $put_u64 (local.get $dst) (local.get $v)))

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

  ;; Writes `len` bytes at `p` to standard error (WASI fd 2), best effort.
  (func $note (param $p i32) (param $len i32)
    (i32.store (global.get $IOV) (local.get $p))
    (i32.store offset=4 (global.get $IOV) (local.get $len))
    (drop (call $fd_write (i32.const 2) (global.get $IOV) (i32.const 1) (global.get $NWRITTEN))))

  ;; =================================================================================
  ;; JSON reader (the same as in conf_wat.wat, plus signed integers)
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

  (func $is_digit (param $c i32) (result i32)
    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))

  ;; The value of the hex digit `c`, or -1.
  (func $hex (param $c i32) (result i32)
    (if (call $is_digit (local.get $c)) (then (return (i32.sub (local.get $c) (i32.const 48)))))
    (local.set $c (i32.or (local.get $c) (i32.const 0x20)))
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
      (if (i32.eq (local.get $c) (i32.const 34))
        (then (return (i32.add (local.get $p) (i32.const 1)))))
      (if (i32.lt_s (local.get $c) (i32.const 32)) (then (return (i32.const -1))))
      (if (i32.eq (local.get $c) (i32.const 92))
        (then
          (local.set $c (call $at (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 117))
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
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 45))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 48))
      (then (local.set $p (i32.add (local.get $p) (i32.const 1))))
      (else
        (if (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $skip_digits (local.get $p) (local.get $end)))))
    (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 46))
      (then
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.eqz (call $is_digit (call $at (local.get $p) (local.get $end))))
          (then (return (i32.const -1))))
        (local.set $p (call $skip_digits (local.get $p) (local.get $end)))))
    (if (i32.eq (i32.or (call $at (local.get $p) (local.get $end)) (i32.const 0x20)) (i32.const 101))
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
          (if (i32.ne (call $at (local.get $p) (local.get $end)) (i32.const 58))
            (then (return (i32.const -1))))
          (local.set $p (call $skip_value (i32.add (local.get $p) (i32.const 1)) (local.get $end)
                                          (i32.add (local.get $depth) (i32.const 1))))
          (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
          (local.set $p (call $ws (local.get $p) (local.get $end)))
          (local.set $c (call $at (local.get $p) (local.get $end)))
          (if (i32.eq (local.get $c) (i32.const 44))
            (then
              (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
              (br $member)))
          (if (i32.eq (local.get $c) (i32.const 125))
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

  ;; Whether the `len` bytes at p are exactly one JSON value, with optional white space.
  (func $json_valid (param $p i32) (param $len i32) (result i32)
    (local $end i32) (local $q i32)
    (local.set $end (i32.add (local.get $p) (local.get $len)))
    (local.set $q (call $skip_value (local.get $p) (local.get $end) (i32.const 0)))
    (if (i32.lt_s (local.get $q) (i32.const 0)) (then (return (i32.const 0))))
    (i32.eq (call $ws (local.get $q) (local.get $end)) (local.get $end)))

  ;; Whether the (valid) string token at p, once its escapes are decoded, equals the
  ;; `len` ASCII bytes at `lit`. So "\u0067et" equals get.
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
              (local.set $c
                (i32.or
                  (i32.or (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 2)))) (i32.const 12))
                          (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 3)))) (i32.const 8)))
                  (i32.or (i32.shl (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 4)))) (i32.const 4))
                          (call $hex (i32.load8_u (i32.add (local.get $p) (i32.const 5)))))))
              (local.set $p (i32.add (local.get $p) (i32.const 6))))
            (else
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
  ;; a name repeats, as serde_json keeps it): its address, or -1.
  (func $find_key (param $p i32) (param $end i32) (param $key i32) (param $len i32) (result i32)
    (local $k i32) (local $found i32)
    (local.set $found (i32.const -1))
    (local.set $p (call $ws (i32.add (local.get $p) (i32.const 1)) (local.get $end)))
    (if (i32.ne (call $at (local.get $p) (local.get $end)) (i32.const 34))
      (then (return (i32.const -1))))
    (loop $member
      (local.set $k (local.get $p))
      (local.set $p (call $skip_string (local.get $p) (local.get $end)))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (local.set $p (call $ws (local.get $p) (local.get $end)))
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

  ;; Reads the number token [p, q) as an integer into $num: an optional minus sign, then
  ;; digits only (no fraction or exponent, which serde_json reads as a float). `signed`
  ;; 0: as serde_json's as_u64 (no sign, up to 2^64 - 1); 1: an i64 (-2^63 .. 2^63 - 1).
  ;; Returns 1 on success, 0 for anything else (then $num is unchanged).
  (func $parse_int (param $p i32) (param $q i32) (param $signed i32) (result i32)
    (local $v i64) (local $d i64) (local $neg i32)
    (if (i32.and (local.get $signed)
                 (i32.eq (call $at (local.get $p) (local.get $q)) (i32.const 45)))
      (then
        (local.set $neg (i32.const 1))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))))
    (if (i32.ge_u (local.get $p) (local.get $q)) (then (return (i32.const 0))))
    (loop $digit
      (if (i32.eqz (call $is_digit (i32.load8_u (local.get $p)))) (then (return (i32.const 0))))
      (local.set $d (i64.extend_i32_u (i32.sub (i32.load8_u (local.get $p)) (i32.const 48))))
      (if (i64.gt_u (local.get $v) (i64.const 1844674407370955161)) (then (return (i32.const 0))))
      (local.set $v (i64.mul (local.get $v) (i64.const 10)))
      (local.set $d (i64.add (local.get $v) (local.get $d)))
      (if (i64.lt_u (local.get $d) (local.get $v)) (then (return (i32.const 0))))   ;; carry
      (local.set $v (local.get $d))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $digit (i32.lt_u (local.get $p) (local.get $q))))
    (if (local.get $signed)
      (then
        (if (local.get $neg)
          (then
            (if (i64.gt_u (local.get $v) (i64.const 0x8000000000000000)) (then (return (i32.const 0))))
            (local.set $v (i64.sub (i64.const 0) (local.get $v))))
          (else
            (if (i64.gt_u (local.get $v) (i64.const 0x7fffffffffffffff)) (then (return (i32.const 0))))))))
    (global.set $num (local.get $v))
    (i32.const 1))

  ;; =================================================================================
  ;; The behaviour
  ;; =================================================================================

  ;; The init: the state starts at zero. Returning hands the process to the host's loop.
  (func (export "hatchery_main")
    (global.set $count (i64.const 0))
    (global.set $infos (i64.const 0)))

  ;; One message, taken from the mailbox by the host: kind 0 USER, 1 EXIT, 2 DOWN,
  ;; 3 NODEUP, 4 NODEDOWN.
  ;; (This server never traps exits, so an EXIT cannot reach it: a non-normal exit
  ;; signal ends it and `normal` is ignored. The gen_server rule of ABI.md for an EXIT
  ;; from the parent therefore never applies; any EXIT would count as an info.)
  (func (export "hatchery_handle") (param $kind i32) (param $sender i64) (param $size i32)
    (local $n i32)
    (if (i32.eqz (local.get $kind))
      (then
        (call $ensure (i32.add (global.get $MSG) (local.get $size)))
        (local.set $n (call $message_read (global.get $MSG) (local.get $size)))
        (if (i32.lt_s (local.get $n) (i32.const 0)) (then (return)))
        (if (i32.gt_u (local.get $n) (local.get $size)) (then (local.set $n (local.get $size))))
        (call $on_user (local.get $sender) (local.get $n))
        (return)))
    ;; EXIT, NODEUP, NODEDOWN, and DOWN with its 8-byte reference: infos. Anything else
    ;; (an unknown kind, a DOWN too short to be one) is not a message the protocol knows:
    ;; ignored.
    (if (i32.or (i32.or (i32.eq (local.get $kind) (i32.const 1))
                        (i32.and (i32.eq (local.get $kind) (i32.const 2))
                                 (i32.ge_u (local.get $size) (i32.const 8))))
                (i32.or (i32.eq (local.get $kind) (i32.const 3))
                        (i32.eq (local.get $kind) (i32.const 4))))
      (then (call $info))))

  (func $info
    (global.set $infos (i64.add (global.get $infos) (i64.const 1))))

  ;; A USER message of `n` bytes at MSG: a call, a cast, or an info.
  (func $on_user (param $sender i64) (param $n i32)
    (local $end i32) (local $p i32) (local $v i32)
    (local.set $end (i32.add (global.get $MSG) (local.get $n)))
    ;; Not JSON, or JSON that is not an object: an info.
    (if (i32.eqz (call $json_valid (global.get $MSG) (local.get $n)))
      (then (call $info) (return)))
    (local.set $p (call $ws (global.get $MSG) (local.get $end)))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 123))
      (then (call $info) (return)))
    ;; An object with a "$call" member is a call (whatever else it holds), else one with
    ;; "$cast" a cast, else an info.
    (local.set $v (call $find_key (local.get $p) (local.get $end) (global.get $K_CALL) (i32.const 5)))
    (if (i32.ge_s (local.get $v) (i32.const 0))
      (then (call $on_call (local.get $sender) (local.get $v) (local.get $end)) (return)))
    (local.set $v (call $find_key (local.get $p) (local.get $end) (global.get $K_CAST) (i32.const 5)))
    (if (i32.ge_s (local.get $v) (i32.const 0))
      (then (call $on_cast (local.get $v) (local.get $end)) (return)))
    (call $info))

  ;; A call whose "$call" value is at v: {"ref": R, "req": REQ}. R is read as serde_json's
  ;; as_u64 (0 when it is missing or not an unsigned integer, as the Rust SDK does).
  ;; Replies {"$reply":{"ref":R,"value":V}} to the sender.
  (func $on_call (param $sender i64) (param $v i32) (param $end i32)
    (local $ref i64) (local $f i32) (local $req i32) (local $out i32) (local $q i32)
    (local.set $req (i32.const -1))
    (if (i32.eq (i32.load8_u (local.get $v)) (i32.const 123))
      (then
        (local.set $f (call $find_key (local.get $v) (local.get $end) (global.get $K_REF) (i32.const 3)))
        (if (i32.ge_s (local.get $f) (i32.const 0))
          (then
            (if (call $parse_int (local.get $f)
                                 (call $skip_value (local.get $f) (local.get $end) (i32.const 0))
                                 (i32.const 0))
              (then (local.set $ref (global.get $num))))))
        (local.set $req (call $find_key (local.get $v) (local.get $end) (global.get $K_REQ) (i32.const 3)))))
    ;; The reply, built after the message: at most the message's size plus the fixed parts.
    (local.set $out (i32.and (i32.add (local.get $end) (i32.const 7)) (i32.const -8)))
    (call $ensure (i32.add (local.get $out)
                           (i32.add (i32.sub (local.get $end) (global.get $MSG)) (i32.const 128))))
    (local.set $q (call $put (local.get $out) (global.get $S_REPLY_HEAD) (i32.const 17)))
    (local.set $q (call $put_u64 (local.get $q) (local.get $ref)))
    (local.set $q (call $put (local.get $q) (global.get $S_REPLY_VALUE) (i32.const 9)))
    (block $answered
      (if (i32.ge_s (local.get $req) (i32.const 0))
        (then
          (if (i32.eq (i32.load8_u (local.get $req)) (i32.const 34))
            (then
              (if (call $str_eq (local.get $req) (local.get $end) (global.get $R_GET) (i32.const 3))
                (then (local.set $q (call $put_i64 (local.get $q) (global.get $count)))
                      (br $answered)))
              (if (call $str_eq (local.get $req) (local.get $end) (global.get $R_INFOS) (i32.const 5))
                (then (local.set $q (call $put_i64 (local.get $q) (global.get $infos)))
                      (br $answered)))
              (if (call $str_eq (local.get $req) (local.get $end) (global.get $R_VERSION) (i32.const 7))
                (then (local.set $q (call $put_i64 (local.get $q) (global.get $VERSION)))
                      (br $answered)))))))
      ;; Any other request: {"unknown": <the request's JSON text, or null>}.
      (local.set $q (call $put (local.get $q) (global.get $S_UNKNOWN) (i32.const 11)))
      (if (i32.ge_s (local.get $req) (i32.const 0))
        (then
          (local.set $q
            (call $put (local.get $q) (local.get $req)
                       (i32.sub (call $skip_value (local.get $req) (local.get $end) (i32.const 0))
                                (local.get $req)))))
        (else (local.set $q (call $put (local.get $q) (global.get $S_NULL) (i32.const 4)))))
      (local.set $q (call $put (local.get $q) (global.get $S_CLOSE1) (i32.const 1))))
    (local.set $q (call $put (local.get $q) (global.get $S_CLOSE2) (i32.const 2)))
    ;; 0 even when the caller is gone or outside the node (sender 0): nothing to do then.
    (drop (call $send (local.get $sender) (local.get $out) (i32.sub (local.get $q) (local.get $out)))))

  ;; A cast whose "$cast" value is at v: an integer N adds N to count (wrapping, as i64).
  (func $on_cast (param $v i32) (param $end i32)
    (if (call $parse_int (local.get $v)
                         (call $skip_value (local.get $v) (local.get $end) (i32.const 0))
                         (i32.const 1))
      (then (global.set $count (i64.add (global.get $count) (global.get $num))))
      (else (call $note (global.get $S_BAD_CAST) (global.get $S_BAD_CAST_LEN)))))

  ;; =================================================================================
  ;; Hot code swap (ABI.md section 5)
  ;; =================================================================================

  ;; VERSION-SPECIFIC: v2 saves 20 bytes at STATE: the tag "ctr2", count, infos (i64
  ;; little-endian). Returns (ptr << 32) | len; STATE stays valid until the instance is
  ;; dropped.
  (func (export "hatchery_state_save") (result i64)
    (memory.copy (global.get $STATE) (global.get $S_TAG) (i32.const 4))
    (i64.store offset=4 (global.get $STATE) (global.get $count))
    (i64.store offset=12 (global.get $STATE) (global.get $infos))
    (i64.or (i64.shl (i64.extend_i32_u (global.get $STATE)) (i64.const 32)) (i64.const 20)))

  ;; Takes the state a version saved (read with message_read), either form:
  ;;   16 bytes: count, infos                (v1)
  ;;   20 bytes: "ctr2", count, infos        (v2)
  ;; Returns 0, or (ptr << 32) | len of the reason it refuses anything else. Called on a
  ;; fresh instance whose init did not run, and also when waking from hibernation.
  (func (export "hatchery_code_change") (param $old_version i32) (param $size i32) (result i64)
    (local $n i32)
    (call $ensure (i32.add (global.get $MSG) (local.get $size)))
    (local.set $n (call $message_read (global.get $MSG) (local.get $size)))
    (if (i32.eq (local.get $n) (i32.const 16))
      (then
        (global.set $count (i64.load (global.get $MSG)))
        (global.set $infos (i64.load offset=8 (global.get $MSG)))
        (return (i64.const 0))))
    (if (i32.and (i32.eq (local.get $n) (i32.const 20))
                 (call $mem_eq (global.get $MSG) (global.get $S_TAG) (i32.const 4)))
      (then
        (global.set $count (i64.load offset=4 (global.get $MSG)))
        (global.set $infos (i64.load offset=12 (global.get $MSG)))
        (return (i64.const 0))))
    (i64.or (i64.shl (i64.extend_i32_u (global.get $S_REFUSE)) (i64.const 32))
            (i64.extend_i32_u (global.get $S_REFUSE_LEN))))
)
