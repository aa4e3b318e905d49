//! Hot code swap: versions, state-preserving upgrades at message boundaries, rejected
//! files, purge, rollback, the upgrade policy and the file watcher.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use hatchery::{
    ExitReason, LoadCause, LoadError, NativeProcess, Node, NodeConfig, NodeEvent, Pid, SpawnOpts,
    SwapRecord, UpgradePolicy,
};
use hatchery_tests::*;
use serde_json::{Value, json};

/// A folder holding `counter.wasm` built from `variant` (`counter`, `counter_v2`, ...).
fn counter_dir(variant: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir("swap");
    let file = dir.join("counter.wasm");
    std::fs::copy(module_path(variant), &file).expect("copy the module");
    (dir, file)
}

/// Replaces the module file with `variant`'s bytes.
fn put(file: &Path, variant: &str) {
    std::fs::copy(module_path(variant), file).expect("copy the module");
}

fn node_at(file: &Path, config: NodeConfig) -> Node {
    let node = Node::new(config).expect("node starts");
    node.load_module_file(file)
        .expect("the first version loads");
    node
}

/// A gen_server call from a native process.
async fn call(me: &NativeProcess, to: Pid, req: Value) -> Value {
    let r = me.node().make_ref();
    me.send_json(to, &json!({"$call": {"ref": r, "req": req}}));
    let reply = recv_json_where(me, |v| v["$reply"]["ref"] == json!(r)).await;
    reply["$reply"]["value"].clone()
}

fn cast_inc(me: &NativeProcess, to: Pid, seq: u64) {
    me.send_json(to, &json!({"$cast": {"inc": seq}}));
}

async fn reload(node: &Node, file: &Path) -> SwapRecord {
    node.reload(file, LoadCause::Manual)
        .await
        .expect("the new version loads")
        .expect("the bytes differ")
}

fn spawn_counter(me: &NativeProcess, name: &str) -> Pid {
    me.spawn_json("counter", &json!({"name": name}), false, false)
        .expect("spawn")
        .pid
}

/// A one_for_one supervisor of intensity 0 (any counted restart makes it give up) over one
/// counter registered as `c`.
fn counter_under_a_supervisor() -> hatchery::supervisor::SupervisorSpec {
    use hatchery::supervisor::{ChildSpec, Strategy, SupervisorSpec};
    SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 0,
        period: Duration::from_secs(60),
        children: vec![ChildSpec::worker(
            "c",
            "counter",
            br#"{"name": "c"}"#.to_vec(),
        )],
    }
}

/// Two fields of a counter's state, to compare as a pair.
fn fields(state: &Value, keys: [&str; 2]) -> (Value, Value) {
    (state[keys[0]].clone(), state[keys[1]].clone())
}

