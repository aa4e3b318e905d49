//! Load benchmarks: message throughput (a one-way stream 1 → 1, fan-in 1,000 → 1), skynet
//! (a 10-ary tree of 1,111,111 processes), ping-pong latency while processes spin on the
//! CPU, and restarts of a crashing linked child under a parent that traps exits.
//!
//! The guests are in modules/load/: Rust SDK guests built with the other modules, and WAT
//! guests in modules/load/wat/, loaded as text. Skynet runs in a fresh host process per
//! guest, on a node sized for all of its processes at once.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use hatchery::{MessageKind, NativeProcess, Node, NodeConfig, Pid};
use serde_json::{Value, json};

use super::{num, record, report};

/// Senders of the fan-in benchmark.
pub const FAN_IN_SENDERS: u64 = 1_000;
/// Processes spinning on the CPU beside the ping-pong of the latency benchmark.
pub const SPINNERS: u64 = 2;

/// How much work each load benchmark does.
pub struct Sizes {
    /// Messages of the 1 → 1 stream.
    pub stream: u64,
    /// Messages each fan-in sender sends.
    pub fan_in_each: u64,
    /// Leaves of the skynet tree (its processes: about 1.11 × this).
    pub skynet_leaves: u64,
    /// Timed round trips of the latency benchmark.
    pub latency_rounds: u64,
    /// Crashes and restarts of the restart benchmark.
    pub restarts: u64,
}

impl Sizes {
    pub fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                stream: 100_000,
                fan_in_each: 100,
                skynet_leaves: 10_000,
                latency_rounds: 1_000,
                restarts: 2_000,
            }
        } else {
            Sizes {
                stream: 1_000_000,
                fan_in_each: 1_000,
                skynet_leaves: 1_000_000,
                latency_rounds: 10_000,
                restarts: 20_000,
            }
        }
    }

    /// The sizes, for the table's footnote.
    pub fn describe(&self) -> String {
        format!(
            "stream of {} messages, fan-in {FAN_IN_SENDERS} × {}, skynet of {} processes (at most 3 runs), \
             {} timed round trips per latency figure, {} restarts",
            self.stream,
            self.fan_in_each,
            tree_processes(self.skynet_leaves),
            self.latency_rounds,
            self.restarts,
        )
    }
}

/// The processes of a 10-ary tree with `leaves` leaves (a power of ten).
fn tree_processes(leaves: u64) -> u64 {
    let mut level = leaves;
    let mut total = 0;
    while level >= 1 {
        total += level;
        level /= 10;
    }
    total
}

/// The Rust guests this file runs (modules/load/src/bin/).
const RUST_GUESTS: &[&str] = &[
    "load_stream",
    "load_latency",
    "load_restarter",
    "load_crash",
];
/// The WAT guests (modules/load/wat/).
const WAT_GUESTS: &[&str] = &["load_spinner", "load_crash_wat"];

