//! Application manifests (`hatchery.toml`): where the modules are, per-process limits, and
//! the supervision tree. Every error names the file, the line and the key, and is found
//! before anything starts.
//!
//! ```toml
//! [application]
//! name = "kv_app"
//! modules = "../../modules/target/wasm32-wasip1/release"   # relative to this file; or a
//!                                                           # list of folders
//! root = "main"                                             # the top supervisor
//! load = ["kv_client"]     # modules the workers spawn; with the workers' modules, the only
//!                          # ones the node loads
//!
//! [limits]                 # optional; the node's defaults otherwise
//! max_memory_mib = 16
//! hibernate_after_ms = 5000  # hibernate idle servers that have upgrade callbacks
//! callback_cpu_limit_ms = 5000  # one callback's CPU before `limit: cpu`; 0: no cap
//! upgrade_policy = "keep"  # or "restart": servers without upgrade callbacks on a new version
//!
//! [cluster]                # optional: join a cluster (flags of the same names win)
//! node = "a"               # this node's name (`--node`)
//! name = "demo"            # the cluster (`--cluster`)
//! nats = "auto"            # the NATS server (`--nats`), or auto
//! net_ticktime_ms = 1000   # a silent node is down after this long
//!
//! [modules.py_worker]      # optional, per module
//! max_memory_mib = 64      # its processes' memory cap (Python needs more than 16)
//!
//! [supervisor.main]
//! strategy = "one_for_one" # or one_for_all, rest_for_one
//! intensity = 5            # most restarts ...
//! period_ms = 1000         # ... within this window
//!
//! [[supervisor.main.child]]
//! id = "kv"
//! module = "kv"
//! args = { name = "kv" }   # any TOML value, passed to the child as JSON
//! restart = "permanent"    # or transient, temporary
//! shutdown = 500           # ms, or "brutal_kill", "infinity"
//! # What WASI grants this child (nothing by default); folders are relative to this file.
//! wasi = { env = { LANG = "C" }, dirs = [{ host = "data", guest = "/data", writable = false }] }
//! max_memory_mib = 32      # this child's memory cap, over its module's
//! callback_cpu_limit_ms = 60000  # this child's cap on one callback's CPU; 0: no cap
//! # What it may do beyond its own subtree (none of these by default; what it spawns has
//! # the same): change supervisors, roll modules back, send exit signals to processes it
//! # has no link, monitor or subtree in common with; and the modules it may spawn and the
//! # prefix of the names it may register (any by default).
//! grants = { supervise = false, rollback = false, signal_any = false, spawn = ["kv"], names = "kv" }
//!
//! [[supervisor.main.child]]
//! id = "workers"
//! supervisor = "workers"   # a nested supervisor, defined as [supervisor.workers]
//! ```

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{MailboxOverflow, NodeConfig};
use crate::supervisor::{ChildSpec, ChildStart, Restart, Shutdown, Strategy, SupervisorSpec};

/// A manifest error: the file, the line, the key, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: `{key}`: {message}")]
pub struct ManifestError {
    /// The manifest file.
    pub file: String,
    /// The 1-based line.
    pub line: usize,
    /// The key, as a dotted path.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// A checked manifest, ready to start.
#[derive(Debug, Clone)]
pub struct Application {
    /// The application's name.
    pub name: String,
    /// The folders of its modules.
    pub modules: Vec<PathBuf>,
    /// Memory caps by module name, from `[modules.<name>]`, in bytes.
    pub module_memory: BTreeMap<String, usize>,
    /// The largest memory cap a child of the tree asks for, in bytes.
    pub largest_child_memory: Option<usize>,
    /// The modules the application uses: those of its workers and those `load` names
    /// (what the workers spawn), sorted.
    pub uses: Vec<String>,
    /// Node limits from `[limits]`, applied over `NodeConfig`'s defaults.
    pub limits: Limits,
    /// `[cluster]`: the cluster to join, unless the command line says otherwise.
    pub cluster: Option<ClusterTable>,
    /// The root supervisor.
    pub root: SupervisorSpec,
}

/// `[cluster]`. The cookie is not here: it is a secret (`--cookie`, `HATCHERY_COOKIE` or
/// `~/.hatchery/cookie`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterTable {
    /// This node's name.
    pub node: Option<String>,
    /// The cluster's name.
    pub name: Option<String>,
    /// The NATS server's URL, or `auto`.
    pub nats: Option<String>,
    /// Erlang's `net_ticktime`, in milliseconds.
    pub net_ticktime_ms: Option<u64>,
}