fn current(node: &Node, module: &str) -> u32 {
    node.module_infos()
        .into_iter()
        .find(|m| m.name == module)
        .map(|m| m.current)
        .expect("module loaded")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_keeps_every_increment_across_many_swaps() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "counter");
    assert_eq!(call(&me, pid, json!("get")).await["version"], 1);

    // A steady stream of increments from another process while the module is swapped.
    let feeder = node.spawn_native("feeder").expect("native");
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let task = {
        let (stop, sent) = (stop.clone(), sent.clone());
        tokio::spawn(async move {
            let mut seq = 0;
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..20 {
                    seq += 1;
                    cast_inc(&feeder, pid, seq);
                }
                sent.store(seq, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            feeder
        })
    };
    const SWAPS: u32 = 100;
    for i in 0..SWAPS {
        eventually("increments flow", || {
            sent.load(Ordering::Relaxed) > u64::from(i) * 50
        })
        .await;
        put(&file, if i % 2 == 0 { "counter_v2" } else { "counter" });
        let record = reload(&node, &file).await;
        assert_eq!(record.to, i + 2, "{record:?}");
        assert_eq!((record.upgraded, record.failed), (1, 0), "{record:?}");
        assert!(record.pause_max_us > 0);
    }
    stop.store(true, Ordering::Relaxed);
    let feeder = task.await.expect("feeder");
    let total = sent.load(Ordering::Relaxed);

    // The feeder's last message is behind all the others (FIFO per sender): once the
    // count reaches it, every increment has been handled.
    let state = loop {
        let s = call(&me, pid, json!("get")).await;
        if s["last"] == json!(total) {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(state["count"], json!(total), "no increment lost: {state}");
    assert_eq!(state["out_of_order"], 0, "none reordered: {state}");
    assert_eq!(state["upgrades"], json!(SWAPS), "{state}");
    assert_eq!(
        state["version"], 1,
        "the last swap put back v1's code: {state}"
    );
    assert_eq!(node.whereis("counter"), Some(pid), "same pid, same name");
    assert_eq!(node.process(pid).expect("alive").version(), SWAPS + 1);
    drop(feeder);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_monitors_and_the_mailbox_survive_an_upgrade() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    me.trap_exit(true);
    let pid = spawn_counter(&me, "c");
    me.link(pid).expect("link");
    let mref = me.monitor(pid);
    for seq in 1..=500 {
        cast_inc(&me, pid, seq);
    }
    put(&file, "counter_v2");
    let record = reload(&node, &file).await;
    assert_eq!(record.upgraded, 1, "{record:?}");
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(500), json!(2)));
    let proc = node.process(pid).expect("alive");
    assert_eq!(proc.links(), vec![me.pid()]);
    // The link and the monitor still fire when the upgraded process ends.
    node.exit_signal(me.pid(), pid, &ExitReason::Killed, false)
        .expect("signal");
    assert_eq!(exit_from(&me, pid).await, ExitReason::Killed);
    assert_eq!(down_of(&me, Some(pid)).await, ExitReason::Killed);
    let _ = mref;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_new_file_changes_nothing_and_says_what_is_wrong() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    cast_inc(&me, pid, 1);
    let good = std::fs::read(module_path("counter_v2")).expect("read");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "not a valid WebAssembly module"),
        ("not wasm", b"hello, world".to_vec(), "not a valid WebAssembly module"),
        ("empty", Vec::new(), "not a valid WebAssembly module"),
        (
            "no hatchery_handle",
            br#"(module (memory (export "memory") 1) (func (export "_start")))"#.to_vec(),
            "is a behaviour",
        ),
        (
            "no memory",
            br#"(module (func (export "_start")) (func (export "hatchery_handle") (param i32 i64 i32)))"#
                .to_vec(),
            "memory",
        ),
        (
            "wrong code_change type",
            br#"(module (memory (export "memory") 1) (func (export "_start"))
                 (func (export "hatchery_handle") (param i32 i64 i32))
                 (func (export "hatchery_code_change") (param i32) (result i32) i32.const 0))"#
                .to_vec(),
            "hatchery_code_change",
        ),
    ];
    for (what, bytes, expected) in cases {
        // Text modules load too; the stem names the module either way.
        let path = if bytes.starts_with(b"(module") {
            let p = file.with_extension("wat");
            std::fs::write(&p, &bytes).expect("write");
            p
        } else {
            std::fs::write(&file, &bytes).expect("write");
            file.clone()
        };
        let err = node
            .reload(&path, LoadCause::Manual)
            .await
            .expect_err(what)
            .to_string();
        assert!(err.contains(expected), "{what}: {err}");
        assert!(err.contains(&path.display().to_string()), "{what}: {err}");
        assert_eq!(current(&node, "counter"), 1, "{what}");
        let _ = std::fs::remove_file(file.with_extension("wat"));
    }
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(1), json!(1)));
    assert_eq!(node.process(pid).expect("alive").version(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_change_that_traps_or_refuses_leaves_the_process_on_its_version() {
    for (variant, expected) in [
        ("counter_trap", "trap"),
        ("counter_refuse", "takes no state"),
    ] {
        let (_dir, file) = counter_dir("counter");
        let node = node_at(&file, config());
        let me = node.spawn_native("test").expect("native");
        let pid = spawn_counter(&me, "c");
        for seq in 1..=10 {
            cast_inc(&me, pid, seq);
        }
        put(&file, variant);
        let record = reload(&node, &file).await;
        assert_eq!((record.upgraded, record.failed), (0, 1), "{record:?}");
        assert!(
            record.errors.len() == 1 && record.errors[0].contains(expected),
            "{variant}: {:?}",
            record.errors
        );
        assert!(record.errors[0].starts_with(&pid.to_string()));
        // Still on v1, state intact, still serving.
        let state = call(&me, pid, json!("get")).await;
        assert_eq!(fields(&state, ["count", "version"]), (json!(10), json!(1)));
        assert_eq!(node.process(pid).expect("alive").version(), 1);
        // New processes start on the new (current) version.
        let fresh = spawn_counter(&me, "fresh");
        assert_eq!(node.process(fresh).expect("alive").version(), 2);

        // A fixed version makes v1 fall out: the process gets one more chance to carry its
        // state over instead of being purged.
        put(&file, "counter_v2");
        let record = reload(&node, &file).await;
        assert_eq!(record.to, 3);
        assert_eq!(record.purged, 0, "{record:?}");
        let state = call(&me, pid, json!("get")).await;
        assert_eq!(fields(&state, ["count", "version"]), (json!(10), json!(2)));
    }
}

/// A new version of the counter whose start function never returns.
const SPINNING_START: &str = r#"(module
  (memory (export "memory") 1)
  (func $spin (loop $forever (br $forever)))
  (start $spin)
  (func (export "hatchery_main"))
  (func (export "hatchery_handle") (param i32 i64 i32))
  (func (export "hatchery_state_save") (result i64) (i64.const 0))
  (func (export "hatchery_code_change") (param i32 i32) (result i64) (i64.const 0)))"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_new_version_starts_while_the_process_keeps_serving() {
    let (dir, file) = counter_dir("counter");
    let mut cfg = config();
    cfg.upgrade_wait = Duration::from_secs(1);
    let node = node_at(&file, cfg);
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    for seq in 1..=5 {
        cast_inc(&me, pid, seq);
    }
    let spinning = dir.join("counter.wat");
    std::fs::write(&spinning, SPINNING_START).expect("write the module");
    let swapping = node.clone();
    let swap = tokio::spawn(async move { swapping.reload(&spinning, LoadCause::Manual).await });
    eventually("version 2 to be current", || current(&node, "counter") == 2).await;
    // The new version is being instantiated (and never will be): the process goes on
    // serving on its version meanwhile instead of pausing for it.
    for seq in 6..=10 {
        cast_inc(&me, pid, seq);
    }
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(10), json!(1)));
    let record = swap
        .await
        .expect("the swap task")
        .expect("the new version loads")
        .expect("the bytes differ");
    assert_eq!(record.upgraded, 0, "{record:?}");
    assert_eq!(record.failed + record.pending, 1, "{record:?}");
    // Its start was given up on; the process stays on v1, state intact, still serving.
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(10), json!(1)));
    assert_eq!(node.process(pid).expect("alive").version(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_version_purges_processes_still_on_the_oldest() {
    let dir = temp_dir("purge");
    let file = dir.join("worker.wasm");
    std::fs::copy(module_path("idle"), &file).expect("copy");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let old = me
        .spawn("worker", Vec::new(), false, true)
        .expect("spawn")
        .pid;
    eventually("v1 process runs", || {
        node.stats().instantiated.load(Ordering::Relaxed) >= 1
    })
    .await;

    std::fs::copy(module_path("probe"), &file).expect("copy");
    let record = reload(&node, &file).await;
    assert_eq!(
        (record.from, record.to, record.kept, record.purged),
        (1, 2, 1, 0)
    );
    let newer = me
        .spawn("worker", Vec::new(), false, true)
        .expect("spawn")
        .pid;
    assert!(
        node.process(old).is_some_and(|p| p.is_alive()),
        "main-style keeps v1"
    );

    std::fs::copy(module_path("idle"), &file).expect("copy");
    let record = reload(&node, &file).await;
    assert_eq!(
        (record.to, record.kept, record.purged),
        (3, 1, 1),
        "{record:?}"
    );
    let reason = down_of(&me, Some(old)).await;
    assert!(
        reason.to_string().contains("purged: worker v1"),
        "a clear reason: {reason}"
    );
    assert!(
        node.process(newer).is_some_and(|p| p.is_alive()),
        "v2 stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_moves_processes_back_with_their_state() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");

    assert!(matches!(
        node.rollback("counter").await,
        Err(LoadError::NoPrevious(_))
    ));
    assert!(matches!(
        node.rollback("nope").await,
        Err(LoadError::UnknownModule(_))
    ));
    put(&file, "counter_v2");
    reload(&node, &file).await;
    for seq in 1..=7 {
        cast_inc(&me, pid, seq);
    }
    let record = node.rollback("counter").await.expect("rollback");
    assert_eq!(
        (
            record.from,
            record.to,
            record.upgraded,
            record.cause.as_str()
        ),
        (2, 1, 1, "rollback")
    );
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(7), json!(1)));
    assert_eq!(state["upgrades"], 2);
    assert_eq!(current(&node, "counter"), 1);

    // From a guest, through the ABI: back to v2.
    let probe_node = &node;
    probe_node
        .load_module_file(&module_path("probe"))
        .expect("probe");
    let probe = Probe::spawn(&me, false, false);
    assert_eq!(
        probe.run(&me, json!({"module_version": "counter"})).await,
        1
    );
    assert_eq!(
        probe.run(&me, json!({"module_rollback": "counter"})).await,
        2
    );
    assert_eq!(
        probe.run(&me, json!({"module_rollback": "nope"})).await,
        "not_found"
    );
    eventually("the process moved back to v2", || {
        node.process(pid).is_some_and(|p| p.version() == 2)
    })
    .await;
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(7), json!(2)));
    // The swap's record is written when the swap is over, which may be just after the
    // process has moved.
    let history = || {
        node.module_infos()
            .into_iter()
            .find(|m| m.name == "counter")
            .expect("info")
            .history
    };
    eventually("the second rollback's record", || history().len() >= 3).await;
    assert_eq!(history().len(), 3, "{:?}", history());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_upgrade_callbacks_the_policy_decides() {
    // keep: the server stays on its version.
    let (_dir, file) = counter_dir("counter_plain");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    cast_inc(&me, pid, 1);
    put(&file, "counter");
    let record = reload(&node, &file).await;
    assert_eq!((record.kept, record.upgraded, record.restarted), (1, 0, 0));
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(1), json!(5)));

    // restart: its supervisor restarts it on the new version, and the restart does not
    // count toward the supervisor's intensity (0 here: any counted restart would end it).
    let (_dir, file) = counter_dir("counter_plain");
    let node = node_at(
        &file,
        NodeConfig {
            upgrade_policy: UpgradePolicy::Restart,
            ..config()
        },
    );
    let me = node.spawn_native("test").expect("native");
    let spec = counter_under_a_supervisor();
    let sup = node.start_supervisor(spec, Some(me.pid())).expect("sup");
    eventually("the child registers", || node.whereis("c").is_some()).await;
    let first = node.whereis("c").expect("registered");
    put(&file, "counter");
    let record = reload(&node, &file).await;
    assert_eq!(record.restarted, 1, "{record:?}");
    eventually("restarted under the same name", || {
        node.whereis("c").is_some_and(|p| p != first)
    })
    .await;
    let again = node.whereis("c").unwrap_or_else(|| {
        panic!(
            "registered; sup alive {:?}, first {:?}",
            node.process(sup).map(|p| p.is_alive()),
            node.exit_record(first).map(|r| r.reason)
        )
    });
    let state = call(&me, again, json!("get")).await;
    assert_eq!(state["version"], 1, "the new code: {state}");
    assert!(node.process(sup).is_some_and(|p| p.is_alive()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watcher_makes_one_version_per_save_whatever_the_write_pattern() {
    let (dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    let mut events = node.subscribe();
    let _watcher = node
        .watch(std::slice::from_ref(&dir), Duration::from_millis(100))
        .expect("watch");
    let v1 = std::fs::read(module_path("counter")).expect("read");
    let v2 = std::fs::read(module_path("counter_v2")).expect("read");

    // Waits for the next swap (ignoring rejections of partial files) and returns it.
    async fn next_swap(events: &mut tokio::sync::broadcast::Receiver<NodeEvent>) -> SwapRecord {
        tokio::time::timeout(WAIT, async {
            loop {
                if let Ok(NodeEvent::Swap(r)) = events.recv().await {
                    return r;
                }
            }
        })
        .await
        .expect("a swap within the wait")
    }

    // 1. Truncate, then write in several pieces.
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&file).expect("truncate");
        for chunk in v2.chunks(v2.len() / 4 + 1) {
            f.write_all(chunk).expect("write");
            f.flush().expect("flush");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let r = next_swap(&mut events).await;
    assert_eq!(
        (r.to, r.cause.as_str(), r.upgraded),
        (2, "watch", 1),
        "{r:?}"
    );

    // 2. Write a temporary file, then rename it into place.
    let tmp = dir.join("counter.wasm.tmp");
    std::fs::write(&tmp, &v1).expect("write");
    std::fs::rename(&tmp, &file).expect("rename");
    let r = next_swap(&mut events).await;
    assert_eq!((r.to, r.upgraded), (3, 1), "{r:?}");

    // 3. Several complete writes in a row.
    for _ in 0..3 {
        std::fs::write(&file, &v2).expect("write");
    }
    let r = next_swap(&mut events).await;
    assert_eq!((r.to, r.upgraded), (4, 1), "{r:?}");

    // 4. Half a file that sits still long enough to be looked at, then the rest.
    std::fs::write(&file, &v1[..v1.len() / 2]).expect("write");
    let rejected = tokio::time::timeout(WAIT, async {
        loop {
            match events.recv().await {
                Ok(NodeEvent::SwapRejected { module, error }) => return (module, error),
                Ok(NodeEvent::Swap(r)) => panic!("a half-written file became {r:?}"),
                _ => {}
            }
        }
    })
    .await
    .expect("the half file is rejected");
    assert_eq!(rejected.0, "counter");
    assert!(
        rejected.1.contains("not a valid WebAssembly module"),
        "{}",
        rejected.1
    );
    std::fs::write(&file, &v1).expect("write");
    let r = next_swap(&mut events).await;
    assert_eq!((r.to, r.upgraded), (5, 1), "{r:?}");

    // Saving the same bytes again is no new version.
    std::fs::write(&file, &v1).expect("write");
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(current(&node, "counter"), 5);
    let versions = node
        .module_infos()
        .into_iter()
        .find(|m| m.name == "counter")
        .expect("info")
        .versions;
    assert_eq!(
        versions.len(),
        5,
        "exactly one version per save: {versions:?}"
    );
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(
        fields(&state, ["upgrades", "version"]),
        (json!(4), json!(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_processes_start_on_the_current_version_and_spawn_opts_are_kept() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    put(&file, "counter_v2");
    reload(&node, &file).await;
    let pid = node
        .spawn("counter", Vec::new(), SpawnOpts::default())
        .expect("spawn")
        .pid;
    assert_eq!(node.process(pid).expect("alive").version(), 2);
    assert_eq!(call(&me, pid, json!("get")).await["version"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_server_hibernates_and_wakes_with_its_state() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(
        &file,
        NodeConfig {
            hibernate_after: Some(Duration::from_millis(50)),
            ..config()
        },
    );
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    let proc = node.process(pid).expect("alive");
    for seq in 1..=5 {
        cast_inc(&me, pid, seq);
    }
    eventually("it hibernates", || proc.is_hibernating()).await;
    assert_eq!(proc.counters.memory.load(Ordering::Relaxed), 0);
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(state["count"], 5, "{state}");
    assert!(node.stats().hibernations.load(Ordering::Relaxed) >= 1);
    // An upgrade reaches a hibernating server too: it wakes straight into the new version.
    eventually("it hibernates again", || proc.is_hibernating()).await;
    put(&file, "counter_v2");
    let record = reload(&node, &file).await;
    assert_eq!(record.upgraded, 1, "{record:?}");
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(fields(&state, ["count", "version"]), (json!(5), json!(2)));
    assert_eq!(node.whereis("c"), Some(pid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_can_ask_to_hibernate_and_one_without_callbacks_cannot() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    cast_inc(&me, pid, 1);
    assert_eq!(call(&me, pid, json!("hibernate")).await, "ok");
    let proc = node.process(pid).expect("alive");
    eventually("it hibernates when asked", || proc.is_hibernating()).await;
    assert_eq!(call(&me, pid, json!("get")).await["count"], 1);

    let (_dir, file) = counter_dir("counter_plain");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    assert_eq!(call(&me, pid, json!("hibernate")).await, "ok");
    cast_inc(&me, pid, 1);
    assert_eq!(call(&me, pid, json!("get")).await["count"], 1);
    assert!(!node.process(pid).expect("alive").is_hibernating());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exit_reason_that_looks_like_an_upgrade_restart_still_counts() {
    let (_dir, file) = counter_dir("counter_plain");
    let node = node_at(&file, config());
    let me = node.spawn_native("test").expect("native");
    me.trap_exit(true);
    let spec = counter_under_a_supervisor();
    let sup = node.start_supervisor(spec, Some(me.pid())).expect("sup");
    eventually("the child registers", || node.whereis("c").is_some()).await;
    let child = node.whereis("c").expect("registered");
    // Only the node's own upgrade restarts are free; this one counts, and intensity 0
    // makes the supervisor give up.
    node.exit_signal(
        me.pid(),
        child,
        &ExitReason::custom("upgrade: restarting on counter v9 (no upgrade callbacks)"),
        false,
    )
    .expect("signal");
    assert_eq!(exit_from(&me, sup).await, ExitReason::Shutdown);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollbacks_in_a_burst_leave_every_process_on_the_current_version() {
    let (_dir, file) = counter_dir("counter");
    let node = node_at(&file, config());
    node.load_module_file(&module_path("probe")).expect("probe");
    let me = node.spawn_native("test").expect("native");
    let pid = spawn_counter(&me, "c");
    put(&file, "counter_v2");
    reload(&node, &file).await;
    let probe = Probe::spawn(&me, false, false);
    for _ in 0..5 {
        probe.start(&me, json!({"module_rollback": "counter"}));
    }
    for _ in 0..5 {
        probe.result(&me).await;
    }
    let now = current(&node, "counter");
    assert_eq!(now, 1, "five flips from v2 end on v1");
    eventually("the server follows the latest version", || {
        node.process(pid).is_some_and(|p| p.version() == now)
    })
    .await;
    let state = call(&me, pid, json!("get")).await;
    assert_eq!(state["version"], json!(now));
}
