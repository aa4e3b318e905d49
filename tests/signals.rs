//! Links, exit signals, trap_exit, kill, noproc, monitors, atomic spawn_link/monitor, and
//! preemption of a guest in an endless loop.

use hatchery::{ExitReason, MessageKind, Pid};
use hatchery_tests::{Probe, WAIT, exit_of, node_with, temp_dir, write_module};
use serde_json::{Value, json};

fn n(p: Pid) -> Value {
    json!(p.as_u64())
}

/// Waits for the DOWN of `pid` in the test process and returns its reason.
async fn down_of(me: &hatchery::NativeProcess, pid: Pid) -> ExitReason {
    hatchery_tests::down_of(me, Some(pid)).await
}

#[tokio::test]
async fn an_abnormal_exit_kills_linked_processes_and_a_normal_one_does_not() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let a = Probe::spawn(&me, false, true);
    let b = Probe::spawn(&me, false, true);
    let c = Probe::spawn(&me, false, true);
    assert_eq!(a.run(&me, json!({"link": b.pid.as_u64()})).await, "ok");
    assert_eq!(c.run(&me, json!({"link": a.pid.as_u64()})).await, "ok");
    assert_eq!(
        node.process(b.pid).expect("alive").links(),
        vec![a.pid],
        "links are symmetric"
    );
    b.start(&me, json!({"exit": {"custom": "boom"}}));
    assert_eq!(down_of(&me, b.pid).await, ExitReason::custom("boom"));
    // The signal cascades with the same reason through a to c.
    assert_eq!(down_of(&me, a.pid).await, ExitReason::custom("boom"));
    assert_eq!(down_of(&me, c.pid).await, ExitReason::custom("boom"));

    let d = Probe::spawn(&me, false, true);
    let e = Probe::spawn(&me, false, true);
    assert_eq!(d.run(&me, json!({"link": e.pid.as_u64()})).await, "ok");
    e.start(&me, json!({"exit": "normal"}));
    assert_eq!(down_of(&me, e.pid).await, ExitReason::Normal);
    assert_eq!(
        d.run(&me, json!({"self": null})).await,
        n(d.pid),
        "a normal exit does not kill a linked process"
    );
    assert!(
        node.process(d.pid).expect("alive").links().is_empty(),
        "the link is gone with the process"
    );
}

#[tokio::test]
async fn trap_exit_turns_signals_into_messages_normal_included() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let s = Probe::spawn(&me, false, false);
    assert_eq!(s.run(&me, json!({"trap_exit": true})).await, false);
    for (i, reason) in [
        json!("normal"),
        json!({"custom": "crashed"}),
        json!("shutdown"),
    ]
    .into_iter()
    .enumerate()
    {
        let w = Probe::spawn(&me, false, false);
        assert_eq!(s.run(&me, json!({"link": w.pid.as_u64()})).await, "ok");
        w.start(&me, json!({"exit": reason}));
        let got = s
            .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "exit"}}))
            .await;
        assert_eq!(got["from"], n(w.pid));
        assert_eq!(got["reason"], ["normal", "custom: crashed", "shutdown"][i]);
    }
    assert_eq!(
        s.run(&me, json!({"self": null})).await,
        n(s.pid),
        "the trapping process lives on"
    );
}

#[tokio::test]
async fn exit_signals_follow_erlangs_rules() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let sender = Probe::spawn(&me, false, false);
    // normal to a non-trapping process: ignored.
    let t = Probe::spawn(&me, false, true);
    assert_eq!(
        sender
            .run(
                &me,
                json!({"exit_signal": {"to": t.pid.as_u64(), "reason": "normal"}})
            )
            .await,
        "ok"
    );
    assert_eq!(t.run(&me, json!({"self": null})).await, n(t.pid));
    // A custom reason kills it with that reason; the sender lives.
    assert_eq!(
        sender
            .run(
                &me,
                json!({"exit_signal": {"to": t.pid.as_u64(), "reason": {"custom": "go away"}}})
            )
            .await,
        "ok"
    );
    assert_eq!(down_of(&me, t.pid).await, ExitReason::custom("go away"));
    // A trapping target gets a message instead.
    let trapper = Probe::spawn(&me, false, true);
    trapper.run(&me, json!({"trap_exit": true})).await;
    sender
        .run(
            &me,
            json!({"exit_signal": {"to": trapper.pid.as_u64(), "reason": "shutdown"}}),
        )
        .await;
    let got = trapper
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "exit"}}))
        .await;
    assert_eq!(
        (got["from"].clone(), got["reason"].clone()),
        (n(sender.pid), json!("shutdown"))
    );
    // kill cannot be trapped; the links of the killed process see `killed`.
    let watcher = Probe::spawn(&me, false, false);
    watcher.run(&me, json!({"trap_exit": true})).await;
    watcher
        .run(&me, json!({"link": trapper.pid.as_u64()}))
        .await;
    sender
        .run(
            &me,
            json!({"exit_signal": {"to": trapper.pid.as_u64(), "reason": "kill"}}),
        )
        .await;
    assert_eq!(down_of(&me, trapper.pid).await, ExitReason::Killed);
    let got = watcher
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "exit"}}))
        .await;
    assert_eq!(
        (got["from"].clone(), got["reason"].clone()),
        (n(trapper.pid), json!("killed"))
    );
    assert_eq!(
        sender
            .run(
                &me,
                json!({"exit_signal": {"to": trapper.pid.as_u64(), "reason": "kill"}})
            )
            .await,
        "noproc"
    );
}

