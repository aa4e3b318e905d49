//! Hot-swap benchmarks: the pause one process sees when its module is replaced under a
//! steady stream of messages, and how long upgrading many live processes takes.
//!
//! Both swap the `counter` server between its two real versions (`counter.wasm` and
//! `counter_v2.wasm`, which keep their state in different shapes and convert it in
//! `code_change`), by copying one or the other onto a file and reloading that file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use hatchery::{ExitReason, LoadCause, NativeProcess, Node, NodeConfig, Pid, SwapRecord};
use serde_json::json;

use super::{Sizes, call, median};

/// Runs both swap benchmarks on a node of their own; figures in nanoseconds.
pub async fn run(
    modules: &Path,
    s: &Sizes,
    reps: usize,
) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let config = NodeConfig {
        // Each counter briefly holds two instances while it switches.
        max_processes: u32::try_from(s.swap_procs + 2_000).unwrap_or(u32::MAX),
        ..crate::base_config()
    };
    let node = Node::new(config)?;
    let mut swapper = Swapper::new(modules)?;
    node.load_module_file(&swapper.file)
        .with_context(|| format!("loading {}", swapper.file.display()))?;
    let me = node.spawn_native("bench-swap")?;
    let mut out = BTreeMap::new();

    let [pause, client, client_upgrade] = one_process(&node, &me, &mut swapper, s.swaps).await?;
    for (key, v) in [
        ("swap_pause_ns", pause),
        ("swap_pause_client_ns", client),
        ("swap_pause_client_upgrade_ns", client_upgrade),
    ] {
        eprintln!("hatchery {key} {v:.1}");
        out.insert(key, v);
    }

    let (took, mean_pause) = many(&node, &me, &mut swapper, s.swap_procs, reps).await?;
    eprintln!("hatchery swap_many_ns {took:.1}");
    eprintln!("hatchery swap_many_pause_mean_ns {mean_pause:.1}");
    out.insert("swap_many_ns", took);
    out.insert("swap_many_pause_mean_ns", mean_pause);
    Ok(out)
}

/// Alternates the bytes of `<tmp>/counter.wasm` between the two versions.
struct Swapper {
    dir: PathBuf,
    file: PathBuf,
    versions: [PathBuf; 2],
    next: usize,
}

