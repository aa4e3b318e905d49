//! Faults of the host's surroundings: the watched folder removed and created again, and
//! the host killed with `SIGKILL` while crashes are being logged.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hatchery::NodeEvent;
use hatchery::crashlog::{Report, read};
use hatchery_tests::*;

/// The next event `f` picks, within the tests' wait.
async fn next_event<T>(
    events: &mut tokio::sync::broadcast::Receiver<NodeEvent>,
    mut f: impl FnMut(NodeEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(WAIT, async {
        loop {
            if let Ok(e) = events.recv().await
                && let Some(t) = f(e)
            {
                return t;
            }
        }
    })
    .await
    .expect("the event within the wait")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_folder_removed_and_created_again_is_reported_and_watched_again() {
    let dir = temp_dir("refolder").join("mods");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let file = dir.join("counter.wasm");
    std::fs::copy(module_path("counter"), &file).expect("copy");
    let node = node_with(&[]);
    node.load_module_file(&file).expect("load");
    let mut events = node.subscribe();
    let _watcher = node
        .watch(std::slice::from_ref(&dir), Duration::from_millis(100))
        .expect("watch");

    std::fs::remove_dir_all(&dir).expect("remove the folder");
    let (watching, message) = next_event(&mut events, |e| match e {
        NodeEvent::Watch {
            watching, message, ..
        } => Some((watching, message)),
        _ => None,
    })
    .await;
    assert!(!watching && message.contains("is gone"), "{message}");

    // Created again with a new version in it: watched again, and the file is loaded.
    std::fs::create_dir_all(&dir).expect("mkdir again");
    std::fs::copy(module_path("counter_v2"), &file).expect("copy v2");
    let watching = next_event(&mut events, |e| match e {
        NodeEvent::Watch { watching, .. } => Some(watching),
        _ => None,
    })
    .await;
    assert!(watching);
    let swap = next_event(&mut events, |e| match e {
        NodeEvent::Swap(r) => Some(r),
        _ => None,
    })
    .await;
    assert_eq!((swap.module.as_str(), swap.to), ("counter", 2), "{swap:?}");

    // And a later save in it is seen as before.
    std::fs::copy(module_path("counter"), &file).expect("copy v1");
    let swap = next_event(&mut events, |e| match e {
        NodeEvent::Swap(r) => Some(r),
        _ => None,
    })
    .await;
    assert_eq!(swap.to, 3, "{swap:?}");
}

/// A child that traps at once, under a supervisor that restarts it without end.
const CRASHER: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") unreachable))"#;

#[test]
fn the_crash_log_is_intact_after_the_host_is_killed() {
    let dir = temp_dir("sigkill");
    write_module(&dir, "crasher.wat", CRASHER);
    std::fs::write(
        dir.join("hatchery.toml"),
        r#"[application]
name = "crashing"
modules = "."
root = "main"

[supervisor.main]
strategy = "one_for_one"
intensity = 1000000000
period_ms = 1000

[[supervisor.main.child]]
id = "crasher"
module = "crasher"
restart = "permanent"
"#,
    )
    .expect("manifest");
    let log = dir.join("crash.log");
    let mut child = Command::new(hatchery_bin())
        .current_dir(&dir)
        .arg("run")
        .arg(&dir)
        .args(["--http", "127.0.0.1:0", "--no-watch", "--crash-log"])
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start hatchery");
    // Until it has logged a good many crashes (bounded), then SIGKILL in the middle.
    let start = Instant::now();
    while std::fs::metadata(&log).map_or(0, |m| m.len()) < 200_000 {
        assert!(
            start.elapsed() < WAIT,
            "the crashes were not logged: {:?}",
            child.try_wait()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    let reports = read(&log).expect("the log reads after a SIGKILL");
    assert!(reports.len() > 100, "{} reports", reports.len());
    let crashes = reports
        .iter()
        .filter(|r| matches!(r, Report::Crash { .. }))
        .count();
    assert!(crashes > 50, "{crashes} crash reports");
    // The CLI reads it too.
    let out = Command::new(hatchery_bin())
        .args(["crashes", "--log"])
        .arg(&log)
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A one_for_one supervisor over one child that traps at once.
fn crashing_supervisor(intensity: u32) -> hatchery::supervisor::SupervisorSpec {
    use hatchery::supervisor::{ChildSpec, Shutdown, Strategy};
    hatchery::supervisor::SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity,
        period: Duration::from_secs(3600),
        children: vec![ChildSpec {
            shutdown: Shutdown::BrutalKill,
            ..ChildSpec::worker("crasher", "crasher", Vec::new())
        }],
    }
}

fn restarts(node: &hatchery::Node, sup: hatchery::Pid) -> u64 {
    node.supervisors()
        .iter()
        .find(|s| s.pid == sup)
        .map_or(0, |s| s.restarts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_flood_under_a_supervisor_is_accounted_for_and_escalates_at_its_intensity() {
    use std::sync::atomic::Ordering;
    let node = node_with(&[]);
    let dir = temp_dir("flood");
    node.load_module_file(&write_module(&dir, "crasher.wat", CRASHER))
        .expect("load");
    let me = node.spawn_native("test").expect("native");
    me.trap_exit(true);

    // As fast as the node restarts it, 20,000 times (`HATCHERY_FLOOD_RESTARTS` sets how
    // many, for a soak run by hand); the supervisor keeps up and stops in order, and every
    // child it started has ended: nothing leaked, nothing ended twice.
    let wanted: u64 = std::env::var("HATCHERY_FLOOD_RESTARTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let (spawned, exited) = (
        node.stats().spawned.load(Ordering::Relaxed),
        node.stats().exited.load(Ordering::Relaxed),
    );
    let started = Instant::now();
    let sup = node
        .start_supervisor(crashing_supervisor(u32::MAX), Some(me.pid()))
        .expect("supervisor");
    // A bounded wait that grows with the count asked for (at least 2,000 restarts a second).
    let deadline = WAIT + Duration::from_millis(wanted / 2);
    while restarts(&node, sup) < wanted {
        assert!(
            started.elapsed() < deadline,
            "{wanted} restarts within {deadline:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    node.exit_signal(me.pid(), sup, &hatchery::ExitReason::Shutdown, false)
        .expect("stop it");
    assert_eq!(exit_from(&me, sup).await, hatchery::ExitReason::Shutdown);
    eventually("its last child to be gone", || node.process_count() == 1).await;
    let spawned = node.stats().spawned.load(Ordering::Relaxed) - spawned;
    let ended = node.stats().exited.load(Ordering::Relaxed) - exited;
    assert!(
        spawned > wanted,
        "{spawned} processes for {wanted} restarts"
    );
    assert_eq!(ended, spawned, "every started process ended once");
    eprintln!(
        "flood: {} children in {seconds:.1} s ({:.0} restarts/s), {ended} exits",
        spawned - 1,
        (spawned - 1) as f64 / seconds
    );

    // With an intensity of 1,000 the same flood ends the supervisor at the 1,001st crash:
    // exactly 1,001 starts and exits of the child (the first and 1,000 restarts), then the
    // supervisor's own exit, and its parent hears of it.
    let exited = node.stats().exited.load(Ordering::Relaxed);
    let sup = node
        .start_supervisor(crashing_supervisor(1_000), Some(me.pid()))
        .expect("supervisor");
    assert_eq!(exit_from(&me, sup).await, hatchery::ExitReason::Shutdown);
    let exits = node.stats().exited.load(Ordering::Relaxed) - exited;
    assert_eq!(exits, 1_001 + 1, "every restart accounted for");
    eventually("only the test process to be left", || {
        node.process_count() == 1
    })
    .await;
}
