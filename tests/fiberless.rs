//! Processes without a fiber: a core behaviour that imports nothing that may wait runs
//! every call as a plain synchronous call, with WASI preview 1 as the host's synchronous
//! subset (no WASI context). What it can do must not change: captured output, granted
//! environment, clocks, randomness, exit statuses, and WASI's errors for bad arguments.

use std::sync::Arc;
use std::time::Duration;

use hatchery::{ExitReason, SpawnOpts, WasiGrants};
use hatchery_tests::{down_of, eventually, node_with, temp_dir, write_module};

/// A behaviour whose init exercises the WASI subset and sends what it got to its parent
/// (bytes 200..600 of its memory), and whose callback exits with status 3.
const WASI_SUBSET: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $env_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (import "hatchery_v1" "parent" (func $parent (result i64)))
  (import "hatchery_v1" "send" (func $send (param i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from wasi\n")
  (data (i32.const 100) "\00\00\00\00\10\00\00\00")
  (data (i32.const 120) "\00\00\ff\ff\64\00\00\00")
  (func (export "hatchery_main")
    (i32.store (i32.const 240) (call $fd_write (i32.const 1) (i32.const 100) (i32.const 1) (i32.const 252)))
    (i32.store (i32.const 244) (call $fd_write (i32.const 5) (i32.const 100) (i32.const 1) (i32.const 256)))
    (i32.store (i32.const 248) (call $fd_write (i32.const 1) (i32.const 120) (i32.const 1) (i32.const 256)))
    (drop (call $env_sizes (i32.const 200) (i32.const 204)))
    (drop (call $env_get (i32.const 300) (i32.const 400)))
    (drop (call $clock (i32.const 0) (i64.const 0) (i32.const 208)))
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 216)))
    (drop (call $random (i32.const 224) (i32.const 16)))
    (i32.store (i32.const 260) (call $args_sizes (i32.const 264) (i32.const 268)))
    (i32.store (i32.const 272) (call $random (i32.const 65530) (i32.const 16)))
    (drop (call $send (call $parent) (i32.const 200) (i32.const 400))))
  (func (export "hatchery_handle") (param i32 i64 i32) (call $proc_exit (i32.const 3))))"#;

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[tokio::test]
async fn the_wasi_subset_works_without_a_wasi_context() {
    let node = node_with(&["counter", "kv", "pingpong"]);
    let dir = temp_dir("fiberless");
    node.load_module_file(&write_module(&dir, "wasi_subset.wat", WASI_SUBSET))
        .expect("load");
    let fiberless = |name: &str| {
        node.module_infos()
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.fiberless)
    };
    assert_eq!(fiberless("wasi_subset"), Some(true));
    // A Rust counter server imports only the subset; kv receives inside a callback, and
    // pingpong is main-style: both keep their fiber.
    assert_eq!(fiberless("counter"), Some(true));
    assert_eq!(fiberless("kv"), Some(false));
    assert_eq!(fiberless("pingpong"), Some(false));

    let me = node.spawn_native("test").expect("native");
    let grants = WasiGrants {
        env: vec![("GREETING".into(), "hi".into())],
        dirs: Vec::new(),
    };
    let pid = node
        .spawn(
            "wasi_subset",
            Vec::new(),
            SpawnOpts {
                parent: Some(me.pid()),
                monitor: true,
                wasi: Some(Arc::new(grants)),
                ..SpawnOpts::default()
            },
        )
        .expect("spawn")
        .pid;
    let got = me
        .recv(Some(Duration::from_secs(30)))
        .await
        .expect("alive")
        .expect("its report");
    let b = &got.data[..];
    assert_eq!(b.len(), 400);
    // fd_write: stdout written (16 bytes), a bad descriptor is BADF, a bad iovec FAULT.
    assert_eq!(
        (u32_at(b, 40), u32_at(b, 52), u32_at(b, 44), u32_at(b, 48)),
        (0, 16, 8, 21)
    );
    // The granted environment, and nothing else.
    assert_eq!(
        (u32_at(b, 0), u32_at(b, 4)),
        (1, "GREETING=hi\0".len() as u32)
    );
    assert_eq!(u32_at(b, 100), 400, "the one entry's pointer");
    assert_eq!(&b[200..212], b"GREETING=hi\0");
    // The wall clock is now, give or take a minute; the monotonic one runs.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos() as u64;
    assert!(
        u64_at(b, 8).abs_diff(now) < 60_000_000_000,
        "{}",
        u64_at(b, 8)
    );
    assert!(u64_at(b, 16) > 0);
    assert_ne!(&b[24..40], &[0u8; 16], "random bytes");
    // No command-line arguments; a random range past the memory's end is FAULT.
    assert_eq!((u32_at(b, 60), u32_at(b, 64), u32_at(b, 68)), (0, 0, 0));
    assert_eq!(u32_at(b, 72), 21);
    // Its output was captured line by line.
    let p = node.process(pid).expect("alive");
    eventually("its line in the output", || {
        p.output().iter().any(|l| l.text == "hello from wasi")
    })
    .await;
    // proc_exit from a callback ends it with that status.
    me.send(pid, b"bye".to_vec());
    assert_eq!(
        down_of(&me, Some(pid)).await,
        ExitReason::custom("exit status 3")
    );
}