impl Swapper {
    fn new(modules: &Path) -> anyhow::Result<Self> {
        let versions = [
            modules.join("counter.wasm"),
            modules.join("counter_v2.wasm"),
        ];
        for v in &versions {
            ensure!(
                v.exists(),
                "{} is missing: build modules/ first",
                v.display()
            );
        }
        let dir = std::env::temp_dir().join(format!("hatchery-bench-swap-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let file = dir.join("counter.wasm");
        std::fs::copy(&versions[0], &file)?;
        Ok(Swapper {
            dir,
            file,
            versions,
            next: 1,
        })
    }

    /// Loads the other version and waits for every live counter to switch to it. Also
    /// returns when the reload call returned, which is after the new code was compiled.
    async fn swap(&mut self, node: &Node) -> anyhow::Result<(SwapRecord, Instant)> {
        std::fs::copy(&self.versions[self.next], &self.file)?;
        self.next = 1 - self.next;
        let record = node
            .reload(&self.file, LoadCause::Manual)
            .await?
            .context("reload saw identical bytes")?;
        let done = Instant::now();
        ensure!(
            record.failed == 0 && record.pending == 0,
            "swap failed: {} (first errors: {:?})",
            record.summary(),
            record.errors.iter().take(3).collect::<Vec<_>>()
        );
        Ok((record, done))
    }
}

impl Drop for Swapper {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn cast_inc(from: &NativeProcess, to: Pid, seq: u64) {
    from.send_json(to, &json!({"$cast": {"inc": seq}}));
}

/// The counter's state as seen by `from` (after everything `from` sent it before).
async fn state_of(from: &NativeProcess, pid: Pid) -> anyhow::Result<[u64; 4]> {
    let v = call(from, pid, json!("get")).await?;
    let field = |k: &str| {
        v[k].as_u64()
            .with_context(|| format!("counter state without `{k}`: {v}"))
    };
    Ok([
        field("count")?,
        field("last")?,
        field("out_of_order")?,
        field("upgrades")?,
    ])
}

/// One counter fed 20 casts a millisecond; a client calls it back to back while its module
/// is swapped `swaps` times (plus one warm-up). Returns the medians of the pause the host
/// measured inside the process, and of the extra delay the client saw: the slowest call
/// overlapping the reload (compiling included, as Erlang's figure includes loading)
/// minus the usual call, and the same over the upgrade alone.
async fn one_process(
    node: &Node,
    me: &NativeProcess,
    swapper: &mut Swapper,
    swaps: u64,
) -> anyhow::Result<[f64; 3]> {
    let counter = me.spawn_json("counter", &json!({}), false, false)?.pid;
    state_of(me, counter).await?;
    let stop = Arc::new(AtomicBool::new(false));

    let feeder = node.spawn_native("swap-feeder")?;
    let feeding = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut seq = 0;
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..20 {
                    seq += 1;
                    cast_inc(&feeder, counter, seq);
                }
                tokio::time::sleep(Duration::from_micros(200)).await;
            }
            (feeder, seq)
        })
    };
    let client = node.spawn_native("swap-client")?;
    let calling = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut samples: Vec<(Instant, Duration)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let start = Instant::now();
                call(&client, counter, json!("get")).await?;
                samples.push((start, start.elapsed()));
            }
            anyhow::Ok(samples)
        })
    };

    tokio::time::sleep(Duration::from_millis(50)).await;
    // Per swap: the whole reload (compiling included), and the upgrade itself.
    let mut reloads = Vec::new();
    let mut windows = Vec::new();
    let mut pauses = Vec::new();
    for i in 0..=swaps {
        let began = Instant::now();
        let (record, done) = swapper.swap(node).await?;
        ensure!(record.upgraded == 1, "swap: {}", record.summary());
        let upgrade = done
            .checked_sub(Duration::from_micros(record.took_us))
            .unwrap_or(began);
        eprintln!(
            "swap one: reload {:.2} ms, of which upgrade {:.3} ms, pause {} µs",
            done.duration_since(began).as_secs_f64() * 1e3,
            record.took_us as f64 / 1e3,
            record.pause_max_us
        );
        reloads.push((began, done));
        if i > 0 {
            windows.push((began, upgrade, done));
            pauses.push(record.pause_max_us as f64 * 1e3);
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let (feeder, sent) = feeding.await?;
    let samples = calling.await??;

    // Casts and the feeder's call are in order, so this sees every increment.
    let [count, last, out_of_order, upgrades] = state_of(&feeder, counter).await?;
    ensure!(
        count == sent && last == sent && out_of_order == 0 && upgrades == swaps + 1,
        "the counter lost or reordered increments across swaps: sent {sent}, \
         count {count}, last {last}, out of order {out_of_order}, upgrades {upgrades}"
    );
    let _ = node.exit_signal(me.pid(), counter, &ExitReason::Killed, true);

    let overlaps = |(start, rtt): &(Instant, Duration), from: Instant, to: Instant| {
        *start <= to && *start + *rtt >= from
    };
    let quiet: Vec<f64> = samples
        .iter()
        .filter(|s| !reloads.iter().any(|w| overlaps(s, w.0, w.1)))
        .map(|s| s.1.as_nanos() as f64)
        .collect();
    ensure!(!quiet.is_empty(), "no call finished outside the swaps");
    let usual = median(quiet);
    let extra = |from: Instant, to: Instant| {
        let worst = samples
            .iter()
            .filter(|s| overlaps(s, from, to))
            .map(|s| s.1.as_nanos() as f64)
            .fold(0.0, f64::max);
        (worst - usual).max(0.0)
    };
    let whole: Vec<f64> = windows.iter().map(|w| extra(w.0, w.2)).collect();
    let upgrade: Vec<f64> = windows.iter().map(|w| extra(w.1, w.2)).collect();
    eprintln!(
        "swap one: {} calls, usual round trip {:.1} µs, {sent} casts; extra delay over the \
         whole reload {whole:.0?} ns, over the upgrade alone {upgrade:.0?} ns",
        samples.len(),
        usual / 1e3
    );
    Ok([median(pauses), median(whole), median(upgrade)])
}

/// `n` counters, a feeder casting to each in turn (one round, then a call to the round's
/// last counter so the mailboxes stay short), and `reps` swaps plus a warm-up while it
/// runs. Returns the medians of the time until every process switched and of the mean
/// pause per process. Every counter's state is checked afterwards.
async fn many(
    node: &Node,
    me: &NativeProcess,
    swapper: &mut Swapper,
    n: u64,
    reps: usize,
) -> anyhow::Result<(f64, f64)> {
    let mut pids = Vec::with_capacity(n as usize);
    for _ in 0..n {
        pids.push(me.spawn_json("counter", &json!({}), false, false)?.pid);
    }
    // Every counter has finished its init and serves.
    for &p in &pids {
        state_of(me, p).await?;
    }
    let pids = Arc::new(pids);
    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicU64::new(0));
    let feeder = node.spawn_native("swap-many-feeder")?;
    let feeding = {
        let (stop, rounds, pids) = (stop.clone(), rounds.clone(), pids.clone());
        tokio::spawn(async move {
            let mut round = 0;
            while !stop.load(Ordering::Relaxed) {
                round += 1;
                for &p in pids.iter() {
                    cast_inc(&feeder, p, round);
                }
                if let Some(&last) = pids.last() {
                    call(&feeder, last, json!("get")).await?;
                }
                rounds.store(round, Ordering::Relaxed);
            }
            anyhow::Ok((feeder, round))
        })
    };

    let (mut took, mut mean_pause) = (Vec::new(), Vec::new());
    let started = Instant::now();
    for rep in 0..=reps {
        let before = rounds.load(Ordering::Relaxed);
        while rounds.load(Ordering::Relaxed) < before + 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let began = Instant::now();
        let (record, done) = swapper.swap(node).await?;
        ensure!(
            u64::from(record.upgraded) == n,
            "expected {n} upgraded: {}",
            record.summary()
        );
        eprintln!(
            "swap {n}: reload {:.1} ms, of which upgrade {:.1} ms; pause max {} µs, mean {:.1} µs",
            done.duration_since(began).as_secs_f64() * 1e3,
            record.took_us as f64 / 1e3,
            record.pause_max_us,
            record.pause_total_us as f64 / n as f64
        );
        if rep > 0 {
            took.push(record.took_us as f64 * 1e3);
            mean_pause.push(record.pause_total_us as f64 * 1e3 / n as f64);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (feeder, sent) = feeding.await??;
    eprintln!(
        "swap {n}: the feeder cast {:.0} messages a second",
        (sent * n) as f64 / started.elapsed().as_secs_f64()
    );

    // The feeder's own call comes after all its casts: every count must be exact.
    let mut wrong = Vec::new();
    for &p in pids.iter() {
        let [count, last, out_of_order, upgrades] = state_of(&feeder, p).await?;
        if count != sent || last != sent || out_of_order != 0 || upgrades != reps as u64 + 1 {
            wrong.push(format!(
                "{p}: count {count}, last {last}, out of order {out_of_order}, upgrades {upgrades}"
            ));
        }
    }
    if !wrong.is_empty() {
        bail!(
            "{} of {n} counters lost or reordered increments across swaps (each was sent \
             {sent}, and swapped {} times), e.g. {}",
            wrong.len(),
            reps + 1,
            wrong[..wrong.len().min(5)].join("; ")
        );
    }
    for &p in pids.iter() {
        let _ = node.exit_signal(me.pid(), p, &ExitReason::Killed, true);
    }
    Ok((median(took), median(mean_pause)))
}
