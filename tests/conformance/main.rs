//! The conformance suite: one harness, the same assertions for every guest language.
//!
//! For each language it loads that language's guests (modules/conformance/PROTOCOL.md)
//! into a node of its own, runs every feature of `features.rs` against them, and prints a
//! language × feature table (also written to `target/conformance.md`; each language is its
//! own test, `cargo nextest run --test conformance go`, and the table shows every language
//! run so far). A language whose
//! toolchain is missing here is shown as not built, with the command that installs it;
//! with `HATCHERY_STRICT_LANGUAGES=1` (as `scripts/test.sh` sets) that is a failure.
//! `HATCHERY_CONFORMANCE_LANGS=c,zig` runs only those languages.

mod driver;
mod features;

use std::path::PathBuf;
use std::time::Duration;

use hatchery::{ExitReason, NativeProcess, Node, NodeConfig, Pid};
use serde_json::{Value, json};

use driver::{Cmd, Reply};

/// A guest language and where its guests come from.
pub struct Lang {
    /// The suffix of its modules: `conf_<id>`, `conf_<id>_server`.
    pub id: &'static str,
    /// The name in the table.
    pub name: &'static str,
    /// Whether its guests are components (the `hatchery:process` WIT world).
    pub component: bool,
    /// Its memory cap, when the default 16 MiB is not enough.
    pub memory_mib: Option<usize>,
    /// How to get the toolchain, for the "not built" cell.
    pub install: &'static str,
}

/// Every language of the suite, in table order.
pub const LANGS: &[Lang] = &[
    Lang {
        id: "rust",
        name: "Rust",
        component: false,
        memory_mib: None,
        install: "rustup target add wasm32-wasip1",
    },
    Lang {
        id: "wat",
        name: "WAT",
        component: false,
        memory_mib: None,
        install: "(none: the host reads .wat)",
    },
    Lang {
        id: "c",
        name: "C",
        component: false,
        memory_mib: None,
        install: "./scripts/toolchains.sh c",
    },
    Lang {
        id: "zig",
        name: "Zig",
        component: false,
        memory_mib: None,
        install: "./scripts/toolchains.sh zig",
    },
    Lang {
        id: "as",
        name: "AssemblyScript",
        component: false,
        memory_mib: None,
        install: "./scripts/toolchains.sh assemblyscript",
    },
    Lang {
        id: "go",
        name: "Go",
        component: false,
        memory_mib: None,
        install: "./scripts/toolchains.sh go",
    },
    Lang {
        id: "js",
        name: "JavaScript",
        component: true,
        memory_mib: None,
        install: "./scripts/toolchains.sh js",
    },
    Lang {
        id: "py",
        name: "Python",
        component: true,
        memory_mib: Some(64),
        install: "./scripts/toolchains.sh python",
    },
];

impl Lang {
    /// The built file of a module, wherever this language's builds go.
    pub fn file(&self, module: &str) -> Option<PathBuf> {
        let dirs = [
            PathBuf::from(env!("HATCHERY_MODULES_DIR")),
            PathBuf::from(env!("HATCHERY_GUESTS_DIR")),
            PathBuf::from(env!("HATCHERY_ROOT")).join("modules/conformance/wat"),
        ];
        dirs.iter()
            .flat_map(|d| {
                [
                    d.join(format!("{module}.wasm")),
                    d.join(format!("{module}.wat")),
                ]
            })
            .find(|p| p.is_file())
    }

    /// Why a feature does not apply to this language, if it does not.
    fn not_applicable(&self, feature: &str) -> Option<&'static str> {
        match feature {
            "bad_pointer" if self.component => Some(
                "a component passes values, not pointers: the canonical ABI copies them in and out",
            ),
            _ => None,
        }
    }
}

/// One feature's run on one language's node: a harness process of its own, and helpers.
pub struct Ctx {
    pub node: Node,
    pub lang: &'static Lang,
    pub me: NativeProcess,
    pub dir: PathBuf,
    feature: &'static str,
    names: std::sync::atomic::AtomicU32,
}

impl Ctx {
    /// The command interpreter's module name.
    pub fn module(&self) -> String {
        format!("conf_{}", self.lang.id)
    }

    /// The counter server's module name.
    pub fn server_module(&self) -> String {
        format!("conf_{}_server", self.lang.id)
    }

