//! `hatchery-bench`: measures Hatchery and Erlang/OTP side by side, in one run, on this
//! machine, and prints one table (optionally writing it to BENCHMARKS.md).
//!
//! Each figure is the median of several repetitions after a warm-up. Erlang's figures come
//! from `bench/erlang/peer.escript`, run by this program right after ours.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use hatchery::{NativeProcess, Node, NodeConfig};
use serde_json::{Value, json};

// The allocator of the `hatchery` binary, so that the figures are the product's.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod dist;
mod languages;

/// The node settings every benchmark starts from: the defaults, but with no subtree quota
/// and no guest memory budget (skynet's million processes are one subtree; a million Rust
/// servers' linear memories add up to more than the machine has, though little of it is
/// resident), and for the schedulers when `HATCHERY_BENCH_SCHEDULERS` is set (`NodeConfig::schedulers`, one per core by default;
/// 0 runs the processes on the bench's own tokio runtime; for A/B runs of one binary). An
/// environment variable, so that the benchmarks run in child processes follow it.
fn base_config() -> NodeConfig {
    let mut c = NodeConfig::default();
    c.budgets.subtree_processes = Some(u32::MAX);
    c.budgets.guest_memory = None;
    if let Some(n) = std::env::var("HATCHERY_BENCH_SCHEDULERS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        c.schedulers = n;
    }
    c
}
mod load;
mod markdown;
mod nats_floor;
mod swap;

#[derive(Parser)]
#[command(about = "Benchmarks Hatchery beside Erlang/OTP on this machine")]
struct Args {
    /// Where the built guest modules are.
    #[arg(long, default_value = "modules/target/wasm32-wasip1/release")]
    modules: PathBuf,
    /// Repetitions per figure (the median is reported).
    #[arg(long, default_value_t = 5)]
    reps: usize,
    /// Smaller workloads, one repetition: a smoke test.
    #[arg(long)]
    quick: bool,
    /// Skip the Erlang peer.
    #[arg(long)]
    no_erlang: bool,
    /// Worker threads of the bench's own tokio runtime (default: one per core); the
    /// processes run there only with `HATCHERY_BENCH_SCHEDULERS=0`.
    #[arg(long)]
    workers: Option<usize>,
    /// Write the tables into this Markdown file, each between its marker comments
    /// (`<!-- hatchery-bench:table -->` … `<!-- /hatchery-bench:table -->`, the same with
    /// `languages`), keeping the rest of the file; a new file gets just the tables.
    #[arg(long)]
    write: Option<PathBuf>,
    /// Also spawn a million idle behaviour-style processes (needs ~13 GB of memory).
    #[arg(long)]
    million: bool,
    /// Only the hot-swap benchmarks.
    #[arg(long)]
    swap_only: bool,
    /// Only the distribution benchmarks: two nodes over NATS beside Erlang distribution
    /// (needs nats-server).
    #[arg(long)]
    dist_only: bool,
    /// Internal: measure the idle memory of N processes of MODULE in this (fresh) process.
    #[arg(long, num_args = 2, value_names = ["MODULE", "N"], hide = true)]
    idle_child: Option<Vec<String>>,
    /// Where the guests in other languages are (scripts/guests.sh builds them).
    #[arg(long, default_value = "modules/target/guests")]
    guests: PathBuf,
    /// Only the per-language rows.
    #[arg(long)]
    languages_only: bool,
    /// Leave out the per-language rows.
    #[arg(long)]
    no_languages: bool,
    /// Internal: the idle memory of N processes of the module FILE with a cap of MIB.
    #[arg(long, num_args = 3, value_names = ["FILE", "MIB", "N"], hide = true)]
    idle_file: Option<Vec<String>>,
    /// Where the WAT guests of the load benchmarks are (loaded as text, no build step).
    #[arg(long, default_value = "modules/load/wat")]
    wat_guests: PathBuf,
    /// Only the load benchmarks (streams, skynet, latency under load, restarts).
    #[arg(long)]
    load_only: bool,
    /// The preemption tick of the load benchmarks' node, in µs (default: the node's, 1 ms);
    /// it bounds the latency beside spinners at p99.9 (BENCHMARKS.md, "Scheduling").
    #[arg(long)]
    preempt_us: Option<u64>,
    /// Internal: REPS skynets of MODULE with LEAVES leaves in this (fresh) process.
    #[arg(long, num_args = 3, value_names = ["MODULE", "LEAVES", "REPS"], hide = true)]
    skynet_child: Option<Vec<String>>,
}

