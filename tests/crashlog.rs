//! Crash reports and the persistent error log: contents, supervisor actions, surviving a
//! host restart, the size bound, and the CLI that reads it.

use std::process::Command;
use std::time::Duration;

use hatchery::crashlog::{CrashLog, Report, read};
use hatchery::supervisor::{ChildSpec, Shutdown, Strategy, SupervisorSpec};
use hatchery::{ExitReason, NodeConfig, Pid};
use hatchery_tests::{
    Probe, config, eventually, exit_of, hatchery_bin, node_with_config, temp_dir,
};
use serde_json::json;

fn logged(path: &std::path::Path) -> NodeConfig {
    NodeConfig {
        crash_log: Some(path.to_path_buf()),
        ..config()
    }
}

#[tokio::test]
async fn a_crash_is_reported_with_reason_backtrace_and_output_and_normal_exits_are_not() {
    let dir = temp_dir("crash");
    let path = dir.join("crash.log");
    let node = node_with_config(logged(&path), &["probe"]);
    let me = node.spawn_native("test").expect("native");
    let fine = Probe::spawn(&me, false, false);
    fine.start(&me, json!({"exit": "normal"}));
    exit_of(&node, fine.pid).await;
    let p = Probe::spawn(&me, false, false);
    p.run(&me, json!({"print": "about to fail"})).await;
    p.start(&me, json!({"panic": "deliberate"}));
    exit_of(&node, p.pid).await;
    let reports = read(&path).expect("the log exists");
    assert_eq!(reports.len(), 1, "{reports:#?}");
    match &reports[0] {
        Report::Crash {
            pid,
            module,
            reason_kind,
            reason,
            output,
            ..
        } => {
            assert_eq!(
                (*pid, module.as_str(), reason_kind.as_str()),
                (p.pid.as_u64(), "probe", "trap")
            );
            assert!(reason.contains("wasm backtrace"), "{reason}");
            // The Rust SDK's panic hook: the message leads the reason, and no
            // `unreachable` was executed.
            assert!(reason.starts_with("trap: panicked at "), "{reason}");
            assert!(reason.contains("deliberate"), "{reason}");
            assert!(!reason.contains("unreachable"), "{reason}");
            assert!(output.iter().any(|l| l == "about to fail"), "{output:?}");
            assert!(
                output.iter().any(|l| l.contains("deliberate")),
                "the panic message on stderr: {output:?}"
            );
        }
        other => panic!("expected a crash report, got {other:?}"),
    }
}

#[tokio::test]
async fn supervisor_actions_are_reported_beside_the_crash() {
    let dir = temp_dir("crash");
    let path = dir.join("crash.log");
    let node = node_with_config(logged(&path), &["kv", "probe"]);
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 5,
        period: Duration::from_secs(60),
        children: vec![ChildSpec {
            shutdown: Shutdown::Timeout(Duration::from_secs(1)),
            ..ChildSpec::worker("kv", "kv", Vec::new())
        }],
    };
    let sup = node.start_supervisor(spec, None).expect("start");
    let mut kv = None;
    eventually("kv runs", || {
        kv = node.whereis("kv");
        kv.is_some()
    })
    .await;
    let kv: Pid = kv.expect("set");
    let me = node.spawn_native("test").expect("native");
    let c = Probe::spawn(&me, false, false);
    c.run(
        &me,
        json!({"call": {"to": kv.as_u64(), "req": {"lookup": "crash"}, "timeout_ms": 30_000}}),
    )
    .await;
    eventually("the restart to be logged", || {
        read(&path).is_ok_and(|r| r.len() == 2)
    })
    .await;
    let reports = read(&path).expect("log");
    match &reports[0] {
        Report::Crash { reason, .. } => {
            assert!(reason.contains(r#"last message in: User from"#), "{reason}")
        }
        other => panic!("expected the crash first, got {other:?}"),
    }
    match &reports[1] {
        Report::Supervisor {
            supervisor,
            child,
            action,
            old_pid,
            new_pid,
            ..
        } => {
            assert_eq!(
                (*supervisor, child.as_str(), action.as_str()),
                (sup.as_u64(), "kv", "restarted")
            );
            assert_eq!(*old_pid, Some(kv.as_u64()));
            assert!(new_pid.is_some_and(|p| p != kv.as_u64()));
        }
        other => panic!("expected a supervisor report, got {other:?}"),
    }
}

#[tokio::test]
async fn the_log_survives_a_host_restart() {
    let dir = temp_dir("crash");
    let path = dir.join("state/crash.log");
    for round in 0..2 {
        let node = node_with_config(logged(&path), &["probe"]);
        let me = node.spawn_native("test").expect("native");
        let p = Probe::spawn(&me, false, false);
        p.start(&me, json!({"exit": {"custom": format!("round {round}")}}));
        exit_of(&node, p.pid).await;
        drop(me);
        node.shutdown(Duration::from_secs(5)).await;
    }
    let reasons: Vec<String> = read(&path)
        .expect("log")
        .into_iter()
        .filter_map(|r| match r {
            Report::Crash { reason, .. } => Some(reason),
            Report::Supervisor { .. } => None,
        })
        .collect();
    assert_eq!(reasons, ["custom: round 0", "custom: round 1"]);
}

#[test]
fn the_log_is_bounded() {
    let dir = temp_dir("crash");
    let path = dir.join("crash.log");
    let log = CrashLog::open(&path, 4096).expect("open");
    for i in 0..500 {
        log.write(&Report::crash(
            Pid(i + 1),
            "m",
            None,
            &ExitReason::custom("x".repeat(50)),
            Vec::new(),
        ));
    }
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len());
    assert!(size(&path) <= 4096, "{}", size(&path));
    assert!(size(&dir.join("crash.log.1")) <= 4096);
    let kept = read(&path).expect("log");
    assert!(!kept.is_empty() && kept.len() < 500);
    match kept.last() {
        Some(Report::Crash { pid, .. }) => assert_eq!(*pid, 500, "the newest entries are kept"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_cli_prints_the_log() {
    let dir = temp_dir("crash");
    let path = dir.join("crash.log");
    let log = CrashLog::open(&path, CrashLog::DEFAULT_MAX_BYTES).expect("open");
    log.write(&Report::crash(
        Pid(7),
        "kv",
        Some("kv"),
        &ExitReason::Trap("unreachable".into()),
        vec!["hello".into()],
    ));
    let out = Command::new(hatchery_bin())
        .args(["crashes", "--log"])
        .arg(&path)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout.contains("crash <0.7> kv (kv)")
            && stdout.contains("trap: unreachable")
            && stdout.contains("| hello"),
        "{stdout}"
    );
}
