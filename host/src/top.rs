//! `hatchery top`: the busiest processes of one or more running nodes, refreshed in place
//! (like `top`, or Erlang's `observer_cli`), or one JSON object per refresh for scripts.
//!
//! It polls `GET /api/node` and `GET /api/processes` every `--interval`. CPU% and MSG/S are
//! rates: the change of a process's `cpu_us` and `received` counters since it was last
//! seen, over the wall time between the two samples, so the view shows who is busy now, not
//! who has been busy since it started. That is why sorting by CPU or message rate asks the
//! node for more rows than are shown (its top by total CPU or by messages received) and
//! sorts them here by the rate; the first refresh takes two samples a moment apart so that
//! even a one-shot `--iterations 1` has rates.
//!
//! On a terminal it draws on the alternate screen with the terminal in cbreak mode (a key
//! acts without Enter, Ctrl-C arrives as a key); the terminal is put back on every way out.
//! `stty` switches the mode, so the binary needs no `unsafe` termios calls.

use std::collections::HashMap;
use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Args;
use serde::Serialize;
use serde_json::Value;

use crate::client::{NodeArgs, RequestError};

mod terminal;
mod view;

use terminal::{Screen, read_input, terminal_size, watch_signals};
use view::View;

/// `hatchery top`.
#[derive(Args)]
pub struct TopArgs {
    /// A node's HTTP API; repeat the flag for several nodes (`--node http://a --node
    /// http://b`): their rows merge into one table with a NODE column [default: as for
    /// `ps`: $HATCHERY_NODE, else .hatchery/inspector.url, else http://127.0.0.1:7780].
    #[arg(long = "node", value_name = "URL")]
    nodes: Vec<String>,
    /// Show every node of the node's cluster: the node asks the others over the cluster's
    /// own connection (`GET /api/cluster/processes`), so only one node's API need be
    /// reachable. The table gets a NODE column; a node that does not answer gets a line.
    #[arg(long)]
    cluster: bool,
    /// The nodes' token [default: $HATCHERY_TOKEN, else the one `hatchery run` wrote beside
    /// .hatchery/inspector.url].
    #[arg(long)]
    token: Option<String>,
    /// What comes first: `cpu` (CPU used now), `memory`, `mailbox` (queued messages) or
    /// `rate` (messages received per second). Keys c, m, b and r switch while it runs.
    #[arg(long, value_enum, default_value_t = SortKey::Cpu)]
    sort: SortKey,
    /// The time between refreshes, like `1s`, `500ms` or `2.5s` (at least 100ms).
    #[arg(long, default_value = "1s", value_parser = parse_interval)]
    interval: Duration,
    /// Stop after N refreshes (`--iterations 1`: one snapshot). Without it, `q` (with Enter
    /// when stdin is not a terminal) stops, or the end of stdin after one refresh.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    iterations: Option<u64>,
    /// Most rows shown [default: what fits the terminal, else 20].
    #[arg(long, value_name = "N")]
    rows: Option<usize>,
    /// Print one JSON object per refresh (the rows as computed, with cpu_percent and
    /// msg_per_sec) instead of the table.
    #[arg(long)]
    json: bool,
}

/// What the table is sorted by.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum SortKey {
    Cpu,
    Memory,
    Mailbox,
    Rate,
}