    /// A name unique to this language and feature.
    pub fn name(&self, what: &str) -> String {
        let n = self
            .names
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}_{}_{what}{n}", self.lang.id, self.feature)
    }

    /// Spawns a command interpreter with these argument bytes.
    pub fn guest(&self, args: &[u8]) -> Result<Pid, String> {
        let s = self
            .me
            .spawn(&self.module(), args.to_vec(), false, true)
            .map_err(|e| format!("spawning {}: {e}", self.module()))?;
        Ok(s.pid)
    }

    /// Monitors a guest a guest spawned, so that waiting on it notices its end.
    pub fn adopt(&self, pid: Pid) -> Pid {
        self.me.monitor(pid);
        pid
    }

    /// Spawns a behaviour module.
    pub fn server(&self, module: &str) -> Result<Pid, String> {
        let s = self
            .me
            .spawn(module, Vec::new(), false, true)
            .map_err(|e| format!("spawning {module}: {e}"))?;
        Ok(s.pid)
    }

    pub fn start(&self, guest: Pid, cmd: Cmd) {
        driver::start(&self.me, guest, &cmd);
    }

    pub async fn reply(&self, guest: Pid, op: u8) -> Result<Reply, String> {
        driver::reply(&self.me, guest, op).await
    }

    pub async fn reply_within(
        &self,
        guest: Pid,
        op: u8,
        wait: Duration,
    ) -> Result<Option<Reply>, String> {
        driver::reply_within(&self.me, guest, op, wait).await
    }

    pub async fn run(&self, guest: Pid, cmd: Cmd) -> Result<Reply, String> {
        driver::run(&self.me, guest, cmd).await
    }

    /// The next user message from `pid` that is not a protocol reply.
    pub async fn user_from(&self, pid: Pid) -> Result<Vec<u8>, String> {
        self.me
            .recv_match(Some(driver::REPLY_WAIT), |m| {
                (m.kind == hatchery::MessageKind::User
                    && m.sender == pid
                    && m.data.first() != Some(&0xC1))
                .then(|| m.data.to_vec())
            })
            .await
            .map_err(|e| format!("{e:?}"))?
            .ok_or_else(|| format!("no message from {pid}"))
    }

    /// Waits for `pid` to end and returns its reason.
    pub async fn ended(&self, pid: Pid) -> Result<ExitReason, String> {
        let deadline = std::time::Instant::now() + driver::REPLY_WAIT;
        loop {
            if let Some(r) = self.node.exit_record(pid) {
                return Ok(r.reason);
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("{pid} did not end within {:?}", driver::REPLY_WAIT));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// The pid of a guest that has ended.
    pub async fn dead_pid(&self) -> Result<Pid, String> {
        let g = self.guest(b"")?;
        self.start(g, Cmd::new(driver::op::EXIT).a(0));
        self.ended(g).await?;
        Ok(g)
    }

    pub fn process_alive(&self, pid: Pid) -> bool {
        self.node.process(pid).is_some()
    }

    /// A gen_server call from the harness (the protocol of ABI.md, "Calls and casts").
    pub async fn call(&self, server: Pid, req: Value) -> Result<Value, String> {
        let r = self.node.make_ref();
        self.me
            .send_json(server, &json!({"$call": {"ref": r, "req": req}}));
        let reply = self
            .me
            .recv_match(Some(driver::REPLY_WAIT), |m| {
                let v: Value = serde_json::from_slice(&m.data).ok()?;
                (m.sender == server && v["$reply"]["ref"] == json!(r))
                    .then(|| v["$reply"]["value"].clone())
            })
            .await
            .map_err(|e| format!("{e:?}"))?;
        match reply {
            Some(v) => Ok(v),
            None => Err(match self.node.exit_record(server) {
                Some(rec) => format!("the server ended: {}", rec.reason),
                None => format!("no reply to {req} within {:?}", driver::REPLY_WAIT),
            }),
        }
    }

    pub fn cast(&self, server: Pid, msg: Value) {
        self.me.send_json(server, &json!({ "$cast": msg }));
    }
}

/// One cell of the table.
#[derive(Clone, Debug)]
enum Cell {
    Pass,
    Fail(String),
    NotApplicable(String),
    NotBuilt(String),
}

impl Cell {
    fn mark(&self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Fail(_) => "FAIL",
            Cell::NotApplicable(_) => "n/a",
            Cell::NotBuilt(_) => "not built",
        }
    }
}

