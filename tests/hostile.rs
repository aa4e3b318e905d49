//! Guests that try to reach what is not theirs.

use hatchery::{ExitReason, SpawnOpts};
use hatchery_tests::*;

/// Traps if any byte of its memory is not zero, then writes every byte (and a grown
/// part) so that the next instance in its slot would see it if the slot were not reset.
/// 40 pages: past the 1 MiB the pool keeps resident and clears in place, so both ways of
/// resetting a slot (clearing, and giving pages back) are crossed.
const DIRTY_CHECK: &str = r#"(module
  (memory (export "memory") 40)
  (func (export "hatchery_main") (local $at i32) (local $end i32)
    (local.set $end (i32.mul (memory.size) (i32.const 65536)))
    (block $clean
      (loop $scan
        (br_if $clean (i32.ge_u (local.get $at) (local.get $end)))
        (if (i64.ne (i64.load (local.get $at)) (i64.const 0)) (then unreachable))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $scan)))
    (drop (memory.grow (i32.const 8)))
    (memory.fill (i32.const 0) (i32.const 0xAB) (i32.mul (memory.size) (i32.const 65536)))))"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_process_never_sees_the_memory_of_one_before_it() {
    let node = node_with(&[]);
    let dir = temp_dir("dirty");
    // Two modules, so that a slot is also reused by a module other than its last one.
    for name in ["dirty_a.wat", "dirty_b.wat"] {
        node.load_module_file(&write_module(&dir, name, DIRTY_CHECK))
            .expect("load");
    }
    let me = node.spawn_native("test").expect("native");
    for i in 0..200 {
        let module = if i % 3 == 0 { "dirty_b" } else { "dirty_a" };
        let pid = node
            .spawn(
                module,
                Vec::new(),
                SpawnOpts {
                    parent: Some(me.pid()),
                    monitor: true,
                    ..SpawnOpts::default()
                },
            )
            .expect("spawn")
            .pid;
        let reason = down_of(&me, Some(pid)).await;
        assert_eq!(
            reason,
            ExitReason::Normal,
            "process {i} ({module}) found bytes of an earlier one"
        );
    }
    // The scan really looks: one byte set by a data segment is found.
    let seeded = DIRTY_CHECK.replace(
        "(memory (export \"memory\") 40)",
        "(memory (export \"memory\") 40) (data (i32.const 1500000) \"x\")",
    );
    node.load_module_file(&write_module(&dir, "seeded.wat", seeded))
        .expect("load");
    let pid = me
        .spawn("seeded", Vec::new(), false, true)
        .expect("spawn")
        .pid;
    let reason = down_of(&me, Some(pid)).await;
    assert!(matches!(reason, ExitReason::Trap(_)), "{reason}");
}
