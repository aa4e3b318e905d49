//! Every bad input of issue 2 gets a clear error and loses nothing: invalid files, missing
//! exports, unknown imports, bad guest pointers, unknown modules. The host and every other
//! process go on.

use std::process::Command;

use hatchery::{ExitReason, LoadError, MessageKind};
use hatchery_tests::{WAIT, exit_of, hatchery_bin, node_with, temp_dir, write_module};

const GOOD: &str = r#"(module (memory (export "memory") 1) (func (export "hatchery_main")))"#;

#[tokio::test]
async fn a_file_that_is_not_wasm_is_rejected_with_its_path() {
    let dir = temp_dir("bad");
    let path = write_module(&dir, "junk.wasm", b"this is not wasm at all");
    let node = node_with(&[]);
    let err = node.load_module_file(&path).err().expect("rejected");
    assert!(matches!(err, LoadError::Invalid { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("junk.wasm") && text.contains("not a valid WebAssembly module"),
        "{text}"
    );
    assert!(node.modules().is_empty(), "nothing was loaded");
}

#[tokio::test]
async fn a_truncated_module_is_rejected() {
    let dir = temp_dir("bad");
    let full = std::fs::read(hatchery_tests::module_path("noop")).expect("noop.wasm is built");
    let path = write_module(&dir, "half.wasm", &full[..full.len() / 2]);
    let err = node_with(&[])
        .load_module_file(&path)
        .err()
        .expect("rejected");
    assert!(matches!(err, LoadError::Invalid { .. }), "{err}");
}

#[tokio::test]
async fn a_module_without_an_entry_or_memory_is_rejected() {
    let dir = temp_dir("bad");
    let node = node_with(&[]);
    let no_entry = write_module(
        &dir,
        "noentry.wat",
        r#"(module (memory (export "memory") 1) (func (export "other")))"#,
    );
    let text = node
        .load_module_file(&no_entry)
        .err()
        .expect("rejected")
        .to_string();
    assert!(
        text.contains("hatchery_main") && text.contains("noentry.wat"),
        "{text}"
    );
    let no_memory = write_module(
        &dir,
        "nomem.wat",
        r#"(module (func (export "hatchery_main")))"#,
    );
    let text = node
        .load_module_file(&no_memory)
        .err()
        .expect("rejected")
        .to_string();
    assert!(text.contains("memory"), "{text}");
}

#[tokio::test]
async fn an_unknown_import_is_named() {
    let dir = temp_dir("bad");
    let path = write_module(
        &dir,
        "frob.wat",
        r#"(module (import "hatchery_v1" "frobnicate" (func)) (memory (export "memory") 1) (func (export "hatchery_main")))"#,
    );
    let err = node_with(&[])
        .load_module_file(&path)
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("hatchery_v1.frobnicate"), "{err}");
    let wrong_type = write_module(
        &dir,
        "wrongtype.wat",
        r#"(module (import "hatchery_v1" "self" (func (result i32))) (memory (export "memory") 1) (func (export "hatchery_main")))"#,
    );
    let err = node_with(&[])
        .load_module_file(&wrong_type)
        .err()
        .expect("rejected");
    assert!(matches!(err, LoadError::Link { .. }), "{err}");
}

#[tokio::test]
async fn a_bad_pointer_ends_only_that_process() {
    let node = node_with(&["probe", "noop"]);
    let me = node.spawn_native("test").expect("native");
    let victim = hatchery_tests::Probe::spawn(&me, false, true);
    let bystander = hatchery_tests::Probe::spawn(&me, false, false);
    victim.start(&me, serde_json::json!({"bad_pointer": null}));
    let down = me
        .recv_match(Some(WAIT), |m| {
            (m.kind == MessageKind::Down).then(|| m.clone())
        })
        .await;
    let down = down.expect("alive").expect("DOWN");
    let reason = down.reason().expect("a reason");
    match &reason {
        ExitReason::Trap(text) => assert!(
            text.contains("outside memory") && text.contains("hatchery_v1.send"),
            "{text}"
        ),
        other => panic!("expected a trap, got {other}"),
    }
    // The node and the other process go on.
    assert_eq!(
        bystander.run(&me, serde_json::json!({"self": null})).await,
        serde_json::json!(bystander.pid.as_u64())
    );
}

#[tokio::test]
async fn spawning_an_unknown_module_still_signals_the_linked_parent() {
    let node = node_with(&[]);
    let me = node.spawn_native("test").expect("native");
    me.trap_exit(true);
    let child = me
        .spawn("no_such_module", Vec::new(), true, false)
        .expect("a pid even so")
        .pid;
    let exit = me
        .recv_match(Some(WAIT), |m| {
            (m.kind == MessageKind::Exit).then(|| m.clone())
        })
        .await;
    let exit = exit.expect("alive").expect("EXIT");
    assert_eq!(exit.sender, child);
    match exit.reason() {
        Some(ExitReason::Undef(text)) => assert!(text.contains("no_such_module"), "{text}"),
        other => panic!("expected undef, got {other:?}"),
    }
    assert!(matches!(
        exit_of(&node, child).await.reason,
        ExitReason::Undef(_)
    ));
}

#[test]
fn the_cli_reports_a_bad_module_file_and_exits_non_zero() {
    let dir = temp_dir("cli");
    let path = write_module(&dir, "broken.wasm", b"\0asm\x01\0\0\0garbage");
    let out = Command::new(hatchery_bin())
        .arg("run")
        .arg(&path)
        .output()
        .expect("run hatchery");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.wasm") && stderr.contains("not a valid WebAssembly module"),
        "{stderr}"
    );
}