impl SortKey {
    fn name(self) -> &'static str {
        match self {
            SortKey::Cpu => "cpu",
            SortKey::Memory => "memory",
            SortKey::Mailbox => "mailbox",
            SortKey::Rate => "rate",
        }
    }

    /// The API's sort key that picks the candidates.
    fn api_key(self) -> &'static str {
        match self {
            SortKey::Cpu => "cpu",
            SortKey::Memory => "memory",
            SortKey::Mailbox => "mailbox",
            SortKey::Rate => "received",
        }
    }

    /// How many rows to ask each node for. The rates are sorted here, so a process busy
    /// now but with little in total must be among the candidates: ask for more.
    fn fetch_limit(self, rows: usize) -> usize {
        match self {
            SortKey::Cpu | SortKey::Rate => rows.saturating_mul(4).clamp(rows.min(1000), 1000),
            SortKey::Memory | SortKey::Mailbox => rows.min(1000),
        }
    }

    fn from_key(key: u8) -> Option<SortKey> {
        match key {
            b'c' => Some(SortKey::Cpu),
            b'm' => Some(SortKey::Memory),
            b'b' => Some(SortKey::Mailbox),
            b'r' => Some(SortKey::Rate),
            _ => None,
        }
    }
}

/// `1s`, `250ms`, `1.5s`, `2m`, or a bare number of seconds; at least 100 ms.
fn parse_interval(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let n: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 1s or 200ms"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" | "min" => n * 60.0,
        _ => return Err(format!("{text:?}: the unit is ms, s or m")),
    };
    let d = Duration::try_from_secs_f64(secs)
        .map_err(|_| format!("{text:?} is not a duration like 1s or 200ms"))?;
    if d < Duration::from_millis(100) {
        return Err(format!("{text:?} is too short: at least 100ms"));
    }
    Ok(d)
}

/// Runs `hatchery top`; every error is one line and exit code 1.
pub fn top(args: &TopArgs) -> anyhow::Result<ExitCode> {
    match run(args) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("hatchery: error: {e:#}");
            Ok(ExitCode::from(1))
        }
    }
}

/// One node to poll.
struct Target {
    url: String,
    client: NodeArgs,
}

/// What `top` waits for: a key, a signal, or a poll's answers.
enum Event {
    Quit,
    Sort(SortKey),
    /// The terminal changed size.
    Redraw,
    /// stdin ended.
    Eof,
    Polled(Vec<anyhow::Result<Sample>>),
}

fn run(args: &TopArgs) -> anyhow::Result<()> {
    let targets = Arc::new(targets(args)?);
    let interactive =
        !args.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let (tx, rx) = mpsc::channel();
    // Dropped on every way out of this function (errors and panics too), which puts the
    // terminal back before the caller prints an error.
    let screen = interactive.then(Screen::enter);
    read_input(tx.clone(), screen.as_ref().is_some_and(|s| s.cbreak));
    if interactive {
        watch_signals(tx.clone());
    }
    let timeout = (args.interval * 2).max(Duration::from_secs(5));
    let mut view = View {
        sort: args.sort,
        history: History::default(),
        interactive,
        json: args.json,
        cluster: targets.len() > 1 || args.cluster,
        last: None,
    };
    let mut out = std::io::stdout().lock();
    let cluster = args.cluster;
    let poll = |sort: SortKey, rows: usize| {
        let (tx, targets) = (tx.clone(), targets.clone());
        let limit = sort.fetch_limit(rows);
        std::thread::spawn(move || {
            let polled = poll_all(&targets, sort, limit, timeout, cluster);
            let _ = tx.send(Event::Polled(polled));
        });
        Instant::now()
    };
    let mut polled_sort = view.sort;
    let mut started = poll(polled_sort, view.rows(args.rows));
    let mut polling = true;
    let mut next = started;
    let mut first = true;
    let mut refreshes = 0;
    let mut stdin_ended = false;
    loop {
        let event = if polling {
            rx.recv().ok()
        } else {
            match rx.recv_timeout(next.saturating_duration_since(Instant::now())) {
                Ok(e) => Some(e),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            }
        };
        match event {
            Some(Event::Quit) => return Ok(()),
            // The end of stdin stops a run without --iterations, once it has shown something.
            Some(Event::Eof) if args.iterations.is_none() && refreshes > 0 => return Ok(()),
            Some(Event::Eof) => stdin_ended = args.iterations.is_none(),
            Some(Event::Sort(key)) => {
                view.sort = key;
                // Shown at once from what is at hand, then asked for anew.
                if !view.draw(&mut out, args.rows)? {
                    return Ok(());
                }
                next = Instant::now();
            }
            Some(Event::Redraw) => {
                let open = view.draw(&mut out, args.rows)?;
                if !open {
                    return Ok(());
                }
            }
            Some(Event::Polled(results)) => {
                polling = false;
                if first {
                    first = false;
                    check_first(&targets, &results)?;
                    view.history.record(&targets, &results, polled_sort);
                    // A second sample soon, so that the first refresh has rates.
                    next = Instant::now() + args.interval.min(Duration::from_millis(250));
                    continue;
                }
                view.last = Some(view.history.record(&targets, &results, polled_sort));
                if !view.draw(&mut out, args.rows)? {
                    return Ok(());
                }
                refreshes += 1;
                if stdin_ended || args.iterations.is_some_and(|n| refreshes >= n) {
                    return Ok(());
                }
                next = if polled_sort == view.sort {
                    started + args.interval
                } else {
                    Instant::now()
                };
            }
            None => {}
        }
        if !polling && Instant::now() >= next {
            polled_sort = view.sort;
            started = poll(polled_sort, view.rows(args.rows));
            polling = true;
        }
    }
}

