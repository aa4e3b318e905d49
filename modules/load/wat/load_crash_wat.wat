;; A process that traps as soon as it starts: the crashing child of the restart benchmark,
;; without WASI or a language runtime.
(module
  (memory (export "memory") 1)
  (func (export "hatchery_main")
    unreachable))
