//! `GET /metrics`: the node's figures in Prometheus's text exposition format (0.0.4).
//!
//! Names follow Prometheus's conventions: the `hatchery_` prefix, base units (seconds,
//! bytes), `_total` on counters. Labels are bounded: `module` takes the loaded modules'
//! names (native processes count as `native`; past [`MAX_SERIES`] modules the rest as
//! `_other`), `supervisor` the path of child ids from a root supervisor (at most
//! [`MAX_SERIES`]), `scheduler` the scheduler's index, and the refusal and drop reasons a
//! fixed set. No label carries a pid or a process's registered name.
//! ARCHITECTURE.md lists every series.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::Ctx;
use crate::pid::Pid;

/// The most `module` and `supervisor` label values one scrape shows.
const MAX_SERIES: usize = 200;

/// What the modules' processes hold now, and what they used.
#[derive(Default)]
struct ModuleLoad {
    processes: u64,
    memory: u64,
    mailbox: u64,
    cpu_ns: u64,
}

/// Writes metric families: each one's HELP and TYPE lines, then its samples.
struct Exposition(String);

impl Exposition {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{k}=\"{}\"", escape(v));
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }

    /// A family with one unlabelled sample.
    fn one(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help);
        self.sample(name, &[], value);
    }
}

/// A label value as the format wants it: backslash, quote and newline escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(super) async fn metrics(State(ctx): State<Ctx>) -> Response {
    let body = render(&ctx);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

fn render(ctx: &Ctx) -> String {
    let node = &ctx.node;
    let s = node.stats();
    let c = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed) as f64;
    let mut out = Exposition(String::with_capacity(8192));
    out.family(
        "hatchery_node_info",
        "gauge",
        "The node: its name and Hatchery's version (always 1).",
    );
    out.sample(
        "hatchery_node_info",
        &[
            ("node", node.name()),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
        1.0,
    );
    out.one(
        "hatchery_uptime_seconds",
        "gauge",
        "Seconds since the node's HTTP server started.",
        ctx.started.elapsed().as_secs_f64(),
    );
    out.one(
        "hatchery_processes",
        "gauge",
        "Live processes.",
        node.process_count() as f64,
    );
    out.one(
        "hatchery_processes_limit",
        "gauge",
        "The most processes the node runs at once.",
        node.config().max_processes as f64,
    );
    out.one(
        "hatchery_processes_spawned_total",
        "counter",
        "Processes spawned.",
        c(&s.spawned),
    );
    out.one(
        "hatchery_processes_exited_total",
        "counter",
        "Processes ended.",
        c(&s.exited),
    );
    out.one(
        "hatchery_hibernations_total",
        "counter",
        "Times a behaviour process hibernated.",
        c(&s.hibernations),
    );
    out.one(
        "hatchery_messages_sent_total",
        "counter",
        "Messages sent, dropped ones included.",
        c(&s.sent),
    );
    out.family(
        "hatchery_messages_dropped_total",
        "counter",
        "Messages dropped, by why: the receiver was dead, or its mailbox full.",
    );
    out.sample(
        "hatchery_messages_dropped_total",
        &[("reason", "dead")],
        c(&s.dropped_dead),
    );
    out.sample(
        "hatchery_messages_dropped_total",
        &[("reason", "overflow")],
        c(&s.dropped_overflow),
    );
    out.one(
        "hatchery_mailbox_messages",
        "gauge",
        "Messages queued in all mailboxes.",
        node.mailbox_messages() as f64,
    );
    out.one(
        "hatchery_mailbox_bytes",
        "gauge",
        "Bytes queued in all mailboxes.",
        node.mailbox_bytes() as f64,
    );
    out.one(
        "hatchery_guest_memory_bytes",
        "gauge",
        "Linear memory of all Wasm processes together.",
        node.guest_memory() as f64,
    );
    out.one(
        "hatchery_resident_memory_bytes",
        "gauge",
        "The node's resident memory (RSS).",
        crate::sys::resident_bytes().unwrap_or(0) as f64,
    );
    out.one(
        "hatchery_restarts_total",
        "counter",
        "Children restarted by their supervisors.",
        c(&s.restarts),
    );
    out.one(
        "hatchery_swaps_total",
        "counter",
        "Hot swaps: a module's processes moved to a new version.",
        c(&s.swaps),
    );
    out.family(
        "hatchery_refused_total",
        "counter",
        "What the node's caps and budgets refused, by cap.",
    );
    for (what, n) in s.refused.by_name() {
        out.sample("hatchery_refused_total", &[("cap", what)], n as f64);
    }
    out.family(
        "hatchery_scheduler_busy_seconds_total",
        "counter",
        "Seconds each thread that runs processes was busy.",
    );
    for (i, busy) in node.worker_busy().iter().enumerate() {
        out.sample(
            "hatchery_scheduler_busy_seconds_total",
            &[("scheduler", &i.to_string())],
            busy.as_secs_f64(),
        );
    }
    let peers = node.peers();
    out.family(
        "hatchery_cluster_nodes",
        "gauge",
        "The other nodes of the cluster this node knows, by state.",
    );
    let up = peers.iter().filter(|p| p.up).count();
    out.sample("hatchery_cluster_nodes", &[("state", "up")], up as f64);
    out.sample(
        "hatchery_cluster_nodes",
        &[("state", "down")],
        (peers.len() - up) as f64,
    );
    if let Some(otlp) = &ctx.config.otlp {
        out.one(
            "hatchery_otlp_spans_exported_total",
            "counter",
            "Spans of followed messages the OTLP collector accepted.",
            c(&otlp.exported),
        );
        out.one(
            "hatchery_otlp_spans_dropped_total",
            "counter",
            "Spans lost: the export queue was full, or the collector refused or was away.",
            c(&otlp.dropped),
        );
    }
    modules(ctx, &mut out);
    supervisors(ctx, &mut out);
    out.0
}