/// The nodes named (or the default one), each with a URL that looks like one.
fn targets(args: &TopArgs) -> anyhow::Result<Vec<Target>> {
    if args.cluster && args.nodes.len() > 1 {
        bail!(
            "--cluster shows every node through one: give one --node (the others are asked \
             through it), or leave --cluster out to merge the nodes given"
        );
    }
    let named: Vec<Option<String>> = if args.nodes.is_empty() {
        vec![None]
    } else {
        args.nodes.iter().cloned().map(Some).collect()
    };
    named
        .into_iter()
        .map(|node| {
            let client = NodeArgs::new(node, args.token.clone());
            let url = client.base();
            let rest = url
                .strip_prefix("http://")
                .or_else(|| url.strip_prefix("https://"));
            match rest {
                Some(r) if !r.is_empty() && !r.starts_with('/') => Ok(Target { url, client }),
                _ => bail!("{url:?} is not a node's URL like http://127.0.0.1:7780"),
            }
        })
        .collect()
}

/// The first answers decide whether to go on: a refused token is a mistake to say at once,
/// and so is no node answering at all.
fn check_first(targets: &[Target], results: &[anyhow::Result<Sample>]) -> anyhow::Result<()> {
    for (t, r) in targets.iter().zip(results) {
        if let Err(e) = r
            && let Some(RequestError::Answer { status, message }) = e.downcast_ref()
            && matches!(status, 401 | 403)
        {
            bail!(
                "the node at {} refused the token (HTTP {status}): {message}; pass --token \
                 (`hatchery run` writes it to .hatchery/inspector.token)",
                t.url
            );
        }
    }
    if let Some(Err(e)) = results.iter().find(|r| r.is_err())
        && results.iter().all(Result::is_err)
    {
        return Err(anyhow::anyhow!("{e:#}"));
    }
    Ok(())
}

// ---- polling ----------------------------------------------------------------------------

/// One node's answers at one moment.
struct Sample {
    at: Instant,
    node: Value,
    items: Vec<Value>,
    /// With `--cluster`: the other nodes as the node's cluster list names them (`node`,
    /// `ok`, `total`, `error`).
    others: Vec<Value>,
}

/// The most rows the cluster list returns (`crates/http/src/cluster.rs`).
const CLUSTER_LIMIT: usize = 200;

fn poll_all(
    targets: &[Target],
    sort: SortKey,
    limit: usize,
    timeout: Duration,
    cluster: bool,
) -> Vec<anyhow::Result<Sample>> {
    if let [t] = targets {
        return vec![poll_one(t, sort, limit, timeout, cluster)];
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = targets
            .iter()
            .map(|t| s.spawn(move || poll_one(t, sort, limit, timeout, cluster)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("polling the node failed")))
            })
            .collect()
    })
}

