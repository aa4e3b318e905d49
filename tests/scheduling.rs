//! Scheduling at the end of a time slice: a guest preempted while spinning lets processes
//! woken by a message run first, but only for a bounded time, so spinners still run while
//! messages flow; and every wake-up counted for that is uncounted again.
//!
//! One test in a binary of its own: the count of woken processes is one per OS process.

use std::sync::atomic::Ordering;

use hatchery::process::mailbox::woken_not_run;
use hatchery::{ExitReason, Node, Pid, SpawnOpts};
use hatchery_tests::*;
use serde_json::json;

/// A main-style process that spins forever.
const SPIN: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (loop $l (br $l))))"#;

fn ticks(node: &Node, pid: Pid) -> u64 {
    node.process(pid)
        .map_or(0, |p| p.counters.cpu_ticks.load(Ordering::Relaxed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spinners_keep_running_beside_message_traffic_and_no_wake_up_stays_counted() {
    let node = node_with(&["probe"]);
    let dir = temp_dir("scheduling");
    node.load_module_file(&write_module(&dir, "spin.wat", SPIN))
        .expect("load");
    let me = node.spawn_native("test").expect("native");
    let spinners: Vec<Pid> = (0..2)
        .map(|_| {
            node.spawn("spin", Vec::new(), SpawnOpts::default())
                .expect("spawn")
                .pid
        })
        .collect();
    eventually("both spinners to be preempted", || {
        spinners.iter().all(|&s| ticks(&node, s) > 0)
    })
    .await;

    // Round trips beside the spinners, one of the two cores' worth of traffic, until both
    // spinners have been preempted again several times: neither is starved by it.
    let probe = Probe::spawn(&me, false, false);
    let before: Vec<u64> = spinners.iter().map(|&s| ticks(&node, s)).collect();
    let mut trips = 0u64;
    while spinners
        .iter()
        .zip(&before)
        .any(|(&s, &b)| ticks(&node, s) < b + 5)
    {
        assert_eq!(probe.run(&me, json!({"report": trips})).await, json!(trips));
        trips += 1;
        assert!(
            trips < 1_000_000,
            "a spinner made no progress beside the traffic"
        );
    }

    // Once the traffic stops, nobody woken is left counted (the spinners never wait).
    eventually("the woken count to drain", || woken_not_run() == 0).await;
    for s in spinners {
        let _ = node.exit_signal(me.pid(), s, &ExitReason::Killed, true);
        eventually("the spinner to end", || node.process(s).is_none()).await;
    }
    eventually("the woken count to stay drained", || woken_not_run() == 0).await;
}