/// `[limits]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Most processes alive at once.
    pub max_processes: Option<u32>,
    /// Most linear memory per process, in MiB.
    pub max_memory_mib: Option<usize>,
    /// Most messages per mailbox.
    pub mailbox_max_messages: Option<usize>,
    /// `exit` or `drop`.
    pub mailbox_overflow: Option<String>,
    /// Hibernate servers with upgrade callbacks after this long without a message.
    pub hibernate_after_ms: Option<u64>,
    /// The most CPU one behaviour callback may use before its process ends with
    /// `limit: cpu`, in milliseconds; 0: no cap.
    pub callback_cpu_limit_ms: Option<u64>,
    /// `keep` or `restart`: what a new module version does to servers without upgrade
    /// callbacks.
    pub upgrade_policy: Option<String>,
    /// The linear memory of all processes together, in MiB; 0: no budget.
    pub memory_budget_mib: Option<usize>,
    /// The bytes in all mailboxes together, in MiB.
    pub mailbox_budget_mib: Option<usize>,
    /// The most processes one subtree may have alive.
    pub subtree_max_processes: Option<u32>,
    /// The most links one process may hold.
    pub max_links: Option<usize>,
    /// The most monitors one process may hold.
    pub max_monitors: Option<usize>,
    /// The most pending timers aimed at one process.
    pub max_timers: Option<usize>,
    /// The most forged pids the processes of one subtree may present.
    pub max_forged_pids: Option<u32>,
    /// Output lines one process may write per second.
    pub output_lines_per_sec: Option<u32>,
    /// Output bytes one process may write per second.
    pub output_bytes_per_sec: Option<u32>,
}

impl Limits {
    /// `config` with these limits applied.
    pub fn apply(&self, mut config: NodeConfig) -> NodeConfig {
        if let Some(n) = self.max_processes {
            config.max_processes = n;
        }
        if let Some(m) = self.max_memory_mib {
            config.max_memory_bytes = m << 20;
        }
        if let Some(ms) = self.hibernate_after_ms {
            config.hibernate_after = Some(std::time::Duration::from_millis(ms));
        }
        if let Some(ms) = self.callback_cpu_limit_ms {
            config.callback_cpu_limit = (ms > 0).then(|| std::time::Duration::from_millis(ms));
        }
        if let Some(p) = self
            .upgrade_policy
            .as_deref()
            .and_then(|p| p.parse::<crate::config::UpgradePolicy>().ok())
        {
            config.upgrade_policy = p;
        }
        if let Some(n) = self.mailbox_max_messages {
            config.mailbox_max_messages = n;
        }
        if let Some(o) = self
            .mailbox_overflow
            .as_deref()
            .and_then(|o| o.parse::<MailboxOverflow>().ok())
        {
            config.mailbox_overflow = o;
        }
        let b = &mut config.budgets;
        if let Some(m) = self.memory_budget_mib {
            b.guest_memory = (m > 0).then_some(m << 20);
        }
        if let Some(m) = self.mailbox_budget_mib {
            b.mailbox_bytes = m << 20;
        }
        b.subtree_processes = self.subtree_max_processes.or(b.subtree_processes);
        b.links = self.max_links.unwrap_or(b.links);
        b.monitors = self.max_monitors.unwrap_or(b.monitors);
        b.timers = self.max_timers.unwrap_or(b.timers);
        b.forged_pids = self.max_forged_pids.unwrap_or(b.forged_pids);
        b.output_lines_per_sec = self.output_lines_per_sec.unwrap_or(b.output_lines_per_sec);
        b.output_bytes_per_sec = self.output_bytes_per_sec.unwrap_or(b.output_bytes_per_sec);
        config
    }
}