fn poll_one(
    t: &Target,
    sort: SortKey,
    limit: usize,
    timeout: Duration,
    cluster: bool,
) -> anyhow::Result<Sample> {
    let node = t.client.request_within("GET", "/api/node", None, timeout)?;
    let path = if cluster {
        format!(
            "/api/cluster/processes?sort={}&order=desc&limit={}",
            sort.api_key(),
            limit.min(CLUSTER_LIMIT)
        )
    } else {
        format!(
            "/api/processes?sort={}&order=desc&limit={limit}",
            sort.api_key()
        )
    };
    let list = t.client.request_within("GET", &path, None, timeout)?;
    let items = list["items"]
        .as_array()
        .cloned()
        .context("the node's process list has no `items`")?;
    let me = node["node"].as_str().unwrap_or_default();
    let others = list["nodes"]
        .as_array()
        .map(|n| n.iter().filter(|n| n["node"] != me).cloned().collect())
        .unwrap_or_default();
    Ok(Sample {
        at: Instant::now(),
        node,
        items,
        others,
    })
}

// ---- rows -------------------------------------------------------------------------------

/// A process as shown.
#[derive(Serialize, Clone)]
struct Row {
    node: String,
    pid: String,
    module: String,
    version: u64,
    name: Option<String>,
    status: String,
    /// Absent when the node does not report it.
    cpu_us: Option<u64>,
    /// Since the process was last seen; absent on its first sight.
    cpu_percent: Option<f64>,
    memory_bytes: u64,
    mailbox_len: u64,
    mailbox_bytes: u64,
    received: u64,
    sent: u64,
    msg_per_sec: Option<f64>,
    #[serde(skip)]
    rank: (usize, usize),
}

/// A node in the header: its summary, or why it did not answer.
#[derive(Serialize, Clone)]
struct NodeLine {
    url: String,
    node: Option<String>,
    uptime_ms: Option<u64>,
    processes: Option<u64>,
    msg_per_sec: Option<f64>,
    memory_rss_bytes: Option<u64>,
    error: Option<String>,
}

/// What one refresh shows (and `--json` prints).
#[derive(Serialize, Clone)]
struct Frame {
    sort: &'static str,
    nodes: Vec<NodeLine>,
    processes: u64,
    msg_per_sec: Option<f64>,
    memory_rss_bytes: u64,
    rows: Vec<Row>,
}

/// A process's counters when last seen.
struct Seen {
    cpu_us: Option<u64>,
    received: u64,
    /// The process's age by the node's clock, read with the counters: the time between two
    /// samples without the network's jitter.
    uptime_ms: Option<u64>,
    at: Instant,
}

/// The counters last seen, to turn totals into rates.
#[derive(Default)]
struct History {
    processes: HashMap<(usize, String), Seen>,
    /// Each node's messages sent, its uptime and when they were read.
    nodes: HashMap<usize, (u64, Option<u64>, Instant)>,
}

/// `(now - then) / seconds`, when the counter did not go back.
fn per_sec(now: u64, then: u64, secs: f64) -> Option<f64> {
    (now >= then && secs > 0.0).then(|| (now - then) as f64 / secs)
}