/// Runs every load benchmark on a node with the preemption tick `tick` (`None`: the
/// default); figures by key (ns, or per second for rates).
pub async fn run(
    modules: &Path,
    wat: &Path,
    s: &Sizes,
    reps: usize,
    tick: Option<Duration>,
) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let most_queued = s.stream.max(FAN_IN_SENDERS * s.fan_in_each);
    let config = NodeConfig {
        max_processes: u32::try_from(FAN_IN_SENDERS + 2_000).unwrap_or(u32::MAX),
        // A stream's receiver may fall behind its senders by the whole stream.
        mailbox_max_messages: usize::try_from(most_queued + 10_000).unwrap_or(usize::MAX),
        mailbox_max_bytes: 1 << 30,
        preempt_interval: tick.unwrap_or(NodeConfig::default().preempt_interval),
        ..crate::base_config()
    };
    let node = Node::new(config)?;
    for m in RUST_GUESTS {
        let file = modules.join(format!("{m}.wasm"));
        node.load_module_file(&file)
            .with_context(|| format!("loading {}: build modules/ first", file.display()))?;
    }
    for m in WAT_GUESTS {
        let file = wat.join(format!("{m}.wat"));
        node.load_module_file(&file)
            .with_context(|| format!("loading {}", file.display()))?;
    }
    let me = node.spawn_native("bench-load")?;
    let mut out = BTreeMap::new();
    let mut measure = |name, v| record(&mut out, name, v);

    for (key, senders, each) in [
        ("stream_msgs_per_s", 1, s.stream),
        ("fan_in_msgs_per_s", FAN_IN_SENDERS, s.fan_in_each),
    ] {
        let args = json!({"senders": senders, "messages": each});
        measure(
            key,
            repeat(key, reps, || {
                rate(&me, "load_stream", args.clone(), "messages")
            })
            .await?,
        );
    }

    // Beside spinners a run's figures depend on where tokio placed the four processes
    // (see BENCHMARKS.md), so every run is printed.
    for (spinners, keys) in [
        (
            SPINNERS,
            [
                "latency_busy_p50_ns",
                "latency_busy_p99_ns",
                "latency_busy_p999_ns",
            ],
        ),
        (0, ["latency_p50_ns", "latency_p99_ns", "latency_p999_ns"]),
    ] {
        let mut v: [Vec<f64>; 3] = Default::default();
        for rep in 0..=reps {
            let args = json!({"rounds": s.latency_rounds, "spinners": spinners});
            let r = report(&me, "load_latency", args).await?;
            eprintln!("hatchery latency, {spinners} spinners, run {rep}: {r}");
            if rep > 0 {
                for (figures, key) in v.iter_mut().zip(["p50_ns", "p99_ns", "p999_ns"]) {
                    figures.push(num(&r, key)?);
                }
            }
        }
        for (key, figures) in keys.into_iter().zip(v) {
            measure(key, figures);
        }
    }

    for (key, child) in [
        ("restarts_per_s", "load_crash"),
        ("restarts_wat_per_s", "load_crash_wat"),
    ] {
        let args = json!({"n": s.restarts, "child": child});
        measure(
            key,
            repeat(key, reps, || restarts(&me, args.clone())).await?,
        );
    }
    node.shutdown(Duration::from_secs(10)).await;

    // A skynet of a million leaves takes half a minute here: at most 3 repetitions.
    for (key, module) in [
        ("skynet_ns", "load_skynet_wat"),
        ("skynet_rust_ns", "load_skynet"),
    ] {
        let run = skynet_in_child(modules, wat, module, s.skynet_leaves, reps.min(3))?;
        eprintln!(
            "hatchery {key}: {} processes, at most {} alive at once, peak resident {:.1} GB, runs (ns) {:?}",
            tree_processes(s.skynet_leaves),
            run.peak_processes,
            run.peak_rss_bytes / 1e9,
            run.ns
        );
        measure(key, run.ns);
    }
    Ok(out)
}

/// A warm-up, then `reps` measured runs of `f`; each run's figure is printed.
async fn repeat<F: Future<Output = anyhow::Result<f64>>>(
    name: &str,
    reps: usize,
    mut f: impl FnMut() -> F,
) -> anyhow::Result<Vec<f64>> {
    let mut v = Vec::with_capacity(reps);
    for rep in 0..=reps {
        let x = f().await?;
        eprintln!("hatchery {name} run {rep}: {x:.1}");
        if rep > 0 {
            v.push(x);
        }
    }
    Ok(v)
}

/// Runs `module` and turns its report into a rate: `count_key` per second.
async fn rate(
    me: &NativeProcess,
    module: &str,
    args: Value,
    count_key: &str,
) -> anyhow::Result<f64> {
    let r = report(me, module, args).await?;
    rate_of(&r, count_key)
}

/// Restarts per second; every child must have crashed.
async fn restarts(me: &NativeProcess, args: Value) -> anyhow::Result<f64> {
    let r = report(me, "load_restarter", args).await?;
    ensure!(
        num(&r, "abnormal")? == num(&r, "restarts")?,
        "a child did not crash: {r}"
    );
    rate_of(&r, "restarts")
}

/// A report's `count_key` per second of its `ns`.
fn rate_of(r: &Value, count_key: &str) -> anyhow::Result<f64> {
    Ok(num(r, count_key)? / num(r, "ns")? * 1e9)
}

/// What a skynet child process measured.
struct SkynetRun {
    ns: Vec<f64>,
    peak_processes: f64,
    peak_rss_bytes: f64,
}

