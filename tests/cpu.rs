//! The CPU cap on behaviour callbacks: a callback past it ends its process with
//! `limit: cpu`; main-style processes are only preempted; a child can have its own cap.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hatchery::{ExitReason, NativeProcess, Node, NodeConfig, Pid, SpawnOpts};
use hatchery_tests::*;
use serde_json::json;

/// A behaviour whose init returns and whose every callback spins forever.
const BUSY: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "hatchery_main"))
  (func (export "hatchery_handle") (param i32 i64 i32) (loop $forever (br $forever))))"#;

/// A main-style process that spins forever.
const SPIN: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (loop $l (br $l))))"#;

const CAP: Duration = Duration::from_millis(100);

fn node() -> Node {
    let node = node_with_config(
        NodeConfig {
            callback_cpu_limit: Some(CAP),
            ..config()
        },
        &["probe"],
    );
    let dir = temp_dir("cpu");
    for (file, text) in [("busy.wat", BUSY), ("spin.wat", SPIN)] {
        node.load_module_file(&write_module(&dir, file, text))
            .expect("load");
    }
    node
}

fn spawn_monitored(me: &NativeProcess, module: &str, cap: Option<Duration>) -> Pid {
    me.node()
        .spawn(
            module,
            Vec::new(),
            SpawnOpts {
                parent: Some(me.pid()),
                monitor: true,
                callback_cpu_limit: cap,
                ..SpawnOpts::default()
            },
        )
        .expect("spawn")
        .pid
}

fn ticks(node: &Node, pid: Pid) -> u64 {
    node.process(pid)
        .map_or(0, |p| p.counters.cpu_ticks.load(Ordering::Relaxed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_past_its_cpu_cap_ends_with_limit_cpu_and_others_go_on() {
    let node = node();
    let me = node.spawn_native("test").expect("native");
    let busy = spawn_monitored(&me, "busy", None);
    let p = node.process(busy).expect("alive");
    eventually("the cap to be shown", || {
        p.counters.callback_cpu_limit_ms.load(Ordering::Relaxed) == 100
    })
    .await;
    me.send(busy, b"work".to_vec());
    assert_eq!(
        down_of(&me, Some(busy)).await,
        ExitReason::Limit("cpu".into())
    );
    assert!(p.counters.cpu_ticks.load(Ordering::Relaxed) > 0);
    // Nothing else was held up.
    let probe = Probe::spawn(&me, false, false);
    assert_eq!(probe.run(&me, json!({"report": 1})).await, json!(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_style_processes_are_only_preempted_and_a_child_can_lift_the_cap() {
    let node = node();
    let me = node.spawn_native("test").expect("native");
    let spinner = spawn_monitored(&me, "spin", None);
    let uncapped = spawn_monitored(&me, "busy", Some(Duration::ZERO));
    me.send(uncapped, b"work".to_vec());
    // Both run well past the cap (counted in CPU ticks, not wall time) and stay alive.
    let past = 3 * CAP.as_millis() as u64;
    eventually("both to run three times the cap", || {
        ticks(&node, spinner) > past && ticks(&node, uncapped) > past
    })
    .await;
    for pid in [spinner, uncapped] {
        assert!(node.process(pid).is_some(), "{pid} is alive");
        let _ = me
            .node()
            .exit_signal(me.pid(), pid, &ExitReason::Killed, true);
        assert_eq!(down_of(&me, Some(pid)).await, ExitReason::Killed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_callbacks_without_a_fiber_leave_both_workers_to_the_others() {
    let node = node();
    assert!(
        node.module_infos()
            .iter()
            .any(|m| m.name == "busy" && m.fiberless),
        "busy runs without a fiber"
    );
    let me = node.spawn_native("test").expect("native");
    // As many uncapped callbacks spinning as there are workers: a synchronous call cannot
    // yield, so each must hand its worker's queue to another thread.
    let spinners: Vec<Pid> = (0..2)
        .map(|_| spawn_monitored(&me, "busy", Some(Duration::ZERO)))
        .collect();
    for &pid in &spinners {
        me.send(pid, b"work".to_vec());
    }
    eventually("both callbacks to spin", || {
        spinners.iter().all(|&pid| ticks(&node, pid) > 5)
    })
    .await;
    let probe = Probe::spawn(&me, false, false);
    for i in 0..20 {
        assert_eq!(probe.run(&me, json!({"report": i})).await, json!(i));
    }
    for pid in spinners {
        let _ = me
            .node()
            .exit_signal(me.pid(), pid, &ExitReason::Killed, true);
        assert_eq!(down_of(&me, Some(pid)).await, ExitReason::Killed);
    }
}
