;; A behaviour-style guest: an empty init, then one callback per message (it exits on
;; the first). The idle benchmarks of hatchery-bench and anatomy spawn it.
(module
  (import "hatchery_v1" "message_read" (func $read (param i32 i32) (result i32)))
  (import "hatchery_v1" "exit" (func $exit (param i32 i32 i32)))
  (memory (export "memory") 1)
  (func (export "hatchery_main"))
  (func (export "hatchery_handle") (param i32 i64 i32) (call $exit (i32.const 0) (i32.const 0) (i32.const 0))))
