//! Spawn, send, selective receive with timeouts, the registry, timers, output capture:
//! each primitive of issue 2 through a real guest (`probe`) on a real node.

use std::time::{Duration, Instant};

use hatchery::{ExitReason, MessageKind, NodeEvent, Pid};
use hatchery_tests::{Probe, WAIT, eventually, exit_of, node_with, recv_json_where};
use serde_json::{Value, json};

fn pid(p: Pid) -> Value {
    json!(p.as_u64())
}

#[tokio::test]
async fn spawn_monitor_self_and_a_normal_exit() {
    let node = node_with(&["probe", "noop"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    assert_eq!(probe.run(&me, json!({"self": null})).await, pid(probe.pid));
    let r = probe
        .run(&me, json!({"spawn": {"module": "noop", "monitor": true}}))
        .await;
    let child = r["pid"].as_u64().expect("child pid");
    let down = probe
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "down"}}))
        .await;
    assert_eq!(down["pid"], json!(child));
    assert_eq!(down["ref"], r["monitor"]);
    assert_eq!(down["reason"], "normal");
    assert_eq!(exit_of(&node, Pid(child)).await.reason, ExitReason::Normal);
}

#[tokio::test]
async fn messages_from_one_sender_arrive_in_order() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    for i in 0..200 {
        me.send_json(probe.pid, &json!({"n": i}));
    }
    let mailbox = probe.run(&me, json!({"mailbox": null})).await;
    let got: Vec<i64> = mailbox
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["data"]["n"].as_i64().expect("numbered"))
        .collect();
    assert_eq!(got, (0..200).collect::<Vec<_>>());
    // And the other way: guest to host, through send and send_named.
    let name = format!("tester{}", me.pid().as_u64());
    node.register(&name, me.pid())
        .expect("register the test process");
    for i in 0..50 {
        let step = if i % 2 == 0 {
            json!({"send": {"to": me.pid().as_u64(), "msg": {"seq": i}}})
        } else {
            json!({"send_named": {"to": name, "msg": {"seq": i}}})
        };
        assert_eq!(probe.run(&me, step).await, "ok");
    }
    for i in 0..50 {
        let v = recv_json_where(&me, |v| v.get("seq").is_some()).await;
        assert_eq!(v["seq"], json!(i));
    }
}

#[tokio::test]
async fn a_send_to_a_dead_pid_is_dropped_and_counted() {
    let node = node_with(&["probe", "noop"]);
    let me = node.spawn_native("test").expect("native");
    let dead = hatchery_tests::dead_pid(&me).await;
    let probe = Probe::spawn(&me, false, false);
    let before = node
        .stats()
        .dropped_dead
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        probe
            .run(&me, json!({"send": {"to": dead.as_u64(), "msg": "hello?"}}))
            .await,
        "ok"
    );
    let after = node
        .stats()
        .dropped_dead
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(after, before + 1);
    assert_eq!(
        probe
            .run(&me, json!({"send_named": {"to": "nobody_here", "msg": 1}}))
            .await,
        "not_registered"
    );
}

#[tokio::test]
async fn selective_receive_leaves_other_messages_queued_in_order() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    for m in [
        json!("first"),
        json!({"tag": "wanted"}),
        json!("second"),
        json!({"tag": "wanted", "n": 2}),
    ] {
        me.send_json(probe.pid, &m);
    }
    let got = probe
        .run(
            &me,
            json!({"recv": {"timeout_ms": 30000, "equals": {"tag": "wanted"}}}),
        )
        .await;
    assert_eq!(got["data"], json!({"tag": "wanted"}));
    assert_eq!(got["from"], pid(me.pid()));
    let rest: Vec<Value> = probe
        .run(&me, json!({"mailbox": null}))
        .await
        .as_array()
        .expect("list")
        .iter()
        .map(|m| m["data"].clone())
        .collect();
    assert_eq!(
        rest,
        vec![
            json!("first"),
            json!("second"),
            json!({"tag": "wanted", "n": 2})
        ]
    );
    // A selective receive that matches nothing times out and leaves everything in place.
    assert_eq!(
        probe
            .run(&me, json!({"recv": {"timeout_ms": 20, "equals": "absent"}}))
            .await,
        "timeout"
    );
    assert_eq!(
        probe
            .run(&me, json!({"mailbox": null}))
            .await
            .as_array()
            .expect("list")
            .len(),
        3
    );
}

#[tokio::test]
async fn receive_timeouts_zero_finite_and_infinite() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    assert_eq!(
        probe.run(&me, json!({"recv": {"timeout_ms": 0}})).await,
        "timeout"
    );
    let start = Instant::now();
    assert_eq!(
        probe.run(&me, json!({"recv": {"timeout_ms": 100}})).await,
        "timeout"
    );
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "a finite timeout never fires early"
    );
    // Infinite: the receive waits until a message comes, however long that is.
    probe.start(&me, json!({"recv": {"timeout_ms": null}}));
    let pending = me
        .recv_match(Some(Duration::from_millis(200)), |m| Some(m.clone()))
        .await
        .expect("alive");
    assert!(
        pending.is_none(),
        "an infinite receive did not return by itself"
    );
    me.send_json(probe.pid, &json!("wake up"));
    let got = probe.result(&me).await;
    assert_eq!(got["data"], "wake up");
    // A message already queued satisfies a zero timeout.
    me.send_json(probe.pid, &json!(42));
    eventually("the message to be queued", || {
        node.process(probe.pid)
            .is_some_and(|p| p.mailbox.len() == 1)
    })
    .await;
    assert_eq!(
        probe.run(&me, json!({"recv": {"timeout_ms": 0}})).await["data"],
        42
    );
}