/// Which groups of rows a run measures.
struct Parts {
    /// Spawning, messaging, behaviours and idle memory (`run_ours`).
    core: bool,
    /// The hot-swap rows (swap.rs).
    swap: bool,
    /// Streams, skynet, latency under load and restarts (load.rs).
    load: bool,
    /// The per-language table (languages.rs).
    languages: bool,
}

impl Parts {
    fn of(a: &Args) -> Parts {
        let only = a.swap_only || a.languages_only || a.load_only;
        Parts {
            core: !only,
            swap: !only || a.swap_only,
            load: !only || a.load_only,
            languages: (!only && !a.no_languages) || a.languages_only,
        }
    }
}

struct Sizes {
    spawn: u64,
    rounds: u64,
    ring: u64,
    laps: u64,
    idle: u64,
    /// Live counters upgraded at once.
    swap_procs: u64,
    /// Swaps of a single counter.
    swaps: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sizes = if args.quick {
        Sizes {
            spawn: 10_000,
            rounds: 10_000,
            ring: 1_000,
            laps: 10,
            idle: 10_000,
            swap_procs: 1_000,
            swaps: 5,
        }
    } else {
        Sizes {
            spawn: 100_000,
            rounds: 100_000,
            ring: 10_000,
            laps: 100,
            idle: 100_000,
            swap_procs: 10_000,
            swaps: 20,
        }
    };
    let reps = if args.quick { 1 } else { args.reps.max(1) };
    if let Some(child) = &args.idle_child {
        return idle_child(&args.modules, &child[0], child[1].parse()?);
    }
    if let Some(f) = &args.idle_file {
        return languages::idle_file(Path::new(&f[0]), f[1].parse()?, f[2].parse()?);
    }
    if let Some(c) = &args.skynet_child {
        let (leaves, reps) = (c[1].parse()?, c[2].parse()?);
        return load::skynet_child(&args.modules, &args.wat_guests, &c[0], leaves, reps);
    }
    if args.dist_only {
        return dist_only(&args, reps);
    }
    let parts = Parts::of(&args);
    let load_sizes = load::Sizes::new(args.quick);
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.workers {
        rt.worker_threads(n);
    }
    let rt = rt.enable_all().build()?;
    let mut ours = BTreeMap::new();
    if parts.core {
        ours.extend(rt.block_on(run_ours(&args.modules, &sizes, reps, args.million))?);
    }
    if parts.swap {
        ours.extend(rt.block_on(swap::run(&args.modules, &sizes, reps))?);
    }
    if parts.load {
        let tick = args.preempt_us.map(std::time::Duration::from_micros);
        let load = load::run(&args.modules, &args.wat_guests, &load_sizes, reps, tick);
        ours.extend(rt.block_on(load)?);
    }
    let langs = if !parts.languages {
        BTreeMap::new()
    } else {
        rt.block_on(languages::run(
            &args.modules,
            &args.guests,
            reps.min(3),
            args.quick,
        ))?
    };
    drop(rt);
    let erlang = if args.no_erlang {
        BTreeMap::new()
    } else {
        run_erlang(args.quick, &parts)?
    };
    let mut blocks = Vec::new();
    if parts.core || parts.swap || parts.load {
        let table = render(&ours, &erlang, &sizes, &load_sizes, reps);
        println!("{table}");
        blocks.push(("table", table));
    }
    if !langs.is_empty() {
        let table = languages::render(&langs, &erlang);
        println!("\n### Guest languages\n\n{table}");
        blocks.push(("languages", table));
    }
    if let Some(path) = args.write {
        let blocks: Vec<(&str, &str)> = blocks.iter().map(|(n, t)| (*n, t.as_str())).collect();
        markdown::write_blocks(&path, &blocks)?;
    }
    Ok(())
}

