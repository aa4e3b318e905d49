;; A process that spins on the CPU for ever: it sends `spinning` to its parent, then runs an
;; endless loop with no host calls. Only preemption (the epoch tick) lets other processes run
;; beside it, and only an exit signal ends it.
(module
  (import "hatchery_v1" "parent" (func $parent (result i64)))
  (import "hatchery_v1" "send" (func $send (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "spinning")
  (func (export "hatchery_main")
    (drop (call $send (call $parent) (i32.const 0) (i32.const 8)))
    (loop $spin
      (br $spin))))