#[tokio::test]
async fn names_are_unique_and_removed_when_the_process_dies() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let a = Probe::spawn(&me, false, true);
    let b = Probe::spawn(&me, false, false);
    assert_eq!(a.run(&me, json!({"register": "server"})).await, "ok");
    assert_eq!(
        b.run(&me, json!({"register": "server"})).await,
        "name_taken"
    );
    assert_eq!(
        a.run(&me, json!({"register": "other"})).await,
        "already_registered"
    );
    assert_eq!(b.run(&me, json!({"register": ""})).await, "bad_name");
    assert_eq!(b.run(&me, json!({"whereis": "server"})).await, pid(a.pid));
    assert_eq!(
        b.run(
            &me,
            json!({"send_named": {"to": "server", "msg": "via name"}})
        )
        .await,
        "ok"
    );
    let got = a
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "user"}}))
        .await;
    assert_eq!(got["data"], "via name");
    assert_eq!(got["from"], pid(b.pid));
    a.start(&me, json!({"exit": "normal"}));
    me.recv_match(Some(WAIT), |m| (m.kind == MessageKind::Down).then_some(()))
        .await
        .expect("alive")
        .expect("DOWN");
    assert_eq!(node.whereis("server"), None, "the name was freed");
    assert_eq!(
        b.run(&me, json!({"register": "server"})).await,
        "ok",
        "and can be taken again"
    );
    assert_eq!(b.run(&me, json!({"unregister": "server"})).await, "ok");
    assert_eq!(
        b.run(&me, json!({"unregister": "server"})).await,
        "not_registered"
    );
    assert_eq!(b.run(&me, json!({"whereis": "server"})).await, Value::Null);
}

#[tokio::test]
async fn send_after_delivers_and_cancel_timer_stops_it() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    let to = me.pid().as_u64();
    let cancelled = probe
        .run(
            &me,
            json!({"send_after": {"to": to, "ms": 150, "msg": "cancelled"}}),
        )
        .await;
    let left = probe.run(&me, json!({"cancel_timer": cancelled})).await;
    assert!(left.as_u64().is_some_and(|ms| ms <= 150), "{left}");
    assert_eq!(
        probe.run(&me, json!({"cancel_timer": cancelled})).await,
        Value::Null,
        "already cancelled"
    );
    let start = Instant::now();
    probe
        .run(
            &me,
            json!({"send_after": {"to": to, "ms": 300, "msg": "sentinel"}}),
        )
        .await;
    let first = recv_json_where(&me, |v| v == "sentinel" || v == "cancelled").await;
    assert_eq!(first, "sentinel", "the cancelled timer never fired");
    assert!(start.elapsed() >= Duration::from_millis(300));
    let fired = probe
        .run(&me, json!({"send_after": {"to": to, "ms": 1, "msg": "x"}}))
        .await;
    recv_json_where(&me, |v| v == "x").await;
    assert_eq!(
        probe.run(&me, json!({"cancel_timer": fired})).await,
        Value::Null,
        "already fired"
    );
}

#[tokio::test]
async fn stdout_and_stderr_are_captured_per_process() {
    let node = node_with(&["probe"]);
    let mut events = node.subscribe();
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    probe
        .run(&me, json!({"print": "hello from the guest"}))
        .await;
    probe.run(&me, json!({"eprint": "and on stderr"})).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match tokio::time::timeout(WAIT, events.recv())
            .await
            .expect("events")
            .expect("open")
        {
            NodeEvent::Output { pid, line, .. } if pid == probe.pid => {
                seen.push((line.stream, line.text))
            }
            _ => {}
        }
    }
    assert_eq!(
        seen[0],
        (
            hatchery::process::Stream::Stdout,
            "hello from the guest".to_string()
        )
    );
    assert_eq!(
        seen[1],
        (
            hatchery::process::Stream::Stderr,
            "and on stderr".to_string()
        )
    );
    let proc = node.process(probe.pid).expect("alive");
    assert_eq!(proc.output().len(), 2);
}

#[tokio::test]
async fn references_are_unique() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    let a = probe.run(&me, json!({"make_ref": null})).await;
    let b = probe.run(&me, json!({"make_ref": null})).await;
    assert_ne!(a, b);
}

#[tokio::test]
async fn timers_aimed_at_a_process_are_cancelled_when_it_ends() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let probe = Probe::spawn(&me, false, false);
    let own = probe.pid.as_u64();
    for _ in 0..3 {
        probe
            .run(
                &me,
                json!({"send_after": {"to": own, "ms": 60_000, "msg": "later"}}),
            )
            .await;
    }
    assert_eq!(node.pending_timers(), 3);
    probe.start(&me, json!({"exit": "normal"}));
    exit_of(&node, probe.pid).await;
    assert_eq!(
        node.pending_timers(),
        0,
        "the dead process's timers were cancelled"
    );
}