/// The seconds between two samples: by the node's clock when both have it, else by ours.
fn elapsed(now: (Option<u64>, Instant), then: (Option<u64>, Instant)) -> f64 {
    match (now.0, then.0) {
        (Some(a), Some(b)) if a > b => (a - b) as f64 / 1000.0,
        _ => now.1.saturating_duration_since(then.1).as_secs_f64(),
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl History {
    /// Takes in a poll's answers; the rows (unsorted) and the header.
    fn record(
        &mut self,
        targets: &[Target],
        results: &[anyhow::Result<Sample>],
        sort: SortKey,
    ) -> Frame {
        let mut nodes = Vec::new();
        let mut rows = Vec::new();
        for (i, (t, r)) in targets.iter().zip(results).enumerate() {
            let s = match r {
                Ok(s) => s,
                Err(e) => {
                    nodes.push(NodeLine {
                        url: t.url.clone(),
                        node: None,
                        uptime_ms: None,
                        processes: None,
                        msg_per_sec: None,
                        memory_rss_bytes: None,
                        error: Some(short_error(e)),
                    });
                    continue;
                }
            };
            let label = match s.node["node"].as_str() {
                Some(n) if n != "nonode" => n.to_string(),
                _ => t
                    .url
                    .split_once("://")
                    .map_or(t.url.as_str(), |(_, h)| h)
                    .to_string(),
            };
            let sent = s.node["stats"]["sent"].as_u64().unwrap_or(0);
            let uptime = s.node["uptime_ms"].as_u64();
            let rate = self
                .nodes
                .insert(i, (sent, uptime, s.at))
                .and_then(|(then, up, at)| per_sec(sent, then, elapsed((uptime, s.at), (up, at))));
            nodes.push(NodeLine {
                url: t.url.clone(),
                node: Some(label.clone()),
                uptime_ms: s.node["uptime_ms"].as_u64(),
                processes: s.node["processes"].as_u64(),
                msg_per_sec: rate.map(round2),
                memory_rss_bytes: s.node["memory_rss_bytes"].as_u64(),
                error: None,
            });
            // The other nodes of its cluster, as it reported them (`--cluster`).
            for o in &s.others {
                nodes.push(NodeLine {
                    url: format!("{} (via {label})", o["node"].as_str().unwrap_or("?")),
                    node: o["node"].as_str().map(str::to_string),
                    uptime_ms: None,
                    processes: o["total"].as_u64(),
                    msg_per_sec: None,
                    memory_rss_bytes: None,
                    error: o["error"].as_str().map(str::to_string),
                });
            }
            for (order, p) in s.items.iter().enumerate() {
                let n = |k: &str| p[k].as_u64().unwrap_or(0);
                let pid = p["pid"].as_str().unwrap_or("?").to_string();
                let cpu_us = p["cpu_us"].as_u64();
                let received = n("received");
                let seen = Seen {
                    cpu_us,
                    received,
                    uptime_ms: p["uptime_ms"].as_u64(),
                    at: s.at,
                };
                let now = (seen.uptime_ms, s.at);
                let (cpu_percent, msg_per_sec) = match self.processes.insert((i, pid.clone()), seen)
                {
                    Some(before) => {
                        let secs = elapsed(now, (before.uptime_ms, before.at));
                        // One process runs on one scheduler at a time: past 100 % is the
                        // counters' and clocks' granularity.
                        let cpu = match (cpu_us, before.cpu_us) {
                            (Some(now), Some(then)) => {
                                per_sec(now, then, secs).map(|us| round2((us / 1e4).min(100.0)))
                            }
                            _ => None,
                        };
                        (cpu, per_sec(received, before.received, secs).map(round2))
                    }
                    None => (None, None),
                };
                rows.push(Row {
                    // A cluster list names each row's node.
                    node: p["node"].as_str().unwrap_or(&label).to_string(),
                    pid,
                    module: p["module"].as_str().unwrap_or("?").to_string(),
                    version: n("version"),
                    name: p["name"].as_str().map(str::to_string),
                    status: p["status"].as_str().unwrap_or("?").to_string(),
                    cpu_us,
                    cpu_percent,
                    memory_bytes: n("memory_bytes"),
                    mailbox_len: n("mailbox_len"),
                    mailbox_bytes: n("mailbox_bytes"),
                    received,
                    sent: n("sent"),
                    msg_per_sec,
                    rank: (order, i),
                });
            }
        }
        // Forget processes not seen for a while (gone, or out of every top list).
        let now = Instant::now();
        self.processes
            .retain(|_, s| now.duration_since(s.at) < Duration::from_secs(60));
        let up: Vec<&NodeLine> = nodes.iter().filter(|n| n.error.is_none()).collect();
        let rates: Vec<f64> = up.iter().filter_map(|n| n.msg_per_sec).collect();
        Frame {
            sort: sort.name(),
            processes: up.iter().filter_map(|n| n.processes).sum(),
            msg_per_sec: (!rates.is_empty()).then(|| round2(rates.iter().sum())),
            memory_rss_bytes: up.iter().filter_map(|n| n.memory_rss_bytes).sum(),
            nodes,
            rows,
        }
    }
}

/// Why a node did not answer, in a few words.
fn short_error(e: &anyhow::Error) -> String {
    match e.downcast_ref::<RequestError>() {
        // ureq's reason starts with the URL, which the line shows already.
        Some(RequestError::Unreachable { reason, .. }) => reason
            .split_once(": ")
            .filter(|(url, _)| url.starts_with("http"))
            .map_or(reason.as_str(), |(_, why)| why)
            .to_string(),
        Some(RequestError::Answer { status, message }) => format!("HTTP {status}: {message}"),
        None => format!("{e:#}"),
    }
}

/// Busiest first; ties keep the node's order.
fn sort_rows(rows: &mut [Row], key: SortKey) {
    let f = |x: Option<f64>| x.unwrap_or(-1.0);
    rows.sort_by(|a, b| {
        let by = match key {
            SortKey::Cpu => f(b.cpu_percent)
                .total_cmp(&f(a.cpu_percent))
                .then(b.cpu_us.cmp(&a.cpu_us)),
            SortKey::Rate => f(b.msg_per_sec)
                .total_cmp(&f(a.msg_per_sec))
                .then(b.received.cmp(&a.received)),
            SortKey::Memory => b.memory_bytes.cmp(&a.memory_bytes),
            SortKey::Mailbox => b
                .mailbox_len
                .cmp(&a.mailbox_len)
                .then(b.mailbox_bytes.cmp(&a.mailbox_bytes)),
        };
        by.then(a.rank.cmp(&b.rank))
    });
}

// ---- drawing ----------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::view::{fit, show_bytes, show_uptime};
    use super::*;

    #[test]
    fn intervals_read_like_durations() {
        assert_eq!(parse_interval("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_interval("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_interval("2"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_interval("1m"), Ok(Duration::from_secs(60)));
        assert!(parse_interval("50ms").is_err());
        assert!(parse_interval("fast").is_err());
        assert!(parse_interval("1h").is_err());
        assert!(parse_interval("-1s").is_err());
    }

    #[test]
    fn rates_sort_before_totals_and_unknowns_last() {
        let row = |pid: &str, cpu: Option<f64>, total: u64| Row {
            node: "n".into(),
            pid: pid.into(),
            module: "m".into(),
            version: 1,
            name: None,
            status: "running".into(),
            cpu_us: Some(total),
            cpu_percent: cpu,
            memory_bytes: 0,
            mailbox_len: 0,
            mailbox_bytes: 0,
            received: 0,
            sent: 0,
            msg_per_sec: None,
            rank: (0, 0),
        };
        let mut rows = vec![
            row("old", Some(0.0), 9_000_000),
            row("new", None, 10),
            row("busy", Some(95.0), 1000),
        ];
        sort_rows(&mut rows, SortKey::Cpu);
        let order: Vec<&str> = rows.iter().map(|r| r.pid.as_str()).collect();
        assert_eq!(order, ["busy", "old", "new"]);
    }

    #[test]
    fn long_names_are_cut() {
        assert_eq!(fit("a_very_long_module_name", 8), "a_very_…");
        assert_eq!(fit("short", 8), "short");
        assert_eq!(show_bytes(1536), "1.5K");
        assert_eq!(show_uptime(90_061_000), "1d 01:01:01");
    }
}
