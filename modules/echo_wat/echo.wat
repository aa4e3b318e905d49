;; echo.wat: a complete Hatchery guest written against ABI.md alone, with no SDK and no
;; build step (the host loads the text format directly).
;;
;; It receives one message, sends the same bytes back to the sender and returns, which ends
;; the process with reason `normal` (ABI section 1).
;;
;; Memory layout (one 64 KiB page to start with):
;;   0 .. 16   the 16-byte info block `recv` fills: u32 kind, u32 reserved, i64 sender
;;   64 ..     the message buffer, up to the end of memory (grown for a bigger message)
(module
  ;; Only the three hatchery_v1 functions this guest needs; their signatures are the ones
  ;; of ABI.md section 5. Pointers and lengths are i32; pids and timeouts are i64.
  (import "hatchery_v1" "recv"
    (func $recv (param $index i32) (param $timeout_ms i64)
                (param $buf_ptr i32) (param $buf_len i32) (param $info_ptr i32)
                (result i32)))
  (import "hatchery_v1" "take" (func $take (param $index i32) (result i32)))
  (import "hatchery_v1" "send"
    (func $send (param $pid i64) (param $ptr i32) (param $len i32) (result i32)))

  ;; Required export: the guest's linear memory. Every pointer above is an offset into it.
  (memory (export "memory") 1)

  (global $INFO i32 (i32.const 0))
  (global $BUF i32 (i32.const 64))

  ;; The process entry. Returning from it ends the process with reason `normal`.
  (func (export "hatchery_main")
    (local $cap i32)   ;; bytes available for the message at $BUF
    (local $size i32)  ;; the message's full size, as `recv` returns it

    ;; cap = memory size in bytes - 64
    (local.set $cap
      (i32.sub (i32.mul (memory.size) (i32.const 65536)) (global.get $BUF)))

    ;; Wait forever (-1) for the message at index 0, the oldest. It stays queued until
    ;; `take`. A negative result is an error code (ABI section 2); with an infinite
    ;; timeout none is expected, so just end normally.
    (local.set $size
      (call $recv (i32.const 0) (i64.const -1)
                  (global.get $BUF) (local.get $cap) (global.get $INFO)))
    (if (i32.lt_s (local.get $size) (i32.const 0)) (then (return)))

    ;; Only USER messages (kind 0) have a sender to answer. This process neither traps
    ;; exits nor monitors, so EXIT (1) and DOWN (2) cannot arrive; check anyway.
    (if (i32.ne (i32.load (global.get $INFO)) (i32.const 0)) (then (return)))

    ;; `recv` copied min(size, cap) bytes. If the message is bigger, grow memory so it
    ;; fits and read it again: message 0 is still there, because only this process
    ;; removes messages (ABI section 4). If memory cannot grow (the node's memory cap),
    ;; give up and end normally.
    (if (i32.gt_u (local.get $size) (local.get $cap))
      (then
        (if (i32.lt_s
              (memory.grow
                (i32.sub
                  ;; pages needed for 64 + size bytes, rounded up
                  (i32.shr_u
                    (i32.add (i32.add (local.get $size) (global.get $BUF)) (i32.const 65535))
                    (i32.const 16))
                  (memory.size)))
              (i32.const 0))
          (then (return)))
        (drop
          (call $recv (i32.const 0) (i64.const 0)
                      (global.get $BUF) (local.get $size) (global.get $INFO)))))

    ;; Remove the message from the mailbox (0, or ERR_NO_MESSAGE, which cannot happen).
    (drop (call $take (i32.const 0)))

    ;; Send the bytes back to the sender: the i64 at offset 8 of the info block. `send`
    ;; returns 0 even if the sender is gone (the message is dropped), or ERR_TOO_BIG.
    (drop
      (call $send (i64.load (i32.add (global.get $INFO) (i32.const 8)))
                  (global.get $BUF) (local.get $size)))
  )
)
