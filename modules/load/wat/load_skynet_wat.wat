;; Skynet: one node of a 10-ary tree of processes, written against ABI.md alone.
;;
;; Arguments: 24 bytes, three little-endian i64s: num, size, to. A leaf (size 1) sends num
;; to `to`; any other node spawns 10 `load_skynet_wat` children with num + i*size/10 and
;; size/10 (and itself as their `to`), adds up their 10 replies and sends the sum to `to`.
;; Replies are 8 bytes, little-endian. A spawn that fails (the process cap) traps.
;;
;; Memory: 0..16 recv's info block; 16..40 own arguments; 40..64 a child's arguments;
;; 64..72 the message read, or the reply; 72..80 spawn's ref_out (unused); 128.. the
;; module name.
(module
  (import "hatchery_v1" "args_read" (func $args_read (param i32 i32) (result i32)))
  (import "hatchery_v1" "self" (func $self (result i64)))
  (import "hatchery_v1" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hatchery_v1" "send" (func $send (param i64 i32 i32) (result i32)))
  (import "hatchery_v1" "recv" (func $recv (param i32 i64 i32 i32 i32) (result i32)))
  (import "hatchery_v1" "take" (func $take (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 128) "load_skynet_wat")
  (func (export "hatchery_main")
    (local $num i64)
    (local $size i64)
    (local $i i64)
    (local $sum i64)
    (local $left i32)
    (drop (call $args_read (i32.const 16) (i32.const 24)))
    (local.set $num (i64.load (i32.const 16)))
    (local.set $size (i64.div_u (i64.load (i32.const 24)) (i64.const 10)))
    (if (i64.eqz (local.get $size))
      (then
        (i64.store (i32.const 64) (local.get $num))
        (drop (call $send (i64.load (i32.const 32)) (i32.const 64) (i32.const 8)))
        (return)))
    (i64.store (i32.const 48) (local.get $size))
    (i64.store (i32.const 56) (call $self))
    (loop $spawn_children
      (i64.store (i32.const 40)
        (i64.add (local.get $num) (i64.mul (local.get $i) (local.get $size))))
      (if (i64.lt_s
            (call $spawn (i32.const 128) (i32.const 15) (i32.const 40) (i32.const 24)
                         (i32.const 0) (i32.const 72))
            (i64.const 0))
        (then unreachable))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $spawn_children (i64.lt_u (local.get $i) (i64.const 10))))
    (local.set $left (i32.const 10))
    (loop $collect
      (drop (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 8) (i32.const 0)))
      (local.set $sum (i64.add (local.get $sum) (i64.load (i32.const 64))))
      (drop (call $take (i32.const 0)))
      (local.set $left (i32.sub (local.get $left) (i32.const 1)))
      (br_if $collect (local.get $left)))
    (i64.store (i32.const 64) (local.get $sum))
    (drop (call $send (i64.load (i32.const 32)) (i32.const 64) (i32.const 8)))))