/// `--dist-only`: the distribution table, written between the `dist` markers.
fn dist_only(args: &Args, reps: usize) -> anyhow::Result<()> {
    let sizes = dist::Sizes::new(args.quick);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let ours = rt.block_on(dist::run(&args.modules, &sizes, reps))?;
    drop(rt);
    let erlang = if args.no_erlang {
        BTreeMap::new()
    } else {
        dist::erlang(args.quick)?
    };
    let table = dist::render(&ours, &erlang, &sizes, reps);
    println!("{table}");
    if let Some(path) = &args.write {
        markdown::write_blocks(path, &[("dist", table.as_str())])?;
    }
    Ok(())
}

/// Puts the median of `v` into `out` as figure `name`, and says it on stderr.
fn record(out: &mut BTreeMap<&'static str, f64>, name: &'static str, v: Vec<f64>) {
    let m = median(v);
    eprintln!("hatchery {name} {m:.1}");
    out.insert(name, m);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

async fn run_ours(
    modules: &Path,
    s: &Sizes,
    reps: usize,
    million: bool,
) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let config = NodeConfig {
        max_processes: u32::try_from(s.spawn + 20_000).unwrap_or(u32::MAX),
        ..crate::base_config()
    };
    if let Some(w) = hatchery::sys::map_count_warning(config.max_processes) {
        bail!("{w}");
    }
    let node = Node::new(config)?;
    let (_, errors) = node.load_module_dir(modules);
    if let Some(e) = errors.first() {
        bail!("{e}");
    }
    for m in [
        "spawner", "noop", "pingpong", "ring", "idle", "kv", "caller",
    ] {
        if node.modules().iter().all(|x| &*x.name != m) {
            bail!(
                "module {m} is missing from {}: build modules/ first",
                modules.display()
            );
        }
    }
    let wat_dir = std::env::temp_dir().join(format!("hatchery-bench-{}", std::process::id()));
    std::fs::create_dir_all(&wat_dir)?;
    let wat_noop = wat_dir.join("noop_wat.wat");
    std::fs::write(
        &wat_noop,
        r#"(module (memory (export "memory") 1) (func (export "hatchery_main")))"#,
    )?;
    node.load_module_file(&wat_noop)?;

    let me = node.spawn_native("bench")?;
    let mut out = BTreeMap::new();
    let mut measure = |name, v| record(&mut out, name, v);

    for (name, module) in [("spawn_exit_ns", "noop"), ("spawn_exit_wat_ns", "noop_wat")] {
        let mut v = Vec::new();
        for rep in 0..=reps {
            let r = report(&me, "spawner", json!({"n": s.spawn, "module": module})).await?;
            if rep > 0 {
                v.push(num(&r, "ns")? / s.spawn as f64);
            }
        }
        measure(name, v);
    }

    let mut v = Vec::new();
    for rep in 0..=reps {
        let r = report(&me, "pingpong", json!({"rounds": s.rounds, "size": 64})).await?;
        if rep > 0 {
            v.push(num(&r, "ns")? / s.rounds as f64);
        }
    }
    measure("pingpong_rtt_ns", v);

    let (mut hop, mut setup) = (Vec::new(), Vec::new());
    for rep in 0..=reps {
        let r = report(&me, "ring", json!({"n": s.ring, "laps": s.laps})).await?;
        if rep > 0 {
            hop.push(num(&r, "run_ns")? / num(&r, "hops")?);
            setup.push(num(&r, "setup_ns")? / s.ring as f64);
        }
    }
    measure("ring_hop_ns", hop);
    measure("ring_setup_ns", setup);

    // Behaviours: a call round trip to a kv server, and crash -> restarted child answering.
    let kv = me
        .spawn("kv", br#"{"register": false}"#.to_vec(), false, false)?
        .pid;
    let mut v = Vec::new();
    for rep in 0..=reps {
        let n = s.rounds / 10;
        let start = Instant::now();
        for _ in 0..n {
            call(&me, kv, json!("infos")).await?;
        }
        if rep > 0 {
            v.push(start.elapsed().as_nanos() as f64 / n as f64);
        }
    }
    measure("call_rtt_ns", v);
    let mut v = Vec::new();
    for rep in 0..=reps {
        let r = report(&me, "caller", json!({"n": s.rounds / 10})).await?;
        if rep > 0 {
            v.push(num(&r, "ns")? / num(&r, "calls")?);
        }
    }
    measure("guest_call_rtt_ns", v);
    let _ = node.exit_signal(me.pid(), kv, &hatchery::ExitReason::Killed, true);
    measure("restart_ns", crash_to_answer(&node, &me, reps * 10).await?);

    let _ = std::fs::remove_dir_all(&wat_dir);
    // Freed instance slots keep some pages resident for reuse, so idle memory is measured
    // in a fresh process each time, as the Erlang peer does with a fresh VM.
    for (name, module) in [
        ("idle_rss_bytes", "idle"),
        ("idle_wat_rss_bytes", "idle_wat"),
        ("idle_behaviour_rss_bytes", "kv"),
        ("idle_behaviour_wat_rss_bytes", "echo_beh"),
        ("idle_hibernated_rss_bytes", "counter_hibernating"),
    ] {
        let mut v = Vec::new();
        for _ in 0..reps.min(3) {
            let out = Command::new(std::env::current_exe()?)
                .args([
                    "--modules",
                    &modules.display().to_string(),
                    "--idle-child",
                    module,
                    &s.idle.to_string(),
                ])
                .output()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let bytes: f64 = text
                .split_whitespace()
                .next()
                .unwrap_or("")
                .parse()
                .with_context(|| {
                    format!(
                        "idle child for {module} failed: {}{}",
                        text,
                        String::from_utf8_lossy(&out.stderr)
                    )
                })?;
            v.push(bytes);
        }
        measure(name, v);
    }
    if million {
        for (module, rss, spawn) in [
            ("echo_beh", "million_rss_bytes", "million_spawn_ns"),
            (
                "counter_hibernating",
                "million_hibernated_rss_bytes",
                "million_hibernated_spawn_ns",
            ),
        ] {
            let run = Command::new(std::env::current_exe()?)
                .args([
                    "--modules",
                    &modules.display().to_string(),
                    "--idle-child",
                    module,
                    "1000000",
                ])
                .output()?;
            let text = String::from_utf8_lossy(&run.stdout);
            let mut parts = text.split_whitespace().map(str::parse::<f64>);
            match (parts.next(), parts.next()) {
                (Some(Ok(bytes)), Some(Ok(ns))) => {
                    measure(rss, vec![bytes]);
                    measure(spawn, vec![ns]);
                }
                _ => bail!(
                    "the million-process run of {module} failed: {text}{}",
                    String::from_utf8_lossy(&run.stderr)
                ),
            }
        }
    }
    Ok(out)
}

/// One gen_server-style call from a native process (the wire format of the SDK's `call`).
async fn call(me: &NativeProcess, to: hatchery::Pid, req: Value) -> anyhow::Result<Value> {
    let r = me.node().make_ref();
    me.send_json(to, &json!({"$call": {"ref": r, "req": req}}));
    let got = me
        .recv_match(Some(Duration::from_secs(60)), |m| {
            let v: Value = serde_json::from_slice(&m.data).ok()?;
            (v["$reply"]["ref"] == json!(r)).then(|| v["$reply"]["value"].clone())
        })
        .await?;
    got.context("no reply within 60 s")
}

/// Time from a crashing call to the restarted kv (same name, new pid) answering a call.
async fn crash_to_answer(
    node: &Node,
    me: &NativeProcess,
    rounds: usize,
) -> anyhow::Result<Vec<f64>> {
    use hatchery::supervisor::{ChildSpec, Shutdown, Strategy, SupervisorSpec};
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: u32::MAX,
        period: Duration::from_secs(1),
        children: vec![ChildSpec {
            shutdown: Shutdown::BrutalKill,
            ..ChildSpec::worker("kv", "kv", Vec::new())
        }],
    };
    let sup = node.start_supervisor(spec, Some(me.pid()))?;
    let mut out = Vec::new();
    for _ in 0..rounds {
        let old = loop {
            if let Some(p) = node.whereis("kv") {
                break p;
            }
            tokio::task::yield_now().await;
        };
        let start = Instant::now();
        me.send_json(
            old,
            &json!({"$call": {"ref": 0, "req": {"lookup": "crash"}}}),
        );
        let new = loop {
            match node.whereis("kv") {
                Some(p) if p != old => break p,
                _ => tokio::task::yield_now().await,
            }
        };
        call(me, new, json!("infos")).await?;
        out.push(start.elapsed().as_nanos() as f64);
    }
    let _ = node.exit_signal(me.pid(), sup, &hatchery::ExitReason::Shutdown, false);
    Ok(out)
}