#[test]
fn the_cli_names_a_missing_entry() {
    let dir = temp_dir("cli");
    write_module(&dir, "good.wat", GOOD);
    let out = Command::new(hatchery_bin())
        .arg("run")
        .arg(&dir)
        .output()
        .expect("run hatchery");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--entry") && stderr.contains("good"),
        "{stderr}"
    );
}

/// The CLI's `started good as <0.N>` line, then `exit <0.N> good: normal` for that pid.
fn assert_started_and_ended_normally(stderr: &str) {
    let pid = stderr
        .split("started good as ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no start line: {stderr}"));
    assert!(pid.starts_with("<0.") && pid.ends_with('>'), "{pid}");
    assert!(
        stderr.contains(&format!("exit {pid} good: normal")),
        "{stderr}"
    );
}

#[test]
fn the_cli_runs_a_module_and_prints_its_exit() {
    let dir = temp_dir("cli");
    let path = write_module(&dir, "good.wat", GOOD);
    let out = Command::new(hatchery_bin())
        .arg("run")
        .arg(&path)
        .output()
        .expect("run hatchery");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_started_and_ended_normally(&stderr);
}

#[test]
fn the_cli_runs_a_module_named_without_a_folder() {
    let dir = temp_dir("cli-bare");
    write_module(&dir, "good.wat", GOOD);
    let out = Command::new(hatchery_bin())
        .current_dir(&dir)
        .args(["run", "good.wat", "--http", "off"])
        .output()
        .expect("run hatchery");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_started_and_ended_normally(&stderr);
}

#[tokio::test]
async fn an_entry_with_the_wrong_type_is_rejected() {
    let dir = temp_dir("bad");
    let path = write_module(
        &dir,
        "typed.wat",
        r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (param i32)))"#,
    );
    let err = node_with(&[])
        .load_module_file(&path)
        .err()
        .expect("rejected");
    assert!(err.to_string().contains("must take no parameters"), "{err}");
}

#[tokio::test]
async fn absurd_timeouts_and_delays_are_handled_not_panicked_on() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let p = hatchery_tests::Probe::spawn(&me, false, false);
    let to = me.pid().as_u64();
    // i64::MAX milliseconds cannot be added to a clock: the host waits forever instead.
    p.start(&me, serde_json::json!({"recv": {"timeout_ms": i64::MAX}}));
    me.send_json(p.pid, &serde_json::json!("here"));
    assert_eq!(p.result(&me).await["data"], "here");
    let r = p
        .run(
            &me,
            serde_json::json!({"send_after": {"to": to, "ms": i64::MAX, "msg": 1}}),
        )
        .await;
    assert_eq!(r, "bad_arg");
    assert_eq!(
        p.run(&me, serde_json::json!({"self": null})).await,
        serde_json::json!(p.pid.as_u64())
    );
}

