//! Per-process memory cap, process-count cap, mailbox cap with both overflow actions,
//! message size cap, and the `vm.max_map_count` check.

use std::sync::atomic::Ordering;

use hatchery::{ExitReason, MailboxOverflow, NodeConfig, SpawnError};
use hatchery_tests::{Probe, config, exit_of, node_with_config};
use serde_json::json;

#[tokio::test]
async fn the_memory_cap_ends_only_the_greedy_process() {
    let node = node_with_config(
        NodeConfig {
            max_memory_bytes: 4 << 20,
            ..config()
        },
        &["probe"],
    );
    let me = node.spawn_native("test").expect("native");
    let greedy = Probe::spawn(&me, false, true);
    let modest = Probe::spawn(&me, false, false);
    assert_eq!(
        greedy.run(&me, json!({"try_alloc": 8 << 20})).await,
        "alloc_failed",
        "growth past the cap fails"
    );
    greedy.start(&me, json!({"alloc": 8 << 20}));
    assert_eq!(
        hatchery_tests::down_of(&me, None).await,
        ExitReason::Limit("memory".into())
    );
    assert_eq!(modest.run(&me, json!({"alloc": 1 << 20})).await, "ok");
}

#[tokio::test]
async fn the_process_cap_refuses_spawns_until_processes_exit() {
    let node = node_with_config(
        NodeConfig {
            max_processes: 6,
            budgets: hatchery::Budgets {
                subtree_processes: Some(6),
                ..hatchery::Budgets::default()
            },
            ..config()
        },
        &["probe", "idle"],
    );
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, false);
    let mut children = Vec::new();
    loop {
        let r = p.run(&me, json!({"spawn": {"module": "idle"}})).await;
        if r == "limit" {
            break;
        }
        children.push(r["pid"].as_u64().expect("pid"));
        assert!(children.len() < 10, "the cap was not enforced");
    }
    assert_eq!(node.process_count(), 6);
    assert!(matches!(
        me.spawn("idle", Vec::new(), false, false),
        Err(SpawnError::Limit(6))
    ));
    me.send_json(hatchery::Pid(children[0]), &json!("stop"));
    exit_of(&node, hatchery::Pid(children[0])).await;
    let r = p.run(&me, json!({"spawn": {"module": "idle"}})).await;
    assert!(r["pid"].is_u64(), "a slot was freed: {r}");
}

#[tokio::test]
async fn a_full_mailbox_ends_the_receiver_by_default() {
    let node = node_with_config(
        NodeConfig {
            mailbox_max_messages: 10,
            ..config()
        },
        &["probe"],
    );
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, true);
    p.run(&me, json!({"self": null})).await;
    for i in 0..11 {
        me.send_json(p.pid, &json!(i));
    }
    assert_eq!(
        hatchery_tests::down_of(&me, None).await,
        ExitReason::Limit("mailbox".into())
    );
}

#[tokio::test]
async fn a_full_mailbox_can_drop_instead() {
    let cfg = NodeConfig {
        mailbox_max_messages: 10,
        mailbox_overflow: MailboxOverflow::Drop,
        ..config()
    };
    let node = node_with_config(cfg, &["probe"]);
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, false);
    p.run(&me, json!({"self": null})).await;
    for i in 0..15 {
        me.send_json(p.pid, &json!(i));
    }
    assert_eq!(node.stats().dropped_overflow.load(Ordering::Relaxed), 5);
    // The probe cannot be asked (its mailbox is full): look from the host side.
    let kept: Vec<i64> = node
        .process(p.pid)
        .expect("the receiver lives on")
        .mailbox
        .snapshot(100)
        .iter()
        .map(|m| serde_json::from_slice::<i64>(&m.data).expect("n"))
        .collect();
    assert_eq!(
        kept,
        (0..10).collect::<Vec<_>>(),
        "the first ten stay, in order"
    );
}

#[tokio::test]
async fn an_oversized_message_is_refused() {
    let node = node_with_config(
        NodeConfig {
            max_message_bytes: 1024,
            ..config()
        },
        &["probe"],
    );
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, false);
    let to = me.pid().as_u64();
    assert_eq!(
        p.run(&me, json!({"send_size": {"to": to, "bytes": 1024}}))
            .await,
        "ok"
    );
    assert_eq!(
        p.run(&me, json!({"send_size": {"to": to, "bytes": 1025}}))
            .await,
        "too_big"
    );
}

#[test]
fn a_low_map_count_is_reported_with_the_exact_fix() {
    let warning =
        hatchery::sys::map_count_warning(u32::MAX).expect("no system allows that many mappings");
    assert!(
        warning.contains("sysctl -w vm.max_map_count=16777216"),
        "{warning}"
    );
    assert!(
        hatchery::sys::map_count_warning(1).is_none(),
        "one process needs no warning"
    );
}