fn num(v: &Value, key: &str) -> anyhow::Result<f64> {
    v[key]
        .as_f64()
        .with_context(|| format!("report without `{key}`: {v}"))
}

/// Spawns `module` with `args` plus `report_to`, and waits for its JSON report.
async fn report(me: &NativeProcess, module: &str, mut args: Value) -> anyhow::Result<Value> {
    args["report_to"] = json!(me.pid().as_u64());
    let child = me.spawn_json(module, &args, false, true)?.pid;
    let got = me
        .recv_match(Some(Duration::from_secs(600)), |m| {
            (m.sender == child && m.kind == hatchery::MessageKind::User)
                .then(|| serde_json::from_slice::<Value>(&m.data).ok())
                .flatten()
        })
        .await?;
    let got = got.with_context(|| format!("{module} did not report within 10 minutes"))?;
    // Wait for its DOWN so the next run starts on a quiet node.
    me.recv_match(Some(Duration::from_secs(600)), |m| {
        (m.sender == child && m.kind == hatchery::MessageKind::Down).then_some(())
    })
    .await?;
    Ok(got)
}

/// A node of its own, `n` idle processes of `module`; prints bytes per process.
fn idle_child(modules: &Path, module: &str, n: u64) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    // `counter_hibernating`: the Rust counter server on a node that hibernates servers
    // idle for 1 ms (state saved, instance dropped until the next message).
    let (module, hibernate) = match module {
        "counter_hibernating" => ("counter", true),
        m => (m, false),
    };
    rt.block_on(async {
        let config = NodeConfig {
            max_processes: u32::try_from(n + 2_000).unwrap_or(u32::MAX),
            hibernate_after: hibernate.then_some(Duration::from_millis(1)),
            ..crate::base_config()
        };
        let node = Node::new(config)?;
        node.load_module_file(&module_file(modules, module))?;
        let me = node.spawn_native("bench")?;
        // One small round first, so one-time allocations are not counted per process.
        idle_memory(&node, &me, module, 1000).await?;
        let (per, spawn_ns) = idle_memory(&node, &me, module, n).await?;
        println!("{per:.1} {spawn_ns:.1}");
        anyhow::Ok(())
    })
}