#[tokio::test]
async fn a_native_process_learns_it_was_killed() {
    let node = node_with(&[]);
    let me = node.spawn_native("test").expect("native");
    let victim = node.spawn_native("victim").expect("native");
    let pid = victim.pid();
    let waiting = tokio::spawn(async move { victim.recv(None).await });
    tokio::task::yield_now().await;
    node.exit_signal(me.pid(), pid, &ExitReason::Killed, true)
        .expect("alive");
    let got = tokio::time::timeout(WAIT, waiting)
        .await
        .expect("returns")
        .expect("joins");
    assert_eq!(got.err(), Some(hatchery::Exited(ExitReason::Killed)));
    assert_eq!(exit_of(&node, pid).await.reason, ExitReason::Killed);
}

#[tokio::test]
async fn a_last_line_without_a_newline_is_kept() {
    let dir = temp_dir("out");
    // fd_write(1, iovs=[{ptr 16, len 7}], 1, nwritten at 8): "partial" with no newline.
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
      (memory (export "memory") 1)
      (data (i32.const 0) "\10\00\00\00\07\00\00\00")
      (data (i32.const 16) "partial")
      (func (export "hatchery_main") (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#;
    let node = node_with(&[]);
    node.load_module_file(&write_module(&dir, "partial.wat", wat))
        .expect("load");
    let pid = node
        .spawn("partial", Vec::new(), Default::default())
        .expect("spawn")
        .pid;
    let rec = exit_of(&node, pid).await;
    assert_eq!(rec.reason, ExitReason::Normal);
    assert_eq!(
        rec.output
            .iter()
            .map(|l| l.text.as_str())
            .collect::<Vec<_>>(),
        vec!["partial"]
    );
}

#[test]
fn ctrl_c_stops_the_node_cleanly() {
    use std::io::{BufRead, BufReader};
    let demo = hatchery_tests::module_path("messenger_demo");
    let mut child = Command::new(hatchery_bin())
        .arg("run")
        .arg(&demo)
        .args(["--max-processes", "1000"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start hatchery");
    // Wait until the demo is over; the server and bob keep the node running.
    let stdout = child.stdout.take().expect("piped");
    let mut seen = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("utf-8 output");
        let done = line.contains("The demo ends here");
        seen.push(line);
        if done {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.contains("Message from alice")),
        "{seen:#?}"
    );
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("hatchery exits");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("hatchery: stopping"), "{stderr}");
    assert!(
        stderr.contains("messenger_server (messenger): shutdown"),
        "the server was shut down: {stderr}"
    );
}

#[test]
fn the_cli_refuses_half_a_cluster_and_an_unreachable_server_clearly() {
    let dir = temp_dir("cli");
    let path = write_module(&dir, "good.wat", GOOD);
    let run = |extra: &[&str]| {
        let out = Command::new(hatchery_bin())
            .arg("run")
            .arg(&path)
            .args(["--http", "off", "--cookie", "c"])
            .args(extra)
            .output()
            .expect("run hatchery");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["--node", "a"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--node needs --nats"), "{err}");
    let (code, err) = run(&["--nats", "nats://127.0.0.1:1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--nats needs --node"), "{err}");
    let (code, err) = run(&["--nats", "nats://127.0.0.1:1", "--node", "a"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("cannot reach NATS at nats://127.0.0.1:1"),
        "{err}"
    );
    let (code, err) = run(&[
        "--nats",
        "nats://127.0.0.1:1",
        "--node",
        "a",
        "--cluster",
        "a.b",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("a cluster name is"), "{err}");
    assert!(!err.contains("started good"), "nothing started: {err}");
}
