;; A main-style guest that waits for a message forever: the idle WAT process of the
;; idle benchmarks of hatchery-bench and anatomy.
(module
  (import "hatchery_v1" "recv" (func $recv (param i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hatchery_main") (drop (call $recv (i32.const 0) (i64.const -1) (i32.const 0) (i32.const 0) (i32.const 16)))))