fn config(lang: &Lang) -> NodeConfig {
    let mut c = NodeConfig {
        max_processes: 2_000,
        // Go, Python and JavaScript guests take seconds to compile; once is enough.
        compile_cache: Some(PathBuf::from(env!("HATCHERY_ROOT")).join("target/compile-cache")),
        ..NodeConfig::default()
    };
    if let Some(m) = lang.memory_mib {
        c.max_memory_bytes = m << 20;
    }
    c
}

/// Runs every feature for one language; one cell per feature.
async fn run_lang(lang: &'static Lang) -> Vec<Cell> {
    let modules = [
        format!("conf_{}", lang.id),
        format!("conf_{}_server", lang.id),
    ];
    let missing: Vec<&String> = modules.iter().filter(|m| lang.file(m).is_none()).collect();
    if !missing.is_empty() {
        let why = format!(
            "{} not built; install the toolchain: {}",
            missing[0], lang.install
        );
        return features::FEATURES
            .iter()
            .map(|_| Cell::NotBuilt(why.clone()))
            .collect();
    }
    let node = match Node::new(config(lang)) {
        Ok(n) => n,
        Err(e) => {
            return features::FEATURES
                .iter()
                .map(|_| Cell::Fail(format!("node: {e:#}")))
                .collect();
        }
    };
    for m in &modules {
        let path = lang.file(m).expect("checked above");
        if let Err(e) = node.load_module_file(&path) {
            let why = format!("loading {}: {e}", path.display());
            return features::FEATURES
                .iter()
                .map(|_| Cell::Fail(why.clone()))
                .collect();
        }
    }
    let dir = hatchery_tests::temp_dir(&format!("conformance-{}", lang.id));
    let runs = features::FEATURES.iter().map(|&(feature, _)| {
        let node = node.clone();
        let dir = dir.clone();
        async move {
            if let Some(why) = lang.not_applicable(feature) {
                return Cell::NotApplicable(why.to_string());
            }
            let me = match node.spawn_native(&format!("conformance:{}:{feature}", lang.id)) {
                Ok(me) => me,
                Err(e) => return Cell::Fail(format!("harness process: {e}")),
            };
            let ctx = Ctx {
                node,
                lang,
                me,
                dir,
                feature,
                names: Default::default(),
            };
            match tokio::time::timeout(Duration::from_secs(120), features::run(&ctx, feature)).await
            {
                Ok(Ok(())) => Cell::Pass,
                Ok(Err(e)) => Cell::Fail(e),
                Err(_) => Cell::Fail("did not finish within 120 s".into()),
            }
        }
    });
    let cells = futures_join_all(runs).await;
    node.shutdown(Duration::from_secs(5)).await;
    cells
}

/// Runs futures concurrently and keeps their order.
async fn futures_join_all<F: std::future::Future<Output = Cell> + Send + 'static>(
    futs: impl Iterator<Item = F>,
) -> Vec<Cell> {
    let handles: Vec<_> = futs.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(
            h.await
                .unwrap_or_else(|e| Cell::Fail(format!("the check panicked: {e}"))),
        );
    }
    out
}