#[tokio::test]
async fn linking_to_a_dead_pid_gives_noproc() {
    let node = node_with(&["probe", "noop"]);
    let me = node.spawn_native("test").expect("native");
    let dead = hatchery_tests::dead_pid(&me).await;
    let trapping = Probe::spawn(&me, false, false);
    trapping.run(&me, json!({"trap_exit": true})).await;
    assert_eq!(
        trapping.run(&me, json!({"link": dead.as_u64()})).await,
        "noproc"
    );
    let got = trapping
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "exit"}}))
        .await;
    assert_eq!(
        (got["from"].clone(), got["reason"].clone()),
        (n(dead), json!("noproc"))
    );
    let plain = Probe::spawn(&me, false, true);
    plain.start(&me, json!({"link": dead.as_u64()}));
    assert_eq!(
        down_of(&me, plain.pid).await,
        ExitReason::NoProc,
        "a non-trapping linker dies with noproc"
    );
}

#[tokio::test]
async fn monitors_deliver_down_with_the_reason_and_can_be_removed() {
    let node = node_with(&["probe", "noop"]);
    let me = node.spawn_native("test").expect("native");
    let w = Probe::spawn(&me, false, false);
    let t = Probe::spawn(&me, false, false);
    let r = w.run(&me, json!({"monitor": t.pid.as_u64()})).await;
    t.start(&me, json!({"panic": "deliberate"}));
    let down = w
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "down"}}))
        .await;
    assert_eq!(down["ref"], r);
    assert_eq!(down["pid"], n(t.pid));
    let reason = down["reason"].as_str().expect("text");
    assert!(reason.starts_with("trap: "), "{reason}");
    // A dead pid: DOWN noproc at once.
    let r2 = w.run(&me, json!({"monitor": t.pid.as_u64()})).await;
    let down = w
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "down"}}))
        .await;
    assert_eq!(
        (down["ref"].clone(), down["reason"].clone()),
        (r2, json!("noproc"))
    );
    // demonitor before the exit: no DOWN (a later monitor's DOWN shows the order).
    let t2 = Probe::spawn(&me, false, false);
    let t3 = Probe::spawn(&me, false, false);
    let r3 = w.run(&me, json!({"monitor": t2.pid.as_u64()})).await;
    let r4 = w.run(&me, json!({"monitor": t3.pid.as_u64()})).await;
    assert_eq!(w.run(&me, json!({"demonitor": {"ref": r3}})).await, "ok");
    assert_eq!(
        w.run(&me, json!({"demonitor": {"ref": r3}})).await,
        "not_found"
    );
    t2.start(&me, json!({"exit": "normal"}));
    exit_of(&node, t2.pid).await;
    t3.start(&me, json!({"exit": "normal"}));
    let down = w
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "down"}}))
        .await;
    assert_eq!(down["ref"], r4, "no DOWN for the removed monitor");
    // demonitor with flush removes a DOWN already queued.
    let t4 = Probe::spawn(&me, false, false);
    let r5 = w.run(&me, json!({"monitor": t4.pid.as_u64()})).await;
    t4.start(&me, json!({"exit": "normal"}));
    exit_of(&node, t4.pid).await;
    hatchery_tests::eventually("the DOWN to be queued", || {
        node.process(w.pid).is_some_and(|p| p.mailbox.len() == 1)
    })
    .await;
    w.run(&me, json!({"demonitor": {"ref": r5, "flush": true}}))
        .await;
    assert_eq!(w.run(&me, json!({"mailbox": null})).await, json!([]));
}

