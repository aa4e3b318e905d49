//! Behaviour-style processes (issue 3, first part): the host drives the receive loop and
//! the guest exports callbacks; gen_server-style call / cast / info built on messages.

use hatchery::ExitReason;
use hatchery_tests::{Probe, exit_of, node_with, temp_dir, write_module};
use serde_json::{Value, json};

async fn kv() -> (
    hatchery::Node,
    hatchery::NativeProcess,
    hatchery::Pid,
    Probe,
) {
    let node = node_with(&["kv", "probe"]);
    let me = node.spawn_native("test").expect("native");
    let kv = me
        .spawn("kv", Vec::new(), false, true)
        .expect("spawn kv")
        .pid;
    hatchery_tests::eventually("kv to register", || node.whereis("kv") == Some(kv)).await;
    let client = Probe::spawn(&me, false, false);
    (node, me, kv, client)
}

fn call(to: hatchery::Pid, req: Value, timeout_ms: u64) -> Value {
    json!({"call": {"to": to.as_u64(), "req": req, "timeout_ms": timeout_ms}})
}

#[tokio::test]
async fn calls_and_casts_reach_the_callbacks_in_order() {
    let (node, me, kv, c) = kv().await;
    let store = json!({"store": {"key": "a", "value": [1, 2]}});
    assert_eq!(
        c.run(&me, call(kv, store, 30_000)).await,
        json!({"ok": "ok"})
    );
    assert_eq!(
        c.run(&me, call(kv, json!({"lookup": "a"}), 30_000)).await,
        json!({"ok": {"found": [1, 2]}})
    );
    assert_eq!(
        c.run(&me, call(kv, json!({"lookup": "b"}), 30_000)).await,
        json!({"ok": "error"})
    );
    // A cast is asynchronous, but FIFO from one sender puts it before the next call.
    assert_eq!(
        c.run(
            &me,
            json!({"cast": {"to": kv.as_u64(), "msg": {"store": {"key": "b", "value": 7}}}})
        )
        .await,
        "ok"
    );
    assert_eq!(
        c.run(&me, call(kv, json!({"lookup": "b"}), 30_000)).await,
        json!({"ok": {"found": 7}})
    );
    // Anything else goes to handle_info.
    me.send_json(kv, &json!("just a message"));
    assert_eq!(
        c.run(&me, call(kv, json!("infos"), 30_000)).await,
        json!({"ok": 1})
    );
    let kv_proc = node.process(kv).expect("alive");
    assert_eq!(
        kv_proc.mailbox.len(),
        0,
        "the host's loop took every message"
    );
}

#[tokio::test]
async fn a_late_reply_is_never_taken_for_the_next_calls_reply() {
    let (_node, me, kv, c) = kv().await;
    assert_eq!(
        c.run(&me, call(kv, json!({"sleep": 300}), 20)).await,
        "timeout"
    );
    assert_eq!(
        c.run(&me, call(kv, json!({"lookup": "x"}), 30_000)).await,
        json!({"ok": "error"})
    );
    // The late "slept" reply arrived after the second call's reply was taken, or before it
    // and was skipped; either way it is still queued, not consumed by the wrong call.
    let late = c
        .run(&me, json!({"recv": {"timeout_ms": 30_000, "kind": "user"}}))
        .await;
    assert_eq!(late["data"]["$reply"]["value"], "slept");
}

#[tokio::test]
async fn a_callback_crash_ends_the_server_with_a_report_naming_the_last_message() {
    let (node, me, kv, c) = kv().await;
    let got = c
        .run(&me, call(kv, json!({"lookup": "crash"}), 30_000))
        .await;
    let reason = got["exit"]
        .as_str()
        .expect("the caller sees the server's exit");
    assert!(reason.starts_with("trap: "), "{reason}");
    match exit_of(&node, kv).await.reason {
        ExitReason::Trap(text) => {
            assert!(text.contains("last message in: User from"), "{text}");
            assert!(text.contains(r#""lookup":"crash""#), "{text}");
        }
        other => panic!("expected a trap, got {other}"),
    }
    assert_eq!(node.whereis("kv"), None, "the name went with the process");
    // A call to the dead server fails at once with noproc.
    assert_eq!(
        c.run(&me, call(kv, json!("infos"), 30_000)).await,
        json!({"exit": "noproc"})
    );
}

#[tokio::test]
async fn an_unknown_request_crashes_the_server_like_an_unmatched_clause() {
    let (node, me, kv, c) = kv().await;
    c.run(&me, call(kv, json!({"frobnicate": 1}), 30_000)).await;
    match exit_of(&node, kv).await.reason {
        ExitReason::Trap(text) => assert!(text.contains("frobnicate"), "{text}"),
        other => panic!("expected a trap, got {other}"),
    }
}

#[tokio::test]
async fn stop_calls_terminate_and_ends_normally() {
    let (node, me, kv, c) = kv().await;
    assert_eq!(
        c.run(&me, call(kv, json!("stop"), 30_000)).await,
        json!({"ok": "stopping"})
    );
    let rec = exit_of(&node, kv).await;
    assert_eq!(rec.reason, ExitReason::Normal);
    assert!(
        rec.output
            .iter()
            .any(|l| l.text.starts_with("kv: terminating (normal)")),
        "{:?}",
        rec.output
    );
}

#[tokio::test]
async fn a_handle_export_of_the_wrong_type_is_rejected() {
    let dir = temp_dir("beh");
    let path = write_module(
        &dir,
        "badhandle.wat",
        r#"(module (memory (export "memory") 1) (func (export "hatchery_main")) (func (export "hatchery_handle") (param i32)))"#,
    );
    let err = node_with(&[])
        .load_module_file(&path)
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("hatchery_handle"), "{err}");
}

/// A behaviour written in WAT against ABI.md: it echoes each message it is handed back to
/// its sender, reading the bytes with `message_read`.
#[tokio::test]
async fn a_wat_behaviour_is_driven_message_by_message() {
    let dir = temp_dir("beh");
    let wat = r#"(module
      (import "hatchery_v1" "message_read" (func $read (param i32 i32) (result i32)))
      (import "hatchery_v1" "send" (func $send (param i64 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (func (export "hatchery_main"))
      (func (export "hatchery_handle") (param $kind i32) (param $sender i64) (param $size i32)
        (drop (call $read (i32.const 0) (i32.const 1024)))
        (drop (call $send (local.get $sender) (i32.const 0) (local.get $size)))))"#;
    let node = node_with(&[]);
    node.load_module_file(&write_module(&dir, "echo_beh.wat", wat))
        .expect("load");
    let me = node.spawn_native("test").expect("native");
    let pid = me
        .spawn("echo_beh", Vec::new(), false, false)
        .expect("spawn")
        .pid;
    for i in 0..100u32 {
        me.send(pid, i.to_le_bytes().to_vec());
    }
    for i in 0..100u32 {
        let m = me
            .recv(Some(hatchery_tests::WAIT))
            .await
            .expect("alive")
            .expect("an echo");
        assert_eq!(&*m.data, &i.to_le_bytes());
    }
    assert!(
        node.process(pid).is_some(),
        "a behaviour lives on after its entry returned"
    );
}