/// Runs `hatchery-bench --skynet-child` in a fresh process.
fn skynet_in_child(
    modules: &Path,
    wat: &Path,
    module: &str,
    leaves: u64,
    reps: usize,
) -> anyhow::Result<SkynetRun> {
    let out = Command::new(std::env::current_exe()?)
        .arg("--modules")
        .arg(modules)
        .arg("--wat-guests")
        .arg(wat)
        .args(["--skynet-child", module])
        .args([leaves.to_string(), reps.to_string()])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let r: Value = text
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .with_context(|| {
            format!(
                "the skynet run of {module} failed: {text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let ns = r["ns"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    Ok(SkynetRun {
        ns,
        peak_processes: num(&r, "peak_processes")?,
        peak_rss_bytes: num(&r, "peak_rss_bytes")?,
    })
}

/// In a fresh process: a warm-up and `reps` skynets of `module` with `leaves` leaves, on a
/// node with room for every process of the tree at once. Prints one JSON line: the time of
/// each run, the most processes alive at once, and the peak resident memory.
pub fn skynet_child(
    modules: &Path,
    wat: &Path,
    module: &str,
    leaves: u64,
    reps: usize,
) -> anyhow::Result<()> {
    let processes = tree_processes(leaves);
    let config = NodeConfig {
        max_processes: u32::try_from(processes + 2_000).unwrap_or(u32::MAX),
        ..crate::base_config()
    };
    if let Some(w) = hatchery::sys::map_count_warning(config.max_processes) {
        bail!("{w}");
    }
    let file = match module {
        "load_skynet_wat" => wat.join("load_skynet_wat.wat"),
        m => modules.join(format!("{m}.wasm")),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let node = Node::new(config)?;
        node.load_module_file(&file)
            .with_context(|| format!("loading {}", file.display()))?;
        let me = node.spawn_native("bench-skynet")?;
        let base = node.process_count();
        let peak = Arc::new(AtomicUsize::new(0));
        let done = Arc::new(AtomicBool::new(false));
        let sampler = tokio::spawn({
            let (node, peak, done) = (node.clone(), peak.clone(), done.clone());
            async move {
                while !done.load(Ordering::Relaxed) {
                    peak.fetch_max(node.process_count().saturating_sub(base), Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        });
        let mut ns = Vec::new();
        for rep in 0..=reps {
            let t = skynet(&me, module, leaves).await?;
            if rep > 0 {
                ns.push(t);
            }
            // The next run starts once every process of this one has ended.
            let start = Instant::now();
            while node.process_count() > base && start.elapsed() < Duration::from_secs(120) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        done.store(true, Ordering::Relaxed);
        let _ = sampler.await;
        let r = json!({
            "ns": ns,
            "peak_processes": peak.load(Ordering::Relaxed),
            "peak_rss_bytes": peak_resident_bytes().unwrap_or(0),
        });
        println!("{r}");
        anyhow::Ok(())
    })
}

/// One skynet: from spawning the root to its reply, in nanoseconds; checks the sum.
async fn skynet(me: &NativeProcess, module: &str, leaves: u64) -> anyhow::Result<f64> {
    let to = me.pid();
    let args = match module {
        "load_skynet_wat" => [0, leaves, to.as_u64()]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect(),
        _ => serde_json::to_vec(&json!({"num": 0, "size": leaves, "to": to.as_u64()}))?,
    };
    let start = Instant::now();
    let root: Pid = me.spawn(module, args, false, false)?.pid;
    let sum = me
        .recv_match(Some(Duration::from_secs(600)), |m| {
            (m.sender == root && m.kind == MessageKind::User)
                .then(|| Some(u64::from_le_bytes(m.data.as_ref().try_into().ok()?)))
                .flatten()
        })
        .await?;
    let ns = start.elapsed().as_nanos() as f64;
    let sum = sum.with_context(|| {
        format!(
            "skynet of {module} did not finish within 10 minutes ({} processes alive)",
            me.node().process_count()
        )
    })?;
    ensure!(
        sum == leaves * (leaves - 1) / 2,
        "skynet of {module} summed to {sum}"
    );
    Ok(ns)
}

/// This process's peak resident memory (`VmHWM`), in bytes.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_counts_every_level() {
        assert_eq!(tree_processes(1), 1);
        assert_eq!(tree_processes(10), 11);
        assert_eq!(tree_processes(1_000_000), 1_111_111);
    }

    #[test]
    fn quick_sizes_are_smaller_and_skynet_keeps_a_power_of_ten() {
        let (full, quick) = (Sizes::new(false), Sizes::new(true));
        assert!(quick.stream < full.stream && quick.skynet_leaves < full.skynet_leaves);
        for leaves in [full.skynet_leaves, quick.skynet_leaves] {
            assert_eq!(
                leaves.to_string().trim_start_matches('1').trim_matches('0'),
                ""
            );
        }
    }
}