/// The WAT guests of the idle rows (`echo_beh`, `idle_wat`), read as text.
const IDLE_WAT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/wat");

/// The file of `module`: a WAT guest of [`IDLE_WAT_DIR`], or a built module in `modules`.
fn module_file(modules: &Path, module: &str) -> PathBuf {
    let wat = Path::new(IDLE_WAT_DIR).join(format!("{module}.wat"));
    if wat.exists() {
        wat
    } else {
        modules.join(format!("{module}.wasm"))
    }
}

/// Resident memory per idle process: RSS before and after `n` processes are blocked in
/// `receive`, once RSS has settled.
async fn idle_memory(
    node: &Node,
    me: &NativeProcess,
    module: &str,
    n: u64,
) -> anyhow::Result<(f64, f64)> {
    settle().await;
    let before = hatchery::sys::resident_bytes().context("reading VmRSS")? as f64;
    let base = node.process_count();
    let ready = || {
        node.stats()
            .instantiated
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let ready_before = ready();
    let hibernated_before = node
        .stats()
        .hibernations
        .load(std::sync::atomic::Ordering::Relaxed);
    let start = Instant::now();
    let mut pids = Vec::with_capacity(n as usize);
    // The Rust server (kv) must not register a name: there are many of them.
    let args: &[u8] = if module == "kv" {
        br#"{"register": false}"#
    } else {
        b""
    };
    for _ in 0..n {
        pids.push(me.spawn(module, args.to_vec(), false, false)?.pid);
    }
    while ready() < ready_before + n && start.elapsed() < Duration::from_secs(600) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    // On a hibernating node, ready means asleep: state saved, instance dropped.
    if node.config().hibernate_after.is_some() {
        let asleep = || {
            node.stats()
                .hibernations
                .load(std::sync::atomic::Ordering::Relaxed)
        };
        while asleep() < hibernated_before + n && start.elapsed() < Duration::from_secs(900) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    let spawn_ns = start.elapsed().as_nanos() as f64 / n as f64;
    settle().await;
    let after = hatchery::sys::resident_bytes().context("reading VmRSS")? as f64;
    if node.process_count() < base + n as usize {
        bail!(
            "only {} of {n} idle processes are alive",
            node.process_count() - base
        );
    }
    for p in pids {
        let _ = node.exit_signal(me.pid(), p, &hatchery::ExitReason::Killed, true);
    }
    let start = Instant::now();
    while node.process_count() > base && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(((after - before) / n as f64, spawn_ns))
}

/// Waits until resident memory stops changing (all spawned processes have run).
async fn settle() {
    let mut last = 0;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = hatchery::sys::resident_bytes().unwrap_or(0);
        if now.abs_diff(last) < 64 << 10 {
            return;
        }
        last = now;
    }
}

fn run_erlang(quick: bool, parts: &Parts) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let script = Path::new("bench/erlang/peer.escript");
    let mut cmd = Command::new("escript");
    cmd.arg(script);
    if quick {
        cmd.arg("quick");
    }
    // The languages table needs the core figures, so only swap and load runs are partial.
    if !parts.core && !parts.languages {
        if parts.swap {
            cmd.arg("swap");
        }
        if parts.load {
            cmd.arg("load");
        }
    }
    let out = cmd
        .output()
        .context("running escript (is erlang-nox installed? scripts/bench installs it)")?;
    if !out.status.success() {
        bail!(
            "the Erlang peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Its runs one by one, and its warnings about other load on the machine.
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let mut m = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut parts = line.split_whitespace();
        if let (Some("erlang"), Some(key), Some(val)) = (parts.next(), parts.next(), parts.next())
            && let (Some(k), Ok(v)) = (KEYS.iter().find(|k| **k == key), val.parse::<f64>())
        {
            m.insert(*k, v);
        }
    }
    Ok(m)
}

const KEYS: &[&str] = &[
    "spawn_exit_ns",
    "pingpong_rtt_ns",
    "ring_hop_ns",
    "ring_setup_ns",
    "idle_bytes",
    "idle_rss_bytes",
    "swap_pause_ns",
    "swap_pause_client_ns",
    "swap_many_ns",
    "swap_many_pause_mean_ns",
    "stream_msgs_per_s",
    "fan_in_msgs_per_s",
    "skynet_ns",
    "latency_busy_p50_ns",
    "latency_busy_p99_ns",
    "latency_busy_p999_ns",
    "latency_p50_ns",
    "latency_p99_ns",
    "latency_p999_ns",
    "restarts_per_s",
    "restarts_logged_per_s",
    "otp_release",
    "schedulers",
];

fn render(
    ours: &BTreeMap<&str, f64>,
    erl: &BTreeMap<&str, f64>,
    s: &Sizes,
    load: &load::Sizes,
    reps: usize,
) -> String {
    let rows: &[(&str, &str, &str, &str)] = &[
        (
            "spawn + exit (Rust SDK guest)",
            "spawn_exit_ns",
            "spawn_exit_ns",
            "µs",
        ),
        (
            "spawn + exit (WAT guest, no WASI)",
            "spawn_exit_wat_ns",
            "spawn_exit_ns",
            "µs",
        ),
        (
            "ping-pong round trip, 64 bytes",
            "pingpong_rtt_ns",
            "pingpong_rtt_ns",
            "µs",
        ),
        (
            "ring of 10,000 × 100 laps, per hop",
            "ring_hop_ns",
            "ring_hop_ns",
            "µs",
        ),
        (
            "ring set-up, per process",
            "ring_setup_ns",
            "ring_setup_ns",
            "µs",
        ),
        (
            "one-way stream 1 → 1, 8-byte messages (Rust SDK guests)",
            "stream_msgs_per_s",
            "stream_msgs_per_s",
            "msg/s",
        ),
        (
            "fan-in 1,000 → 1, 8-byte messages (Rust SDK guests)",
            "fan_in_msgs_per_s",
            "fan_in_msgs_per_s",
            "msg/s",
        ),
        (
            "skynet, 1,111,111 processes (WAT guest): total",
            "skynet_ns",
            "skynet_ns",
            "time",
        ),
        (
            "skynet, 1,111,111 processes (Rust SDK guest): total",
            "skynet_rust_ns",
            "skynet_ns",
            "time",
        ),
        (
            "ping-pong latency beside 2 spinning processes, p50",
            "latency_busy_p50_ns",
            "latency_busy_p50_ns",
            "time",
        ),
        (
            "ping-pong latency beside 2 spinning processes, p99",
            "latency_busy_p99_ns",
            "latency_busy_p99_ns",
            "time",
        ),
        (
            "ping-pong latency beside 2 spinning processes, p99.9",
            "latency_busy_p999_ns",
            "latency_busy_p999_ns",
            "time",
        ),
        (
            "ping-pong latency, nothing else running, p50",
            "latency_p50_ns",
            "latency_p50_ns",
            "time",
        ),
        (
            "ping-pong latency, nothing else running, p99",
            "latency_p99_ns",
            "latency_p99_ns",
            "time",
        ),
        (
            "ping-pong latency, nothing else running, p99.9",
            "latency_p999_ns",
            "latency_p999_ns",
            "time",
        ),
        (
            "call round trip, guest to a kv server",
            "guest_call_rtt_ns",
            "",
            "µs",
        ),
        (
            "call round trip to a kv server (native caller)",
            "call_rtt_ns",
            "",
            "µs",
        ),
        (
            "crash → restarted child answering (supervised kv)",
            "restart_ns",
            "",
            "µs",
        ),
        (
            "restarts of a crashing linked child under a trapping parent (Rust child, panics)",
            "restarts_per_s",
            "restarts_per_s",
            "restarts/s",
        ),
        (
            "restarts of a crashing linked child under a trapping parent (WAT child, traps)",
            "restarts_wat_per_s",
            "restarts_per_s",
            "restarts/s",
        ),
        (
            "1,000,000 idle behaviour processes (WAT): spawn, per process",
            "million_spawn_ns",
            "",
            "µs",
        ),
        (
            "1,000,000 idle behaviour processes (WAT): resident, per process",
            "million_rss_bytes",
            "",
            "KB",
        ),
        (
            "1,000,000 idle Rust servers, hibernated: spawn + init + hibernate, per process",
            "million_hibernated_spawn_ns",
            "",
            "µs",
        ),
        (
            "1,000,000 idle Rust servers, hibernated: resident, per process",
            "million_hibernated_rss_bytes",
            "",
            "KB",
        ),
        (
            "idle behaviour process, hibernated (Rust counter server)",
            "idle_hibernated_rss_bytes",
            "idle_rss_bytes",
            "KB",
        ),
        (
            "idle process, resident (Rust SDK guest)",
            "idle_rss_bytes",
            "idle_rss_bytes",
            "KB",
        ),
        (
            "idle process, resident (WAT guest)",
            "idle_wat_rss_bytes",
            "idle_rss_bytes",
            "KB",
        ),
        (
            "idle behaviour process, resident (Rust kv server)",
            "idle_behaviour_rss_bytes",
            "idle_rss_bytes",
            "KB",
        ),
        (
            "idle behaviour process, resident (WAT guest)",
            "idle_behaviour_wat_rss_bytes",
            "idle_rss_bytes",
            "KB",
        ),
        (
            "hot swap, one process under casts: its pause (measured inside)",
            "swap_pause_ns",
            "swap_pause_ns",
            "µs",
        ),
        (
            "hot swap, one process: slowest call during the swap − usual call",
            "swap_pause_client_ns",
            "swap_pause_client_ns",
            "µs",
        ),
        (
            "hot swap, one process: the same over the upgrade alone (compiling excluded)",
            "swap_pause_client_upgrade_ns",
            "",
            "µs",
        ),
        (
            "hot swap of 10,000 live processes while casts flow: until all switched",
            "swap_many_ns",
            "swap_many_ns",
            "ms",
        ),
        (
            "hot swap of 10,000 live processes: mean pause per process",
            "swap_many_pause_mean_ns",
            "swap_many_pause_mean_ns",
            "µs",
        ),
    ];
    let fmt = |v: Option<f64>, unit: &str| match v {
        Some(v) if unit == "µs" => format!("{:.2} µs", v / 1000.0),
        Some(v) if unit == "ms" => format!("{:.1} ms", v / 1e6),
        Some(v) if unit == "KB" => format!("{:.1} KB", v / 1000.0),
        Some(v) if unit == "time" => time(v),
        Some(v) => per_second(v, unit),
        None => "–".into(),
    };
    let mut t = String::new();
    t.push_str(
        "| benchmark | Hatchery | Erlang/OTP | ratio (above 1: Erlang is better) |\n|---|---|---|---|\n",
    );
    for (label, ours_key, erl_key, unit) in rows {
        let (o, e) = (ours.get(ours_key).copied(), erl.get(erl_key).copied());
        // Times and memory: ours ÷ Erlang's; rates: Erlang's ÷ ours.
        let ratio = match (o, e) {
            (Some(o), Some(e)) if unit.ends_with("/s") && o > 0.0 => format!("{:.1}×", e / o),
            (Some(o), Some(e)) if !unit.ends_with("/s") && e > 0.0 => format!("{:.1}×", o / e),
            _ => "–".into(),
        };
        t.push_str(&format!(
            "| {label} | {} | {} | {ratio} |\n",
            fmt(o, unit),
            fmt(e, unit)
        ));
    }
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    t.push_str(&format!(
        "\nMedian of {reps} repetitions after a warm-up; {} spawns, {} round trips, ring {}×{}, {} idle processes, \
         {} swaps of one process, {} processes swapped at once, {}; \
         {cores} cores; Hatchery with one scheduler thread per core, Erlang/OTP {} with {} schedulers. \
         The ratio is Hatchery ÷ Erlang for times and memory and Erlang ÷ Hatchery for rates: above 1, Erlang is better.\n",
        s.spawn,
        s.rounds,
        s.ring,
        s.laps,
        s.idle,
        s.swaps,
        s.swap_procs,
        load.describe(),
        erl.get("otp_release").map_or("–".into(), |v| v.to_string()),
        erl.get("schedulers").map_or("–".into(), |v| v.to_string()),
    ));
    t
}

/// A time in nanoseconds, in the unit that suits it: `5.33 µs`, `1.09 ms`, `18.7 s`.
fn time(ns: f64) -> String {
    if ns < 1e6 {
        format!("{:.2} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} s", ns / 1e9)
    }
}

/// A rate: `1.23 M msg/s`, `45.6 k restarts/s`.
fn per_second(v: f64, unit: &str) -> String {
    if v >= 1e6 {
        format!("{:.2} M {unit}", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1} k {unit}", v / 1e3)
    } else {
        format!("{v:.0} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_in_thousands_or_millions() {
        assert_eq!(per_second(3_572_472.0, "msg/s"), "3.57 M msg/s");
        assert_eq!(per_second(21_023.9, "restarts/s"), "21.0 k restarts/s");
        assert_eq!(per_second(512.0, "restarts/s"), "512 restarts/s");
    }

    #[test]
    fn times_pick_their_unit() {
        assert_eq!(time(5_330.0), "5.33 µs");
        assert_eq!(time(1_091_858.0), "1.09 ms");
        assert_eq!(time(18_748_351_019.0), "18.7 s");
    }
}