impl Application {
    /// `config` with the manifest's limits and memory caps applied.
    pub fn config(&self, config: NodeConfig) -> NodeConfig {
        let mut config = self.limits.apply(config);
        config.module_memory.extend(self.module_memory.clone());
        config.memory_reservation = config.memory_reservation.max(self.largest_child_memory);
        config
    }
}

/// The largest memory cap a manifest may set, in MiB: a 32-bit Wasm memory is at most 4 GiB.
const MAX_MEMORY_MIB: usize = 4096;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    application: RawApp,
    #[serde(default)]
    limits: Option<Spanned<Limits>>,
    #[serde(default)]
    cluster: Option<ClusterTable>,
    #[serde(default)]
    modules: BTreeMap<String, Spanned<RawModule>>,
    #[serde(default)]
    supervisor: BTreeMap<String, Spanned<RawSupervisor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: String,
    #[serde(default)]
    modules: Option<Spanned<Folders>>,
    root: Spanned<String>,
    #[serde(default)]
    load: Vec<Spanned<String>>,
}

/// One modules folder, or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum Folders {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    #[serde(default)]
    max_memory_mib: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSupervisor {
    strategy: Spanned<String>,
    #[serde(default = "default_intensity")]
    intensity: u32,
    #[serde(default = "default_period")]
    period_ms: u64,
    #[serde(default)]
    child: Vec<RawChild>,
}

fn default_intensity() -> u32 {
    1
}