#[tokio::test]
async fn spawn_link_and_spawn_monitor_are_atomic_even_when_the_child_cannot_start() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, false);
    p.run(&me, json!({"trap_exit": true})).await;
    let linked = p
        .run(
            &me,
            json!({"spawn": {"module": "missing_module", "link": true}}),
        )
        .await;
    let got = p
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "exit"}}))
        .await;
    assert_eq!(got["from"], linked["pid"]);
    assert!(
        got["reason"].as_str().expect("text").starts_with("undef: "),
        "{got}"
    );
    let monitored = p
        .run(
            &me,
            json!({"spawn": {"module": "missing_module", "monitor": true}}),
        )
        .await;
    let got = p
        .run(&me, json!({"recv": {"timeout_ms": 30000, "kind": "down"}}))
        .await;
    assert_eq!(
        (got["pid"].clone(), got["ref"].clone()),
        (monitored["pid"].clone(), monitored["monitor"].clone())
    );
    assert!(
        got["reason"].as_str().expect("text").starts_with("undef: "),
        "{got}"
    );
}

#[tokio::test]
async fn a_trap_carries_its_message_and_a_wasm_backtrace() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, false, true);
    p.start(&me, json!({"unreachable": null}));
    match down_of(&me, p.pid).await {
        ExitReason::Trap(text) => {
            assert!(text.contains("unreachable"), "{text}");
            assert!(text.contains("wasm backtrace"), "{text}");
            assert!(
                text.contains("probe"),
                "the backtrace names guest functions: {text}"
            );
        }
        other => panic!("expected a trap, got {other}"),
    }
}

/// The backtrace part of a trap's text.
fn backtrace_of(reason: ExitReason) -> String {
    match reason {
        ExitReason::Trap(text) => match text.split_once("wasm backtrace:") {
            Some((_, frames)) => frames.to_string(),
            None => panic!("no backtrace in {text}"),
        },
        other => panic!("expected a trap, got {other}"),
    }
}

#[tokio::test]
async fn each_crash_path_keeps_its_own_backtrace() {
    // A module's backtrace texts are formatted once per call path and kept: a crash on
    // another path must still get its own frames, and the same path the same text.
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let mut texts = Vec::new();
    for step in [
        json!({"unreachable": null}),
        json!({"panic": "on purpose"}),
        json!({"unreachable": null}),
        json!({"panic": "again"}),
    ] {
        let p = Probe::spawn(&me, false, true);
        p.start(&me, step);
        texts.push(backtrace_of(down_of(&me, p.pid).await));
    }
    assert_eq!(texts[0], texts[2], "the same path, the same frames");
    assert_eq!(texts[1], texts[3], "the same path, the same frames");
    assert_ne!(texts[0], texts[1], "two paths, two backtraces: {texts:?}");
    assert!(texts[1].contains("panic"), "{}", texts[1]);
}

#[tokio::test]
async fn kill_ends_a_process_blocked_in_receive() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let p = Probe::spawn(&me, true, true);
    me.trap_exit(true);
    p.start(&me, json!({"recv": {"timeout_ms": null}}));
    node.exit_signal(me.pid(), p.pid, &ExitReason::Killed, true)
        .expect("alive");
    assert_eq!(down_of(&me, p.pid).await, ExitReason::Killed);
    let exit = me
        .recv_match(Some(WAIT), |m| {
            (m.kind == MessageKind::Exit).then(|| m.clone())
        })
        .await
        .expect("alive")
        .expect("EXIT");
    assert_eq!(
        (exit.sender, exit.reason()),
        (p.pid, Some(ExitReason::Killed))
    );
}

const SPIN: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (loop $l (br $l))))"#;

/// On a single worker thread, a guest in an endless loop must not stop others: without
/// preemption this test would hang.
#[tokio::test(flavor = "current_thread")]
async fn an_endless_loop_does_not_stop_other_processes() {
    let dir = temp_dir("spin");
    let node = node_with(&["probe"]);
    node.load_module_file(&write_module(&dir, "spin.wat", SPIN))
        .expect("load");
    let me = node.spawn_native("test").expect("native");
    let spinners: Vec<Pid> = (0..2)
        .map(|_| {
            me.spawn("spin", Vec::new(), false, true)
                .expect("spawn")
                .pid
        })
        .collect();
    let p = Probe::spawn(&me, false, false);
    for i in 0..20 {
        assert_eq!(p.run(&me, json!({"report": i})).await, json!(i));
    }
    p.start(&me, json!({"loop_forever": null}));
    // The probe itself now spins too; it can still be killed, as can the others.
    for pid in spinners.iter().copied().chain([p.pid]) {
        node.exit_signal(me.pid(), pid, &ExitReason::Killed, true)
            .expect("alive");
    }
    for pid in spinners {
        assert_eq!(down_of(&me, pid).await, ExitReason::Killed);
    }
    assert_eq!(exit_of(&node, p.pid).await.reason, ExitReason::Killed);
}
