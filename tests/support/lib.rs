//! Helpers shared by the integration tests: a node with real modules, a probe driver, and
//! waiting on conditions (never on fixed sleeps).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use hatchery::{ExitRecord, NativeProcess, Node, NodeConfig, Pid};
use serde_json::{Value, json};

/// Generous: tests must pass on a slow, noisy machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// Where the built guest modules are.
pub fn modules_dir() -> PathBuf {
    PathBuf::from(env!("HATCHERY_MODULES_DIR"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("HATCHERY_ROOT"))
}

/// A small config for tests; with `HATCHERY_TEST_SCHEDULERS=N` (`scripts/test.sh` runs the
/// suite once more with 0), the processes run on N schedulers instead of one per core.
pub fn config() -> NodeConfig {
    let mut config = NodeConfig {
        max_processes: 2_000,
        ..NodeConfig::default()
    };
    if let Some(n) = std::env::var("HATCHERY_TEST_SCHEDULERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.schedulers = n;
    }
    config
}

/// A node with the named modules from `modules/` loaded.
pub fn node_with(modules: &[&str]) -> Node {
    node_with_config(config(), modules)
}

/// A node with `config` and the named modules loaded.
pub fn node_with_config(config: NodeConfig, modules: &[&str]) -> Node {
    let node = Node::new(config).expect("node starts");
    for m in modules {
        let path = module_path(m);
        node.load_module_file(&path)
            .unwrap_or_else(|e| panic!("loading {m}: {e}"));
    }
    node
}

/// Where the guests in other languages are (scripts/guests.sh builds them).
pub fn guests_dir() -> PathBuf {
    PathBuf::from(env!("HATCHERY_GUESTS_DIR"))
}

/// Whether a guest in another language is built here; when it is not, `HATCHERY_STRICT_LANGUAGES=1`
/// (scripts/test.sh) makes that a failure, otherwise the caller skips with a note.
pub fn guest_built(name: &str) -> bool {
    if guests_dir().join(format!("{name}.wasm")).is_file() {
        return true;
    }
    assert!(
        std::env::var("HATCHERY_STRICT_LANGUAGES").as_deref() != Ok("1"),
        "{name} is not built: ./scripts/toolchains.sh && ./scripts/guests.sh"
    );
    eprintln!("skipped: {name} is not built here (./scripts/guests.sh builds it)");
    false
}

/// The path of a module: a built `.wasm` (Rust, or another language's guest), or a `.wat`
/// under `modules/`.
pub fn module_path(name: &str) -> PathBuf {
    for dir in [modules_dir(), guests_dir()] {
        let wasm = dir.join(format!("{name}.wasm"));
        if wasm.exists() {
            return wasm;
        }
    }
    let wat = root()
        .join("modules")
        .join(name)
        .join(format!("{}.wat", name.trim_end_matches("_wat")));
    if wat.exists() {
        return wat;
    }
    panic!(
        "no module {name} in {} or modules/{name}/",
        modules_dir().display()
    )
}

/// Polls `cond` until it holds or `WAIT` passes.
pub async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Waits for a process to be gone and returns what the node recorded of its exit.
pub async fn exit_of(node: &hatchery::CoreNode, pid: Pid) -> ExitRecord {
    let mut rec = None;
    eventually(&format!("{pid} to exit"), || {
        rec = node.exit_record(pid);
        rec.is_some()
    })
    .await;
    rec.expect("set above")
}

/// The next JSON user message for `me` that `f` selects, or a panic after `WAIT`.
pub async fn recv_json_where(me: &NativeProcess, mut f: impl FnMut(&Value) -> bool) -> Value {
    me.recv_match(Some(WAIT), |m| {
        if m.kind != hatchery::MessageKind::User {
            return None;
        }
        let v: Value = serde_json::from_slice(&m.data).ok()?;
        f(&v).then_some(v)
    })
    .await
    .expect("the test process is alive")
    .expect("a matching message within the wait")
}

/// The reason in the next `DOWN` message about `pid` (any pid when `None`).
pub async fn down_of(me: &NativeProcess, pid: Option<Pid>) -> hatchery::ExitReason {
    let m = me
        .recv_match(Some(WAIT), |m| {
            (m.kind == hatchery::MessageKind::Down && pid.is_none_or(|p| m.sender == p))
                .then(|| m.clone())
        })
        .await
        .expect("the test process is alive")
        .expect("a DOWN within the wait");
    m.reason().expect("a DOWN carries a reason")
}

/// The reason in the next `EXIT` message from `pid` (the test process must trap exits).
pub async fn exit_from(me: &NativeProcess, pid: Pid) -> hatchery::ExitReason {
    let m = me
        .recv_match(Some(WAIT), |m| {
            (m.kind == hatchery::MessageKind::Exit && m.sender == pid).then(|| m.clone())
        })
        .await
        .expect("the test process is alive")
        .expect("an EXIT within the wait");
    m.reason().expect("an EXIT carries a reason")
}

/// The pid of a process that has already exited (a `noop` child of `me`).
pub async fn dead_pid(me: &NativeProcess) -> Pid {
    let pid = me
        .spawn("noop", Vec::new(), false, false)
        .expect("spawn noop")
        .pid;
    exit_of(me.node(), pid).await;
    pid
}

/// A `probe` guest driven by a native test process (see modules/probe/README.md).
pub struct Probe {
    /// Its pid.
    pub pid: Pid,
}

impl Probe {
    /// Spawns a probe reporting to `me`, optionally linked and/or monitored.
    pub fn spawn(me: &NativeProcess, link: bool, monitor: bool) -> Probe {
        let args = json!({ "report_to": me.pid().as_u64() });
        let s = me
            .spawn_json("probe", &args, link, monitor)
            .expect("spawn probe");
        Probe { pid: s.pid }
    }

    /// Spawns a probe that runs `steps` first.
    pub fn spawn_with_steps(me: &NativeProcess, steps: Value) -> Probe {
        let args = json!({ "report_to": me.pid().as_u64(), "steps": steps });
        let s = me
            .spawn_json("probe", &args, false, false)
            .expect("spawn probe");
        Probe { pid: s.pid }
    }

    /// Sends a step without waiting for its result.
    pub fn start(&self, me: &NativeProcess, step: Value) {
        me.send_json(self.pid, &json!({ "do": step }));
    }

    /// Waits for the next result this probe reports.
    pub async fn result(&self, me: &NativeProcess) -> Value {
        let pid = self.pid.as_u64();
        let v = recv_json_where(me, |v| {
            v["probe"] == json!(pid) && v.get("result").is_some()
        })
        .await;
        v["result"].clone()
    }

    /// Runs a step and returns its result.
    pub async fn run(&self, me: &NativeProcess, step: Value) -> Value {
        self.start(me, step);
        self.result(me).await
    }
}

/// A fresh, empty folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("hatchery-{tag}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create a temp dir");
    d
}

/// The `hatchery` binary built beside the test executables.
pub fn hatchery_bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>/deps/..");
    let bin = dir.join("hatchery");
    assert!(
        bin.exists(),
        "{} is missing: build the workspace (cargo build --workspace)",
        bin.display()
    );
    bin
}

/// Writes a module file into `dir`.
pub fn write_module(dir: &std::path::Path, file: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, contents).expect("write module file");
    p
}

/// The next `NODEUP` or `NODEDOWN` message: its kind and node.
pub async fn node_event(me: &NativeProcess) -> (hatchery::MessageKind, String) {
    me.recv_match(Some(WAIT), |m| {
        matches!(
            m.kind,
            hatchery::MessageKind::NodeUp | hatchery::MessageKind::NodeDown
        )
        .then(|| (m.kind, String::from_utf8_lossy(&m.data).into_owned()))
    })
    .await
    .expect("alive")
    .expect("a node message within the wait")
}