fn default_period() -> u64 {
    5000
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChild {
    id: Spanned<String>,
    #[serde(default)]
    module: Option<Spanned<String>>,
    #[serde(default)]
    supervisor: Option<Spanned<String>>,
    #[serde(default)]
    args: Option<toml::Value>,
    #[serde(default)]
    restart: Option<Spanned<String>>,
    #[serde(default)]
    shutdown: Option<Spanned<toml::Value>>,
    #[serde(default)]
    wasi: Option<Spanned<RawWasi>>,
    #[serde(default)]
    max_memory_mib: Option<Spanned<usize>>,
    #[serde(default)]
    callback_cpu_limit_ms: Option<u64>,
    #[serde(default)]
    grants: Option<Spanned<RawGrants>>,
}

/// `grants = { supervise = true, rollback = true, signal_any = true, spawn = [..], names = ".." }`:
/// what a child may do beyond its subtree (`Grants::child` when absent).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGrants {
    #[serde(default)]
    supervise: bool,
    #[serde(default)]
    rollback: bool,
    #[serde(default)]
    signal_any: bool,
    #[serde(default)]
    spawn: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    names: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWasi {
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    dirs: Vec<Spanned<RawDir>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDir {
    host: String,
    guest: String,
    #[serde(default)]
    writable: bool,
}

struct Ctx<'a> {
    base: &'a Path,
    file: String,
    text: &'a str,
    raw: &'a Raw,
    modules: &'a dyn Fn(&str) -> bool,
}

impl Ctx<'_> {
    /// A child's `grants`, with every module it may spawn known.
    fn child_grants(
        &self,
        g: &RawGrants,
        ckey: &str,
    ) -> Result<crate::config::Grants, ManifestError> {
        let spawn = match &g.spawn {
            None => None,
            Some(list) => {
                for (j, m) in list.iter().enumerate() {
                    if !(self.modules)(m.get_ref()) {
                        return Err(self.err(
                            m.span(),
                            format!("{ckey}.grants.spawn[{j}]"),
                            format!("unknown module `{}`", m.get_ref()),
                        ));
                    }
                }
                Some(list.iter().map(|m| m.get_ref().clone()).collect())
            }
        };
        Ok(crate::config::Grants {
            supervise: g.supervise,
            rollback: g.rollback,
            signal_any: g.signal_any,
            spawn,
            names: g.names.clone(),
        })
    }

    fn err(
        &self,
        span: std::ops::Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ManifestError {
        let line = self.text[..span.start.min(self.text.len())]
            .matches('\n')
            .count()
            + 1;
        ManifestError {
            file: self.file.clone(),
            line,
            key: key.into(),
            message: message.into(),
        }
    }

    /// A memory cap in MiB, as bytes.
    fn memory_mib(
        &self,
        mib: &usize,
        span: std::ops::Range<usize>,
        key: &str,
    ) -> Result<usize, ManifestError> {
        if *mib == 0 || *mib > MAX_MEMORY_MIB {
            return Err(self.err(
                span,
                key,
                format!("expected 1 to {MAX_MEMORY_MIB} (a 32-bit Wasm memory is at most 4 GiB)"),
            ));
        }
        Ok(mib << 20)
    }

    /// A child's WASI grants; granted folders must exist (relative to the manifest).
    fn grants(
        &self,
        w: &Spanned<RawWasi>,
        ckey: &str,
    ) -> Result<crate::config::WasiGrants, ManifestError> {
        let mut dirs = Vec::new();
        for (j, d) in w.get_ref().dirs.iter().enumerate() {
            let host = self.base.join(&d.get_ref().host);
            if !host.is_dir() {
                return Err(self.err(
                    d.span(),
                    format!("{ckey}.wasi.dirs[{j}].host"),
                    format!("{} is not a folder", host.display()),
                ));
            }
            dirs.push(crate::config::DirGrant {
                host,
                guest: d.get_ref().guest.clone(),
                writable: d.get_ref().writable,
            });
        }
        let env = w
            .get_ref()
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(crate::config::WasiGrants { env, dirs })
    }

    fn supervisor(
        &self,
        name: &str,
        path: &mut Vec<String>,
    ) -> Result<SupervisorSpec, ManifestError> {
        let Some(sup) = self.raw.supervisor.get(name) else {
            return Err(ManifestError {
                file: self.file.clone(),
                line: 1,
                key: format!("supervisor.{name}"),
                message: "no such supervisor".into(),
            });
        };
        let key = format!("supervisor.{name}");
        let strategy = match sup.get_ref().strategy.get_ref().as_str() {
            "one_for_one" => Strategy::OneForOne,
            "one_for_all" => Strategy::OneForAll,
            "rest_for_one" => Strategy::RestForOne,
            other => {
                return Err(self.err(
                    sup.get_ref().strategy.span(),
                    format!("{key}.strategy"),
                    format!("unknown strategy `{other}` (expected one_for_one, one_for_all or rest_for_one)"),
                ));
            }
        };
        if sup.get_ref().period_ms == 0 {
            return Err(self.err(
                sup.span(),
                format!("{key}.period_ms"),
                "the restart period must be above 0 ms",
            ));
        }
        path.push(name.to_string());
        let mut ids = HashSet::new();
        let mut children = Vec::new();
        for (i, c) in sup.get_ref().child.iter().enumerate() {
            let ckey = format!("{key}.child[{i}]");
            if !ids.insert(c.id.get_ref().clone()) {
                return Err(self.err(
                    c.id.span(),
                    format!("{ckey}.id"),
                    format!("duplicate child id `{}`", c.id.get_ref()),
                ));
            }
            let start = match (&c.module, &c.supervisor) {
                (Some(m), None) => {
                    if !(self.modules)(m.get_ref()) {
                        return Err(self.err(
                            m.span(),
                            format!("{ckey}.module"),
                            format!("unknown module `{}`", m.get_ref()),
                        ));
                    }
                    let args = match &c.args {
                        None => Vec::new(),
                        Some(v) => serde_json::to_vec(v).map_err(|e| {
                            self.err(c.id.span(), format!("{ckey}.args"), e.to_string())
                        })?,
                    };
                    let wasi = match &c.wasi {
                        None => None,
                        Some(w) => Some(std::sync::Arc::new(self.grants(w, &ckey)?)),
                    };
                    let max_memory = match &c.max_memory_mib {
                        None => None,
                        Some(mib) => Some(self.memory_mib(
                            mib.get_ref(),
                            mib.span(),
                            &format!("{ckey}.max_memory_mib"),
                        )?),
                    };
                    let grants = match &c.grants {
                        None => crate::config::Grants::child(),
                        Some(g) => self.child_grants(g.get_ref(), &ckey)?,
                    };
                    ChildStart::Worker {
                        module: m.get_ref().clone(),
                        args,
                        wasi,
                        max_memory,
                        callback_cpu_limit: c.callback_cpu_limit_ms.map(Duration::from_millis),
                        grants: Some(std::sync::Arc::new(grants)),
                        subtree: None,
                    }
                }
                (None, Some(s)) => {
                    if path.contains(s.get_ref()) {
                        return Err(self.err(
                            s.span(),
                            format!("{ckey}.supervisor"),
                            format!(
                                "the tree is cyclic: {} -> {}",
                                path.join(" -> "),
                                s.get_ref()
                            ),
                        ));
                    }
                    if !self.raw.supervisor.contains_key(s.get_ref()) {
                        return Err(self.err(
                            s.span(),
                            format!("{ckey}.supervisor"),
                            format!("no [supervisor.{}] table", s.get_ref()),
                        ));
                    }
                    ChildStart::Supervisor(self.supervisor(s.get_ref(), path)?)
                }
                _ => {
                    return Err(self.err(
                        c.id.span(),
                        ckey,
                        "a child needs exactly one of `module` or `supervisor`",
                    ));
                }
            };
            let restart = match c.restart.as_ref().map(|r| (r.get_ref().as_str(), r.span())) {
                None | Some(("permanent", _)) => Restart::Permanent,
                Some(("transient", _)) => Restart::Transient,
                Some(("temporary", _)) => Restart::Temporary,
                Some((other, span)) => {
                    return Err(self.err(
                        span,
                        format!("{ckey}.restart"),
                        format!(
                            "unknown restart `{other}` (expected permanent, transient or temporary)"
                        ),
                    ));
                }
            };
            let is_sup = matches!(start, ChildStart::Supervisor(_));
            let shutdown = match &c.shutdown {
                None if is_sup => Shutdown::Infinity,
                None => Shutdown::Timeout(Duration::from_millis(5000)),
                Some(s) => match s.get_ref() {
                    toml::Value::Integer(ms) if *ms >= 0 => {
                        Shutdown::Timeout(Duration::from_millis(*ms as u64))
                    }
                    toml::Value::String(b) if b == "brutal_kill" => Shutdown::BrutalKill,
                    toml::Value::String(i) if i == "infinity" => Shutdown::Infinity,
                    other => {
                        return Err(self.err(
                            s.span(),
                            format!("{ckey}.shutdown"),
                            format!("bad shutdown {other} (expected milliseconds, \"brutal_kill\" or \"infinity\")"),
                        ));
                    }
                },
            };
            children.push(ChildSpec {
                id: c.id.get_ref().clone(),
                start,
                restart,
                shutdown,
            });
        }
        path.pop();
        Ok(SupervisorSpec {
            strategy,
            intensity: sup.get_ref().intensity,
            period: Duration::from_millis(sup.get_ref().period_ms),
            children,
        })
    }
}

/// Reads and checks a manifest. `has_module` says whether a module name exists in the
/// manifest's module folder (so unknown modules are found before anything starts).
///
/// # Errors
///
/// A [`ManifestError`] naming the line and key of the first problem.
pub fn parse(
    path: &Path,
    text: &str,
    has_module: &dyn Fn(&str) -> bool,
) -> Result<Application, ManifestError> {
    let file = path.display().to_string();
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        let message = e.message().to_string();
        let key = e
            .span()
            .and_then(|s| text.get(s))
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty() && k.len() < 80 && !k.contains('\n'))
            .unwrap_or_else(|| "(document)".into());
        ManifestError {
            file: file.clone(),
            line,
            key,
            message,
        }
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    let ctx = Ctx {
        base,
        file: file.clone(),
        text,
        raw: &raw,
        modules: has_module,
    };
    let root = raw.application.root.get_ref();
    if !raw.supervisor.contains_key(root) {
        return Err(ctx.err(
            raw.application.root.span(),
            "application.root",
            format!("no [supervisor.{root}] table"),
        ));
    }
    if let Some(l) = &raw.limits {
        let bad = |what: &str, message: &str| {
            ctx.err(l.span(), format!("limits.{what}"), message.to_string())
        };
        if let Some(o) = &l.get_ref().mailbox_overflow
            && o.parse::<MailboxOverflow>().is_err()
        {
            return Err(bad("mailbox_overflow", "expected exit or drop"));
        }
        if let Some(p) = &l.get_ref().upgrade_policy
            && p.parse::<crate::config::UpgradePolicy>().is_err()
        {
            return Err(bad("upgrade_policy", "expected keep or restart"));
        }
        if l.get_ref().hibernate_after_ms == Some(0) {
            return Err(bad(
                "hibernate_after_ms",
                "expected at least 1 (ms of waiting before a server hibernates)",
            ));
        }
        if l.get_ref()
            .max_memory_mib
            .is_some_and(|m| m == 0 || m > MAX_MEMORY_MIB)
        {
            return Err(bad(
                "max_memory_mib",
                "expected 1 to 4096 (a 32-bit Wasm memory is at most 4 GiB)",
            ));
        }
    }
    let spec = ctx.supervisor(root, &mut Vec::new())?;
    let modules = match raw.application.modules.as_ref().map(Spanned::get_ref) {
        None => vec!["modules".to_string()],
        Some(Folders::One(f)) => vec![f.clone()],
        Some(Folders::Many(fs)) => fs.clone(),
    };
    if modules.is_empty() {
        let span = raw.application.modules.as_ref().map_or(0..0, Spanned::span);
        return Err(ctx.err(span, "application.modules", "name at least one folder"));
    }
    for m in &raw.application.load {
        if !has_module(m.get_ref()) {
            return Err(ctx.err(
                m.span(),
                "application.load",
                format!("unknown module `{}`", m.get_ref()),
            ));
        }
    }
    let mut uses: Vec<String> = raw
        .application
        .load
        .iter()
        .map(|m| m.get_ref().clone())
        .collect();
    workers(&spec, &mut uses);
    uses.sort();
    uses.dedup();
    let mut module_memory = BTreeMap::new();
    for (name, m) in &raw.modules {
        if !has_module(name) {
            return Err(ctx.err(
                m.span(),
                format!("modules.{name}"),
                format!("unknown module `{name}`"),
            ));
        }
        if let Some(mib) = &m.get_ref().max_memory_mib {
            let bytes = ctx.memory_mib(mib, m.span(), &format!("modules.{name}.max_memory_mib"))?;
            module_memory.insert(name.clone(), bytes);
        }
    }
    Ok(Application {
        name: raw.application.name.clone(),
        modules: modules.iter().map(|m| base.join(m)).collect(),
        module_memory,
        largest_child_memory: largest_child_memory(&spec),
        uses,
        limits: raw
            .limits
            .as_ref()
            .map(|l| l.get_ref().clone())
            .unwrap_or_default(),
        cluster: raw.cluster.clone(),
        root: spec,
    })
}

/// The largest `max_memory_mib` of any worker in the tree, in bytes.
fn largest_child_memory(spec: &SupervisorSpec) -> Option<usize> {
    spec.children
        .iter()
        .filter_map(|c| match &c.start {
            ChildStart::Worker { max_memory, .. } => *max_memory,
            ChildStart::Supervisor(s) => largest_child_memory(s),
        })
        .max()
}

/// The modules of every worker in the tree.
fn workers(spec: &SupervisorSpec, out: &mut Vec<String>) {
    for c in &spec.children {
        match &c.start {
            ChildStart::Worker { module, .. } => out.push(module.clone()),
            ChildStart::Supervisor(s) => workers(s, out),
        }
    }
}