/// The per-module families.
fn modules(ctx: &Ctx, out: &mut Exposition) {
    let node = &ctx.node;
    let infos = node.module_infos();
    let shown: HashMap<&str, u32> = infos
        .iter()
        .take(MAX_SERIES)
        .map(|m| (m.name.as_str(), m.current))
        .collect();
    let label = |module: &str| -> String {
        if module.starts_with("native:") {
            "native".into()
        } else if shown.contains_key(module) {
            module.into()
        } else {
            "_other".into()
        }
    };
    let mut by: BTreeMap<String, ModuleLoad> = BTreeMap::new();
    for name in shown.keys() {
        by.entry((*name).to_string()).or_default();
    }
    for p in node.processes() {
        let m = by.entry(label(p.module())).or_default();
        m.processes += 1;
        m.memory += p.counters.memory.load(Ordering::Relaxed);
        m.mailbox += p.mailbox.len() as u64;
        m.cpu_ns += p.counters.cpu_ns.load(Ordering::Relaxed);
    }
    // The CPU of ended processes too: a counter never goes down while the node runs.
    for (module, ns) in node.ended_cpu_by_module() {
        by.entry(label(&module)).or_default().cpu_ns += ns;
    }
    type Family = (
        &'static str,
        &'static str,
        &'static str,
        fn(&ModuleLoad) -> f64,
    );
    let families: [Family; 4] = [
        (
            "hatchery_module_processes",
            "gauge",
            "Live processes of each module.",
            |m| m.processes as f64,
        ),
        (
            "hatchery_module_memory_bytes",
            "gauge",
            "Linear memory of each module's live processes.",
            |m| m.memory as f64,
        ),
        (
            "hatchery_module_mailbox_messages",
            "gauge",
            "Messages queued for each module's processes.",
            |m| m.mailbox as f64,
        ),
        (
            "hatchery_module_cpu_seconds_total",
            "counter",
            "Seconds each module's processes ran on a scheduler (guest code and host calls), ended ones included.",
            |m| m.cpu_ns as f64 / 1e9,
        ),
    ];
    for (name, kind, help, value) in families {
        out.family(name, kind, help);
        for (module, load) in &by {
            out.sample(name, &[("module", module)], value(load));
        }
    }
    out.family(
        "hatchery_module_version",
        "gauge",
        "The current version of each module.",
    );
    let mut versions: Vec<_> = shown.into_iter().collect();
    versions.sort();
    for (module, version) in versions {
        out.sample(
            "hatchery_module_version",
            &[("module", module)],
            f64::from(version),
        );
    }
}

/// The per-supervisor families, each supervisor named by its path of child ids.
fn supervisors(ctx: &Ctx, out: &mut Exposition) {
    let sups = ctx.node.supervisors();
    let mut parent: HashMap<Pid, (Pid, &str)> = HashMap::new();
    for s in &sups {
        for c in &s.children {
            if let Some(p) = c.pid {
                parent.insert(p, (s.pid, c.id.as_str()));
            }
        }
    }
    let mut root_names: HashMap<Pid, String> = HashMap::new();
    let roots = sups.iter().filter(|s| !parent.contains_key(&s.pid));
    for (roots, s) in roots.enumerate() {
        let name = match ctx.node.process(s.pid).and_then(|p| p.name()) {
            Some(n) => n.to_string(),
            None if roots == 0 => "root".to_string(),
            None => format!("root{roots}"),
        };
        root_names.insert(s.pid, name);
    }
    let path = |mut pid: Pid| -> String {
        let mut parts = Vec::new();
        for _ in 0..32 {
            match parent.get(&pid) {
                Some((up, id)) => {
                    parts.push((*id).to_string());
                    pid = *up;
                }
                None => break,
            }
        }
        parts.push(
            root_names
                .get(&pid)
                .cloned()
                .unwrap_or_else(|| "root".into()),
        );
        parts.reverse();
        parts.join("/")
    };
    let rows: Vec<(String, f64, f64, f64)> = sups
        .iter()
        .take(MAX_SERIES)
        .map(|s| {
            let running = s.children.iter().filter(|c| c.pid.is_some()).count();
            (
                path(s.pid),
                s.restarts as f64,
                running as f64,
                s.children.len() as f64,
            )
        })
        .collect();
    out.family(
        "hatchery_supervisor_restarts_total",
        "counter",
        "Children each supervisor restarted (from 0 again when the supervisor itself restarts).",
    );
    for (p, restarts, _, _) in &rows {
        out.sample(
            "hatchery_supervisor_restarts_total",
            &[("supervisor", p)],
            *restarts,
        );
    }
    out.family(
        "hatchery_supervisor_children",
        "gauge",
        "Children of each supervisor, by state.",
    );
    for (p, _, running, all) in &rows {
        out.sample(
            "hatchery_supervisor_children",
            &[("supervisor", p), ("state", "running")],
            *running,
        );
        out.sample(
            "hatchery_supervisor_children",
            &[("supervisor", p), ("state", "stopped")],
            all - running,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        let mut out = Exposition(String::new());
        out.sample("m", &[("a", "x\"y\\z\nw")], 1.5);
        assert_eq!(out.0, "m{a=\"x\\\"y\\\\z\\nw\"} 1.5\n");
    }
}