/// The table as Markdown, with the reasons under it.
/// The table as Markdown, one row per feature and one column per language, with what
/// each feature checks and the reasons for every cell that is not a pass under it.
fn render(rows: &[(&Lang, Vec<Cell>)]) -> String {
    let mut out = String::from("| feature |");
    for (lang, _) in rows {
        out.push_str(&format!(" {} |", lang.name));
    }
    out.push_str(" what is checked |\n|---|");
    out.push_str(&"---|".repeat(rows.len() + 1));
    out.push('\n');
    for (i, (feature, what)) in features::FEATURES.iter().enumerate() {
        out.push_str(&format!("| {feature} |"));
        for (_, cells) in rows {
            let mark = cells.get(i).map_or("–", Cell::mark);
            out.push_str(&format!(" {mark} |"));
        }
        out.push_str(&format!(" {what} |\n"));
    }
    // One note per language and reason, naming the features it applies to.
    let mut notes: Vec<(String, String, Vec<&str>)> = Vec::new();
    for (lang, cells) in rows {
        for (cell, (f, _)) in cells.iter().zip(features::FEATURES) {
            let why = match cell {
                Cell::Pass => continue,
                Cell::Fail(why) | Cell::NotApplicable(why) | Cell::NotBuilt(why) => {
                    format!("{} ({why})", cell.mark())
                }
            };
            match notes
                .iter_mut()
                .find(|(l, w, _)| l == lang.name && *w == why)
            {
                Some((_, _, fs)) => fs.push(f),
                None => notes.push((lang.name.to_string(), why, vec![f])),
            }
        }
    }
    let notes: Vec<String> = notes
        .into_iter()
        .map(|(lang, why, fs)| {
            let which = if fs.len() == features::FEATURES.len() {
                "every feature".to_string()
            } else {
                fs.iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!("- {lang}, {which}: {why}")
        })
        .collect();
    if !notes.is_empty() {
        out.push('\n');
        out.push_str(&notes.join("\n"));
        out.push('\n');
    }
    out
}

impl Cell {
    fn to_json(&self) -> Value {
        let (mark, why) = match self {
            Cell::Pass => ("pass", ""),
            Cell::Fail(w) => ("fail", w.as_str()),
            Cell::NotApplicable(w) => ("n/a", w.as_str()),
            Cell::NotBuilt(w) => ("not built", w.as_str()),
        };
        json!({"mark": mark, "why": why})
    }

    fn from_json(v: &Value) -> Cell {
        let why = v["why"].as_str().unwrap_or_default().to_string();
        match v["mark"].as_str() {
            Some("pass") => Cell::Pass,
            Some("n/a") => Cell::NotApplicable(why),
            Some("not built") => Cell::NotBuilt(why),
            _ => Cell::Fail(why),
        }
    }
}

/// Where each language's row is kept, so that the table shows every language run so far.
fn rows_dir() -> PathBuf {
    PathBuf::from(env!("HATCHERY_ROOT")).join("target/conformance")
}

/// Runs one language's row, saves it, prints and writes the table of every saved row
/// (`target/conformance.md`), and fails on a failed cell (or, strict, a language not built).
async fn conformance(id: &str) {
    // `as` is a Rust keyword: its test is `as_`.
    let id = id.trim_end_matches('_');
    let only: Option<Vec<String>> = std::env::var("HATCHERY_CONFORMANCE_LANGS")
        .ok()
        .map(|s| s.split(',').map(|l| l.trim().to_string()).collect());
    if only.as_ref().is_some_and(|o| !o.iter().any(|x| x == id)) {
        return;
    }
    let strict = std::env::var("HATCHERY_STRICT_LANGUAGES").is_ok_and(|v| v == "1");
    let lang = LANGS
        .iter()
        .find(|l| l.id == id)
        .expect("a language of LANGS");
    let cells = run_lang(lang).await;
    let dir = rows_dir();
    let _ = std::fs::create_dir_all(&dir);
    let saved = Value::Array(cells.iter().map(Cell::to_json).collect());
    let _ = std::fs::write(dir.join(format!("{id}.json")), saved.to_string());
    let rows: Vec<(&Lang, Vec<Cell>)> = LANGS
        .iter()
        .filter_map(|l| {
            let text = std::fs::read_to_string(dir.join(format!("{}.json", l.id))).ok()?;
            let v: Value = serde_json::from_str(&text).ok()?;
            Some((l, v.as_array()?.iter().map(Cell::from_json).collect()))
        })
        .collect();
    let table = render(&rows);
    println!("{table}");
    let _ = std::fs::write(
        PathBuf::from(env!("HATCHERY_ROOT")).join("target/conformance.md"),
        &table,
    );
    let mine = render(&[(lang, cells.clone())]);
    let failed = cells
        .iter()
        .any(|c| matches!(c, Cell::Fail(_)) || (strict && matches!(c, Cell::NotBuilt(_))));
    assert!(
        !failed,
        "{} fails the conformance suite:\n{mine}",
        lang.name
    );
}

macro_rules! languages {
    ($($id:ident),*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $id() {
            conformance(stringify!($id)).await;
        }
    )*};
}

languages!(rust, wat, c, zig, as_, go, js, py);
