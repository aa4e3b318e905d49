//! `anatomy`: where an idle process's bytes and a message hop's time go.
//!
//! The figures behind "Where the time and bytes go" in BENCHMARKS.md, one subcommand each:
//!
//! - `rss MODULE N`: a fresh node with N idle processes of MODULE (as `hatchery-bench
//!   --idle-child` builds them), then resident memory split by owner (the instance pool's
//!   memory, stack and table regions, `[heap]`, other anonymous memory) from
//!   `/proc/self/smaps`, and the kernel's hidden share (page tables, VMAs, slabs).
//! - `pingpong`: the `pingpong` guest's round trips on a runtime of W workers, with the
//!   threads' context switches and tokio's park counts; `--perf-ctl`/`--perf-ack` let
//!   `perf stat --control` count only the round trips; `--native-ping` pings from a
//!   native process and counts the round trips after which it resumed on another thread.
//! - `tokio-pingpong`: the same hand-off between two plain tokio tasks, without Wasm.
//! - `calls`: wasmtime alone, the host's engine settings: `TypedFunc::call` against
//!   `call_async` of a nop export, host calls from Wasm, and instantiating from an
//!   `InstancePre` with and without a fiber.
//! - `imports FILE...`: each module's imports, and whether it could run without a fiber.
//!
//! Run it from the repository root after building the guests (`cargo build --release
//! -p hatchery-bench --bin anatomy`); every subcommand prints Markdown rows.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::{Parser, Subcommand};
use hatchery::{NativeProcess, Node, NodeConfig};
use serde_json::{Value, json};

// The allocator of the `hatchery` binary, so that the figures are the product's.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[derive(Parser)]
#[command(about = "Where an idle process's bytes and a message hop's time go")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// N idle processes of MODULE in this fresh node; resident memory by owner.
    /// MODULE: a file stem in --modules (`kv`, `counter`, `idle`), `echo_beh` or `idle_wat`
    /// (WAT guests built here), or `counter_hibernating` (counter on a node that
    /// hibernates servers idle for 1 ms).
    Rss {
        module: String,
        n: u64,
        #[arg(long, default_value = "modules/target/wasm32-wasip1/release")]
        modules: PathBuf,
        /// Skip the smaps walk (slow at a million processes): kernel figures only.
        #[arg(long)]
        no_smaps: bool,
    },
    /// Ping-pong round trips of 64 bytes between two `pingpong` guests.
    Pingpong {
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[arg(long, default_value_t = 200_000)]
        rounds: u64,
        #[arg(long, default_value_t = 5)]
        reps: usize,
        #[arg(long, default_value = "modules/target/wasm32-wasip1/release")]
        modules: PathBuf,
        /// perf's control FIFO (`perf stat --control fifo:CTL,ACK -D -1`): counting is
        /// enabled only around the measured round trips.
        #[arg(long, requires = "perf_ack")]
        perf_ctl: Option<PathBuf>,
        #[arg(long)]
        perf_ack: Option<PathBuf>,
        /// Ping from a native process on a worker (the pong is still the guest), and
        /// count the round trips after which it resumed on another thread.
        #[arg(long)]
        native_ping: bool,
    },
    /// The same hand-off between two plain tokio tasks (a mutex-guarded queue and a
    /// `Notify`, as Hatchery's mailbox), counting hops that ran on another thread than
    /// the hop before (the partner task was stolen by, or woken on, the other worker).
    TokioPingpong {
        #[arg(long, default_value_t = 2)]
        workers: usize,
        #[arg(long, default_value_t = 1_000_000)]
        rounds: u64,
        #[arg(long, default_value_t = 5)]
        reps: usize,
    },
    /// Sync against async calls and instantiation, on the host's engine settings.
    Calls {
        #[arg(long, default_value_t = 1_000_000)]
        iters: u64,
        #[arg(long, default_value_t = 100_000)]
        instances: u64,
        #[arg(long, default_value_t = 5)]
        reps: usize,
        /// A Rust guest to instantiate too (its imports become trapping stubs).
        #[arg(long, default_value = "modules/target/wasm32-wasip1/release/kv.wasm")]
        rust_guest: PathBuf,
    },
    /// The imports of module files, and whether each module could run without a fiber.
    Imports { files: Vec<PathBuf> },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Rss {
            module,
            n,
            modules,
            no_smaps,
        } => rss(&modules, &module, n, !no_smaps),
        Cmd::Pingpong {
            workers,
            rounds,
            reps,
            modules,
            perf_ctl,
            perf_ack,
            native_ping,
        } => {
            let perf = match (perf_ctl, perf_ack) {
                (Some(c), Some(a)) => Some(Perf::open(&c, &a)?),
                _ => None,
            };
            pingpong(&modules, workers, rounds, reps, perf, native_ping)
        }
        Cmd::TokioPingpong {
            workers,
            rounds,
            reps,
        } => tokio_pingpong(workers, rounds, reps),
        Cmd::Calls {
            iters,
            instances,
            reps,
            rust_guest,
        } => calls(iters, instances, reps, &rust_guest),
        Cmd::Imports { files } => imports(&files),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// rss

/// One mapping of /proc/self/smaps (sizes in bytes).
#[derive(Clone, Debug, Default)]
struct Vma {
    start: u64,
    end: u64,
    perms: String,
    name: String,
    rss: u64,
    pss: u64,
    anon: u64,
}

/// Every mapping of this process, from smaps (with `sizes`) or maps (addresses only).
fn vmas(sizes: bool) -> anyhow::Result<Vec<Vma>> {
    let file = if sizes {
        "/proc/self/smaps"
    } else {
        "/proc/self/maps"
    };
    let f = std::fs::File::open(file).with_context(|| format!("opening {file}"))?;
    let mut out: Vec<Vma> = Vec::new();
    for line in BufReader::with_capacity(1 << 20, f).lines() {
        let line = line?;
        let mut parts = line.split_whitespace();
        let Some(first) = parts.next() else { continue };
        if let Some(field) = first.strip_suffix(':') {
            let kb: u64 = parts.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            if let Some(v) = out.last_mut() {
                match field {
                    "Rss" => v.rss = kb << 10,
                    "Pss" => v.pss = kb << 10,
                    "Anonymous" => v.anon = kb << 10,
                    _ => {}
                }
            }
            continue;
        }
        let Some((a, b)) = first.split_once('-') else {
            continue;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            continue;
        };
        // perms, offset, dev, inode, then the name (which may contain spaces).
        let perms = parts.next().unwrap_or("").to_string();
        let name = parts.skip(3).collect::<Vec<_>>().join(" ");
        out.push(Vma {
            start,
            end,
            perms,
            name,
            ..Vma::default()
        });
    }
    Ok(out)
}

/// A region of address space the instance pool reserved when the engine was created.
#[derive(Clone, Debug)]
struct Region {
    owner: &'static str,
    start: u64,
    end: u64,
}

/// The pool's regions, found among the mappings that appeared while the node was being
/// created. The three pools are adjacent in the address space (and next to malloc arenas
/// and thread stacks), so each is recognised by its shape: the memory pool is one
/// `PROT_NONE` mapping of about 16 MiB + guard per slot, the table pool one read-write
/// mapping of 10,000 × 8 bytes per slot, the stack pool a run of a guard page and a
/// read-write stack per slot.
fn pool_regions(before: &[Vma], after: &[Vma], slots: u64) -> Vec<Region> {
    let old: std::collections::HashSet<(u64, u64)> =
        before.iter().map(|v| (v.start, v.end)).collect();
    let mut new: Vec<&Vma> = after
        .iter()
        .filter(|v| !old.contains(&(v.start, v.end)))
        .collect();
    new.sort_unstable_by_key(|v| v.start);
    let slots = slots.max(1);
    let mut out = Vec::new();
    for v in &new {
        let per = (v.end - v.start) / slots;
        if v.perms == "---p" && per >= 4 << 20 {
            out.push(Region {
                owner: "memory pool",
                start: v.start,
                end: v.end,
            });
        } else if v.perms == "rw-p" && (64 << 10..160 << 10).contains(&per) {
            out.push(Region {
                owner: "table pool",
                start: v.start,
                end: v.end,
            });
        }
    }
    // Stack slots: a 4 KiB guard, then the stack, repeated; the longest such run. Its
    // last stack merges with the table pool's mapping when that comes next, so the pool
    // is the run's start plus `slots` times the slot size.
    let mut best: Option<(u64, u64, u64)> = None;
    let mut run: Option<(u64, u64, u64)> = None;
    for pair in new.windows(2) {
        let (g, st) = (pair[0], pair[1]);
        let is_slot = g.perms == "---p"
            && g.end - g.start == 4096
            && st.start == g.end
            && st.perms == "rw-p"
            && st.end - st.start >= 64 << 10;
        if !is_slot {
            continue;
        }
        let slot = st.end - g.start;
        run = match run {
            Some((s, size, n)) if s + size * n == g.start => Some((s, size.min(slot), n + 1)),
            _ => Some((g.start, slot, 1)),
        };
        if let Some(r) = run
            && best.is_none_or(|b| r.2 > b.2)
        {
            best = Some(r);
        }
    }
    if let Some((start, size, n)) = best
        && n >= slots
    {
        let end = start + size * slots;
        for r in &mut out {
            if r.start < end && r.end > start {
                r.start = r.start.max(end);
            }
        }
        out.push(Region {
            owner: "stack pool",
            start,
            end,
        });
    }
    out
}

/// Resident bytes by owner: (rss, pss, anonymous) per owner name.
type Owners = BTreeMap<String, (u64, u64, u64)>;

fn owners(regions: &[Region], vmas: &[Vma]) -> anyhow::Result<Owners> {
    let mut out = Owners::new();
    for r in regions {
        out.entry(owner_name(Some(r), "")).or_default();
    }
    let mut pagemap = None;
    for v in vmas {
        let inside = regions
            .iter()
            .find(|r| v.start >= r.start && v.end <= r.end);
        let straddles =
            inside.is_none() && regions.iter().any(|r| v.start < r.end && v.end > r.start);
        if !straddles {
            let e = out.entry(owner_name(inside, &v.name)).or_default();
            e.0 += v.rss;
            e.1 += v.pss;
            e.2 += v.anon;
            continue;
        }
        // A mapping that merged across a pool's edge (the last stack and the table pool
        // are both plain read-write memory): split its resident pages by address, from
        // /proc/self/pagemap. Its pages are private, so Pss = Rss = anonymous.
        if pagemap.is_none() {
            pagemap = Some(std::fs::File::open("/proc/self/pagemap")?);
        }
        let Some(pm) = pagemap.as_mut() else {
            continue;
        };
        let mut cuts: Vec<u64> = vec![v.start, v.end];
        for r in regions {
            for c in [r.start, r.end] {
                if c > v.start && c < v.end {
                    cuts.push(c);
                }
            }
        }
        cuts.sort_unstable();
        for w in cuts.windows(2) {
            let bytes = present_pages(pm, w[0], w[1])? * 4096;
            let r = regions.iter().find(|r| w[0] >= r.start && w[0] < r.end);
            let e = out.entry(owner_name(r, &v.name)).or_default();
            e.0 += bytes;
            e.1 += bytes;
            e.2 += bytes;
        }
    }
    Ok(out)
}

fn owner_name(region: Option<&Region>, name: &str) -> String {
    match region {
        Some(r) if r.owner == "memory pool" && !name.is_empty() => "memory pool: image (file)",
        Some(r) if r.owner == "memory pool" => "memory pool: anonymous",
        Some(r) => r.owner,
        None if name == "[heap]" => "[heap] (malloc main arena)",
        None if name.is_empty() || name.starts_with("[anon") => {
            "other anonymous (malloc arenas, thread stacks)"
        }
        None if name.starts_with('[') => return format!("{name} (kernel-named)"),
        None => "files (binary, libraries)",
    }
    .to_string()
}

/// Pages present in memory (or swapped) between `start` and `end`, from pagemap.
fn present_pages(pm: &mut std::fs::File, start: u64, end: u64) -> anyhow::Result<u64> {
    use std::io::{Read as _, Seek as _, SeekFrom};
    pm.seek(SeekFrom::Start(start / 4096 * 8))?;
    let mut left = (end - start) / 4096;
    let mut buf = vec![0u8; 1 << 20];
    let mut n = 0;
    while left > 0 {
        let take = (left as usize).min(buf.len() / 8);
        pm.read_exact(&mut buf[..take * 8])?;
        n += buf[..take * 8]
            .chunks_exact(8)
            .filter(|e| e[7] & 0xc0 != 0)
            .count() as u64;
        left -= take as u64;
    }
    Ok(n)
}

/// The kernel's side: this process's page tables and mappings, and system-wide memory.
#[derive(Clone, Debug, Default)]
struct Kernel {
    vm_rss: u64,
    vm_pte: u64,
    maps: u64,
    page_tables: u64,
    vmalloc_used: u64,
    slab_unreclaim: u64,
    /// Slab caches: name → (active objects, bytes in their slabs).
    slabs: BTreeMap<String, (u64, u64)>,
}

fn kb_field(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        << 10
}

fn kernel() -> Kernel {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let maps = std::fs::File::open("/proc/self/maps")
        .map(|f| BufReader::with_capacity(1 << 20, f).lines().count() as u64)
        .unwrap_or(0);
    let mut slabs = BTreeMap::new();
    // Root only; without it the slab figures are left out.
    if let Ok(text) = std::fs::read_to_string("/proc/slabinfo") {
        for l in text.lines() {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() > 14
                && ["vm_area_struct", "maple_node", "anon_vma", "anon_vma_chain"].contains(&f[0])
            {
                let num = |i: usize| f[i].parse::<u64>().unwrap_or(0);
                // active_objs num_objs objsize objperslab pagesperslab : tunables 3 : slabdata active num shared
                slabs.insert(f[0].to_string(), (num(1), num(14) * num(5) * 4096));
            }
        }
    }
    Kernel {
        vm_rss: kb_field(&status, "VmRSS:"),
        vm_pte: kb_field(&status, "VmPTE:"),
        maps,
        page_tables: kb_field(&meminfo, "PageTables:"),
        vmalloc_used: kb_field(&meminfo, "VmallocUsed:"),
        slab_unreclaim: kb_field(&meminfo, "SUnreclaim:"),
        slabs,
    }
}

fn rss(modules: &Path, module: &str, n: u64, smaps: bool) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let (module, hibernate) = match module {
        "counter_hibernating" => ("counter", true),
        m => (m, false),
    };
    rt.block_on(async {
        let slots = n + 2_000;
        let config = NodeConfig {
            max_processes: u32::try_from(slots).unwrap_or(u32::MAX),
            hibernate_after: hibernate.then_some(Duration::from_millis(1)),
            budgets: hatchery::Budgets {
                guest_memory: None,
                subtree_processes: Some(u32::MAX),
                ..hatchery::Budgets::default()
            },
            ..NodeConfig::default()
        };
        if let Some(w) = hatchery::sys::map_count_warning(config.max_processes) {
            bail!("{w}");
        }
        let before_node = vmas(false)?;
        let node = Node::new(config)?;
        let regions = pool_regions(&before_node, &vmas(false)?, slots);
        // The idle rows' WAT guests (bench/wat/) or a built module.
        let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("wat/{module}.wat"));
        node.load_module_file(&if wat.exists() {
            wat
        } else {
            modules.join(format!("{module}.wasm"))
        })?;
        let me = node.spawn_native("anatomy")?;
        // One small round first, so one-time allocations are not counted per process
        // (as `hatchery-bench --idle-child` does).
        let warm = populate(&node, &me, module, 1000).await?;
        kill(&node, &me, warm).await;
        settle().await;
        let k0 = kernel();
        let o0 = if smaps {
            owners(&regions, &vmas(true)?)?
        } else {
            Owners::new()
        };
        let start = Instant::now();
        let pids = populate(&node, &me, module, n).await?;
        let spawn_ns = start.elapsed().as_nanos() as f64 / n as f64;
        settle().await;
        let k1 = kernel();
        let walk = Instant::now();
        let o1 = if smaps {
            owners(&regions, &vmas(true)?)?
        } else {
            Owners::new()
        };
        let walk = walk.elapsed();
        if node.process_count() < pids.len() {
            bail!("only {} of {n} processes are alive", node.process_count());
        }
        report_rss(
            module,
            hibernate,
            n,
            spawn_ns,
            &regions,
            slots,
            (&k0, &k1),
            (&o0, &o1),
            walk,
        );
        kill(&node, &me, pids).await;
        anyhow::Ok(())
    })
}

#[allow(clippy::too_many_arguments)]
fn report_rss(
    module: &str,
    hibernate: bool,
    n: u64,
    spawn_ns: f64,
    regions: &[Region],
    slots: u64,
    (k0, k1): (&Kernel, &Kernel),
    (o0, o1): (&Owners, &Owners),
    walk: Duration,
) {
    let per = |a: u64, b: u64| (b as f64 - a as f64) / n as f64 / 1000.0;
    let label = if hibernate {
        format!("{module} (hibernated)")
    } else {
        module.to_string()
    };
    println!(
        "## {label}: {n} idle processes (load average {}; spawn {:.1} µs per process)\n",
        load_average(),
        spawn_ns / 1000.0
    );
    for r in regions {
        println!(
            "- {}: {:#x}–{:#x}, {} KiB, {:.1} KiB per slot ({slots} slots)",
            r.owner,
            r.start,
            r.end,
            (r.end - r.start) >> 10,
            (r.end - r.start) as f64 / slots as f64 / 1024.0
        );
    }
    if !o1.is_empty() {
        println!(
            "\n| owner | Rss, per process | Pss, per process | anonymous, per process | Rss after, total | Rss after ÷ N |\n|---|---|---|---|---|---|"
        );
        let (mut tr, mut tp) = (0.0, 0.0);
        for (owner, &(r1, p1, a1)) in o1 {
            let (r0, p0, a0) = o0.get(owner).copied().unwrap_or_default();
            if r1 < 1 << 20 && r0 < 1 << 20 && !owner.contains("pool") {
                continue;
            }
            let (dr, dp, da) = (per(r0, r1), per(p0, p1), per(a0, a1));
            tr += dr;
            tp += dp;
            println!(
                "| {owner} | {dr:.2} KB | {dp:.2} KB | {da:.2} KB | {:.1} MB | {:.2} KB |",
                r1 as f64 / 1e6,
                r1 as f64 / n as f64 / 1000.0
            );
        }
        println!("| **sum** | **{tr:.2} KB** | **{tp:.2} KB** | | | |");
        println!("\n(smaps walk: {:.1} s)", walk.as_secs_f64());
    }
    println!(
        "\n| kernel figure | before | after | per process |\n|---|---|---|---|\n\
         | VmRSS | {:.1} MB | {:.1} MB | {:.2} KB |\n\
         | VmPTE (this process's page tables) | {:.1} MB | {:.1} MB | {:.2} KB |\n\
         | PageTables (/proc/meminfo) | {:.1} MB | {:.1} MB | {:.2} KB |\n\
         | VmallocUsed | {:.1} MB | {:.1} MB | {:.2} KB |\n\
         | SUnreclaim | {:.1} MB | {:.1} MB | {:.2} KB |\n\
         | VMAs (lines of /proc/self/maps) | {} | {} | {:.2} |",
        k0.vm_rss as f64 / 1e6,
        k1.vm_rss as f64 / 1e6,
        per(k0.vm_rss, k1.vm_rss),
        k0.vm_pte as f64 / 1e6,
        k1.vm_pte as f64 / 1e6,
        per(k0.vm_pte, k1.vm_pte),
        k0.page_tables as f64 / 1e6,
        k1.page_tables as f64 / 1e6,
        per(k0.page_tables, k1.page_tables),
        k0.vmalloc_used as f64 / 1e6,
        k1.vmalloc_used as f64 / 1e6,
        per(k0.vmalloc_used, k1.vmalloc_used),
        k0.slab_unreclaim as f64 / 1e6,
        k1.slab_unreclaim as f64 / 1e6,
        per(k0.slab_unreclaim, k1.slab_unreclaim),
        k0.maps,
        k1.maps,
        (k1.maps as f64 - k0.maps as f64) / n as f64,
    );
    for (name, &(o, b)) in &k1.slabs {
        let (o0, b0) = k0.slabs.get(name).copied().unwrap_or_default();
        println!(
            "| slab {name}: objects / bytes | {o0} / {:.1} MB | {o} / {:.1} MB | {:.2} / {:.2} KB |",
            b0 as f64 / 1e6,
            b as f64 / 1e6,
            (o as f64 - o0 as f64) / n as f64,
            per(b0, b)
        );
    }
    println!();
}

/// Spawns `n` processes of `module` and waits until they are all instantiated (and, on
/// a hibernating node, asleep).
async fn populate(
    node: &Node,
    me: &NativeProcess,
    module: &str,
    n: u64,
) -> anyhow::Result<Vec<hatchery::Pid>> {
    let stats = node.stats();
    let ready_before = stats.instantiated.load(Ordering::Relaxed);
    let asleep_before = stats.hibernations.load(Ordering::Relaxed);
    let args: &[u8] = if module == "kv" {
        br#"{"register": false}"#
    } else {
        b""
    };
    let start = Instant::now();
    let mut pids = Vec::with_capacity(n as usize);
    for _ in 0..n {
        pids.push(me.spawn(module, args.to_vec(), false, false)?.pid);
    }
    while stats.instantiated.load(Ordering::Relaxed) < ready_before + n
        && start.elapsed() < Duration::from_secs(900)
    {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    if node.config().hibernate_after.is_some() {
        while stats.hibernations.load(Ordering::Relaxed) < asleep_before + n
            && start.elapsed() < Duration::from_secs(1800)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    Ok(pids)
}

async fn kill(node: &Node, me: &NativeProcess, pids: Vec<hatchery::Pid>) {
    let base = node.process_count() - pids.len();
    for p in pids {
        let _ = node.exit_signal(me.pid(), p, &hatchery::ExitReason::Killed, true);
    }
    let start = Instant::now();
    while node.process_count() > base && start.elapsed() < Duration::from_secs(300) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until resident memory stops changing.
async fn settle() {
    let mut last = 0;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let now = hatchery::sys::resident_bytes().unwrap_or(0);
        if now.abs_diff(last) < 64 << 10 {
            return;
        }
        last = now;
    }
}

// ---------------------------------------------------------------------------------------
// pingpong

/// `perf stat --control`: enable and disable counting, waiting for perf's ack.
struct Perf {
    ctl: std::fs::File,
    ack: BufReader<std::fs::File>,
}

impl Perf {
    fn open(ctl: &Path, ack: &Path) -> anyhow::Result<Perf> {
        let ctl = std::fs::OpenOptions::new()
            .write(true)
            .open(ctl)
            .with_context(|| format!("opening {}", ctl.display()))?;
        let ack = BufReader::new(
            std::fs::File::open(ack).with_context(|| format!("opening {}", ack.display()))?,
        );
        Ok(Perf { ctl, ack })
    }

    fn send(&mut self, cmd: &str) -> anyhow::Result<()> {
        writeln!(self.ctl, "{cmd}")?;
        self.ctl.flush()?;
        let mut line = String::new();
        self.ack.read_line(&mut line)?;
        Ok(())
    }
}

/// Per thread of this process: (name, voluntary + involuntary switches, run ns).
fn threads() -> BTreeMap<u64, (String, u64, u64, u64)> {
    let mut out = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Some(tid) = e.file_name().to_str().and_then(|s| s.parse::<u64>().ok()) else {
            continue;
        };
        let p = e.path();
        let comm = std::fs::read_to_string(p.join("comm")).unwrap_or_default();
        let status = std::fs::read_to_string(p.join("status")).unwrap_or_default();
        let field = |k: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(k))
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(0)
        };
        let run_ns = std::fs::read_to_string(p.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
        out.insert(
            tid,
            (
                comm.trim().to_string(),
                field("voluntary_ctxt_switches:"),
                field("nonvoluntary_ctxt_switches:"),
                run_ns,
            ),
        );
    }
    out
}

fn pingpong(
    modules: &Path,
    workers: usize,
    rounds: u64,
    reps: usize,
    mut perf: Option<Perf>,
    native_ping: bool,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    rt.block_on(async {
        let node = Node::new(NodeConfig::default())?;
        node.load_module_file(&modules.join("pingpong.wasm"))?;
        let me = node.spawn_native("anatomy")?;
        // Warm-up: compile caches, pool slots, the workers' first parks.
        report(&me, "pingpong", json!({"rounds": rounds / 10 + 1, "size": 64})).await?;
        let metrics = tokio::runtime::Handle::current().metrics();
        let nw = metrics.num_workers();
        let parks = || {
            (0..nw)
                .map(|w| metrics.worker_park_count(w))
                .collect::<Vec<_>>()
        };
        let busy = || {
            (0..nw)
                .map(|w| metrics.worker_total_busy_duration(w))
                .collect::<Vec<_>>()
        };
        let (mut rtt, mut vol, mut invol, mut park) = (vec![], vec![], vec![], vec![]);
        let mut busy_share = vec![];
        let mut moves = vec![];
        // Per thread, over the measured repetitions: (name, voluntary, involuntary, run ns).
        let mut per_thread: BTreeMap<u64, (String, u64, u64, u64)> = BTreeMap::new();
        for _ in 0..reps.max(1) {
            let (t0, p0, b0) = (threads(), parks(), busy());
            if let Some(p) = &mut perf {
                p.send("enable")?;
            }
            let ns = if native_ping {
                let (ns, m) = native_round_trips(&node, rounds).await?;
                moves.push(m);
                ns
            } else {
                let r = report(&me, "pingpong", json!({"rounds": rounds, "size": 64})).await?;
                r["ns"].as_f64().context("pingpong report without ns")? / rounds as f64
            };
            if let Some(p) = &mut perf {
                p.send("disable")?;
            }
            let (t1, p1, b1) = (threads(), parks(), busy());
            rtt.push(ns);
            let (mut v, mut i) = (0, 0);
            for (tid, (name, v1, i1, r1)) in &t1 {
                let (_, v0, i0, r0) = t0.get(tid).cloned().unwrap_or_default();
                v += v1 - v0;
                i += i1 - i0;
                let e = per_thread.entry(*tid).or_insert_with(|| (name.clone(), 0, 0, 0));
                e.1 += v1 - v0;
                e.2 += i1 - i0;
                e.3 += r1.saturating_sub(r0);
            }
            vol.push(v as f64 / rounds as f64);
            invol.push(i as f64 / rounds as f64);
            let parked: u64 = p1.iter().zip(&p0).map(|(a, b)| a - b).sum();
            park.push(parked as f64 / rounds as f64);
            let d: Vec<f64> = b1
                .iter()
                .zip(&b0)
                .map(|(a, b)| (*a - *b).as_secs_f64())
                .collect();
            let total: f64 = d.iter().sum();
            let max = d.iter().copied().fold(0.0, f64::max);
            busy_share.push(if total > 0.0 { max / total } else { 1.0 });
        }
        println!(
            "| workers | round trip | voluntary switches / round trip | involuntary / round trip | worker parks / round trip | busiest worker's share of busy time |\n|---|---|---|---|---|---|"
        );
        println!(
            "| {workers} | {:.2} µs | {:.3} | {:.3} | {:.3} | {:.0} % |",
            median(rtt) / 1000.0,
            median(vol),
            median(invol),
            median(park),
            median(busy_share) * 100.0
        );
        println!(
            "\n{reps} × {rounds} round trips (2 hops each){}, medians; load average {}",
            if native_ping { ", native ping" } else { "" },
            load_average()
        );
        if native_ping {
            println!(
                "native ping resumed on another thread after {:.1} % of round trips",
                median(moves) * 100.0
            );
        }
        let total = (rounds * reps.max(1) as u64) as f64;
        println!(
            "\n| thread | CPU per round trip | voluntary switches / round trip | involuntary / round trip |\n|---|---|---|---|"
        );
        for (tid, (name, v, i, run)) in &per_thread {
            if *v == 0 && *i == 0 && *run == 0 {
                continue;
            }
            println!(
                "| {name} ({tid}) | {:.0} ns | {:.4} | {:.4} |",
                *run as f64 / total,
                *v as f64 / total,
                *i as f64 / total
            );
        }
        anyhow::Ok(())
    })
}

/// Round trips from a native process on a worker to a guest pong: ns per round trip,
/// and the share of round trips after which the native task ran on another thread.
async fn native_round_trips(node: &Node, rounds: u64) -> anyhow::Result<(f64, f64)> {
    let node = node.clone();
    tokio::spawn(async move {
        let me = node.spawn_native("anatomy-ping")?;
        let pong = me
            .spawn_json("pingpong", &json!({"pong": true}), true, false)?
            .pid;
        let payload = vec![0xa5u8; 64];
        let echo = |m: &hatchery::Message| {
            (m.sender == pong && m.kind == hatchery::MessageKind::User).then_some(())
        };
        me.send(pong, payload.clone());
        me.recv_match(None, echo).await?;
        moved();
        let start = Instant::now();
        let mut moves = 0u64;
        for _ in 0..rounds {
            me.send(pong, payload.clone());
            me.recv_match(None, echo).await?;
            moves += u64::from(moved());
        }
        let ns = start.elapsed().as_nanos() as f64 / rounds as f64;
        me.send(pong, br#""stop""#.to_vec());
        anyhow::Ok((ns, moves as f64 / rounds as f64))
    })
    .await?
}

/// A mailbox as Hatchery's: a locked queue and a `Notify` (`process/mailbox.rs`).
#[derive(Default)]
struct Mailbox {
    queue: std::sync::Mutex<std::collections::VecDeque<u64>>,
    arrived: tokio::sync::Notify,
}

impl Mailbox {
    fn push(&self, v: u64) {
        if let Ok(mut q) = self.queue.lock() {
            q.push_back(v);
        }
        self.arrived.notify_one();
    }

    async fn recv(&self) -> u64 {
        loop {
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(v) = self.queue.lock().ok().and_then(|mut q| q.pop_front()) {
                return v;
            }
            notified.await;
        }
    }
}

static NEXT_THREAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
static LAST_THREAD: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

thread_local! {
    static THREAD: u64 = NEXT_THREAD.fetch_add(1, Ordering::Relaxed);
}

/// Whether this hop runs on another thread than the hop before.
fn moved() -> bool {
    let me = THREAD.with(|t| *t);
    LAST_THREAD.swap(me, Ordering::Relaxed) != me
}

fn tokio_pingpong(workers: usize, rounds: u64, reps: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers.max(1))
        .enable_all()
        .build()?;
    let (mut rtt, mut moves) = (vec![], vec![]);
    for rep in 0..=reps.max(1) {
        let (a, b) = (Arc::new(Mailbox::default()), Arc::new(Mailbox::default()));
        let pong = {
            let (a, b) = (a.clone(), b.clone());
            rt.spawn(async move {
                let mut n = 0u64;
                loop {
                    let v = b.recv().await;
                    n += u64::from(moved());
                    if v == u64::MAX {
                        return n;
                    }
                    a.push(v);
                }
            })
        };
        let ping = rt.spawn(async move {
            let start = Instant::now();
            let mut n = 0u64;
            for i in 0..rounds {
                n += u64::from(moved());
                b.push(i);
                a.recv().await;
            }
            let took = start.elapsed();
            b.push(u64::MAX);
            (took, n)
        });
        let (ping, pong) = rt.block_on(async { (ping.await, pong.await) });
        let ((took, n1), n2) = (ping?, pong?);
        let n = n1 + n2;
        if rep > 0 {
            rtt.push(took.as_nanos() as f64 / rounds as f64);
            moves.push(n as f64 / (2 * rounds) as f64);
        }
    }
    println!(
        "| workers | round trip | hops on another thread than the hop before |\n|---|---|---|"
    );
    println!(
        "| {workers} | {:.0} ns | {:.1} % |",
        median(rtt),
        median(moves) * 100.0
    );
    println!(
        "\n{reps} × {rounds} round trips, medians; load average {}",
        load_average()
    );
    Ok(())
}

/// Spawns `module` with `args` plus `report_to`, and waits for its report and its exit.
async fn report(me: &NativeProcess, module: &str, mut args: Value) -> anyhow::Result<Value> {
    args["report_to"] = json!(me.pid().as_u64());
    let child = me.spawn_json(module, &args, false, true)?.pid;
    let got = me
        .recv_match(Some(Duration::from_secs(600)), |m| {
            (m.sender == child && m.kind == hatchery::MessageKind::User)
                .then(|| serde_json::from_slice::<Value>(&m.data).ok())
                .flatten()
        })
        .await?
        .with_context(|| format!("{module} did not report"))?;
    me.recv_match(Some(Duration::from_secs(600)), |m| {
        (m.sender == child && m.kind == hatchery::MessageKind::Down).then_some(())
    })
    .await?;
    Ok(got)
}

// ---------------------------------------------------------------------------------------
// calls

fn w<T>(r: wasmtime::Result<T>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{e:#}"))
}

/// The node's core engine settings (`hatchery::runtime::engine_config`), with a small pool.
fn host_like_engine(slots: u32) -> anyhow::Result<wasmtime::Engine> {
    let cfg = NodeConfig {
        max_processes: slots,
        ..NodeConfig::default()
    };
    w(wasmtime::Engine::new(&hatchery::runtime::engine_config(
        &cfg,
    )))
}

/// Runs `f` on `state` in a task spawned on `rt` and hands the state back.
fn in_task<S, F, Fut>(rt: &tokio::runtime::Runtime, state: Option<S>, f: F) -> anyhow::Result<S>
where
    S: Send + 'static,
    F: FnOnce(S) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<S>> + Send + 'static,
{
    let state = state.context("no state")?;
    rt.block_on(rt.spawn(f(state)))?
}

/// Pending once, having woken its task: a suspension and a resumption, with no I/O
/// driver poll (`tokio::task::yield_now` defers its wake-up to the driver's next poll).
struct SuspendOnce(bool);

impl std::future::Future for SuspendOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

/// No imports: a store running it can use sync or async calls.
const PLAIN_WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func (export "nop"))
  (func (export "hatchery_main")))"#;

/// Imports one sync and two async host functions (so its store must use `call_async`).
const HOSTCALL_WAT: &str = r#"(module
  (import "h" "sync" (func $sync (result i32)))
  (import "h" "ready" (func $ready (result i32)))
  (import "h" "yield" (func $yield (result i32)))
  (memory (export "memory") 1)
  (func (export "nop"))
  (func (export "call_sync") (drop (call $sync)))
  (func (export "call_ready") (drop (call $ready)))
  (func (export "call_yield") (drop (call $yield))))"#;

fn calls(iters: u64, instances: u64, reps: usize, rust_guest: &Path) -> anyhow::Result<()> {
    use wasmtime::{Linker, Module, Store, UpdateDeadline};
    let engine = host_like_engine(1000)?;
    let stop = Arc::new(AtomicBool::new(false));
    let ticker = {
        let (engine, stop) = (engine.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                engine.increment_epoch();
            }
        })
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let sync_store = |engine: &wasmtime::Engine| {
        let mut s = Store::new(engine, ());
        s.set_epoch_deadline(1);
        s.epoch_deadline_callback(|_| Ok(UpdateDeadline::Continue(1)));
        s
    };
    let async_store = |engine: &wasmtime::Engine| {
        let mut s = Store::new(engine, ());
        s.set_epoch_deadline(1);
        s.epoch_deadline_async_yield_and_update(1);
        s
    };
    let plain = w(Module::new(&engine, PLAIN_WAT))?;
    let plain_pre = w(Linker::<()>::new(&engine).instantiate_pre(&plain))?;
    let mut rows: Vec<(String, f64)> = Vec::new();
    let mut time = |label: &str, n: u64, mut f: Box<dyn FnMut() -> anyhow::Result<()> + '_>| {
        let mut v = Vec::new();
        for rep in 0..=reps {
            let t = Instant::now();
            f()?;
            if rep > 0 {
                v.push(t.elapsed().as_nanos() as f64 / n as f64);
            }
        }
        let m = median(v);
        eprintln!("{label}: {m:.1} ns");
        rows.push((label.to_string(), m));
        anyhow::Ok(())
    };

    // Calls of a nop export on one store.
    let mut store = sync_store(&engine);
    let inst = w(plain_pre.instantiate(&mut store))?;
    let nop = w(inst.get_typed_func::<(), ()>(&mut store, "nop"))?;
    time(
        "TypedFunc::call, nop (sync store, epoch callback)",
        iters,
        Box::new(|| {
            for _ in 0..iters {
                w(nop.call(&mut store, ()))?;
            }
            Ok(())
        }),
    )?;
    // Async calls run in a spawned task, as a process does: a task woken while it runs
    // goes back to the run queue, where `block_on`'s own future would poll the I/O driver.
    let mut astore = Some(async_store(&engine));
    let anop = {
        let s = astore.as_mut().context("store")?;
        let i = w(rt.block_on(plain_pre.instantiate_async(&mut *s)))?;
        w(i.get_typed_func::<(), ()>(&mut *s, "nop"))?
    };
    time(
        "TypedFunc::call_async, nop (async-yield store, module without imports)",
        iters,
        Box::new(|| {
            let anop = anop.clone();
            astore = Some(in_task(&rt, astore.take(), move |mut s| async move {
                for _ in 0..iters {
                    w(anop.call_async(&mut s, ()).await)?;
                }
                Ok(s)
            })?);
            Ok(())
        }),
    )?;

    // A store whose module imports async host functions: what every Hatchery store is.
    let host = w(Module::new(&engine, HOSTCALL_WAT))?;
    let mut linker = Linker::<()>::new(&engine);
    w(linker.func_wrap("h", "sync", || 1i32))?;
    w(linker.func_wrap_async("h", "ready", |_c, (): ()| Box::new(async { Ok(1i32) })))?;
    w(linker.func_wrap_async("h", "yield", |_c, (): ()| {
        Box::new(async {
            SuspendOnce(false).await;
            Ok(1i32)
        })
    }))?;
    let host_pre = w(linker.instantiate_pre(&host))?;
    let mut hstore = Some(async_store(&engine));
    let hinst = {
        let s = hstore.as_mut().context("store")?;
        w(rt.block_on(host_pre.instantiate_async(&mut *s)))?
    };
    for (label, export) in [
        ("call_async, nop (store with async imports)", "nop"),
        (
            "call_async, Wasm calls a sync host function once",
            "call_sync",
        ),
        (
            "call_async, Wasm calls an async host function, ready at once",
            "call_ready",
        ),
        (
            "call_async, Wasm calls an async host function that suspends once (wakes itself)",
            "call_yield",
        ),
    ] {
        let f = {
            let s = hstore.as_mut().context("store")?;
            w(hinst.get_typed_func::<(), ()>(&mut *s, export))?
        };
        let hs = &mut hstore;
        let rt = &rt;
        time(
            label,
            iters,
            Box::new(move || {
                let f = f.clone();
                *hs = Some(in_task(rt, hs.take(), move |mut s| async move {
                    for _ in 0..iters {
                        w(f.call_async(&mut s, ()).await)?;
                    }
                    Ok(s)
                })?);
                Ok(())
            }),
        )?;
    }
    drop((store, astore, hstore));
    time(
        "the same suspension without Wasm: a task's future pending once, woken at once",
        iters,
        Box::new(|| {
            in_task(&rt, Some(()), move |()| async move {
                for _ in 0..iters {
                    SuspendOnce(false).await;
                }
                Ok(())
            })
        }),
    )?;

    // Instantiation from an InstancePre, a fresh store each time (what a spawn does).
    time(
        "Store::new + InstancePre::instantiate + drop (WAT, sync)",
        instances,
        Box::new(|| {
            for _ in 0..instances {
                let mut s = sync_store(&engine);
                w(plain_pre.instantiate(&mut s))?;
            }
            Ok(())
        }),
    )?;
    time(
        "Store::new + instantiate_async + drop (WAT)",
        instances,
        Box::new(|| {
            rt.block_on(async {
                for _ in 0..instances {
                    let mut s = async_store(&engine);
                    w(plain_pre.instantiate_async(&mut s).await)?;
                }
                anyhow::Ok(())
            })
        }),
    )?;
    time(
        "… + first call of the (empty) entry, sync",
        instances,
        Box::new(|| {
            for _ in 0..instances {
                let mut s = sync_store(&engine);
                let i = w(plain_pre.instantiate(&mut s))?;
                let f = w(i.get_typed_func::<(), ()>(&mut s, "hatchery_main"))?;
                w(f.call(&mut s, ()))?;
            }
            Ok(())
        }),
    )?;
    time(
        "… + first call_async of the (empty) entry (takes a pooled fiber stack)",
        instances,
        Box::new(|| {
            rt.block_on(async {
                for _ in 0..instances {
                    let mut s = async_store(&engine);
                    let i = w(plain_pre.instantiate_async(&mut s).await)?;
                    let f = w(i.get_typed_func::<(), ()>(&mut s, "hatchery_main"))?;
                    w(f.call_async(&mut s, ()).await)?;
                }
                anyhow::Ok(())
            })
        }),
    )?;
    if rust_guest.is_file() {
        let m = w(Module::from_file(&engine, rust_guest))?;
        let mut l = Linker::<()>::new(&engine);
        w(l.define_unknown_imports_as_traps(&m))?;
        let pre = w(l.instantiate_pre(&m))?;
        let name = rust_guest
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("rust");
        time(
            &format!("Store::new + instantiate + drop ({name}.wasm, imports as sync stubs)"),
            instances,
            Box::new(|| {
                for _ in 0..instances {
                    let mut s = sync_store(&engine);
                    w(pre.instantiate(&mut s))?;
                }
                Ok(())
            }),
        )?;
        time(
            &format!("Store::new + instantiate_async + drop ({name}.wasm)"),
            instances,
            Box::new(|| {
                rt.block_on(async {
                    for _ in 0..instances {
                        let mut s = async_store(&engine);
                        w(pre.instantiate_async(&mut s).await)?;
                    }
                    anyhow::Ok(())
                })
            }),
        )?;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = ticker.join();
    println!("| operation | ns, median |\n|---|---|");
    for (label, ns) in &rows {
        println!("| {label} | {ns:.1} |");
    }
    println!(
        "\nmedian of {reps} repetitions after a warm-up; {iters} calls, {instances} instantiations each; load average {}",
        load_average()
    );
    if let Some(m) = engine.pooling_allocator_metrics() {
        println!(
            "pooling_allocator_metrics after the runs: {} memories and {} stacks in use, {} warm unused memories holding {} KB, {} warm unused tables holding {} KB",
            m.memories(),
            m.stacks(),
            m.unused_warm_memories(),
            m.unused_memory_bytes_resident() / 1000,
            m.unused_warm_tables(),
            m.unused_table_bytes_resident() / 1000,
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// imports

/// Host functions that block (registered with `func_wrap_async` in `host/src/abi/`).
const BLOCKING_ABI: &[&str] = &["recv", "sup_start_child", "sup_terminate_child"];

/// The WASI preview 1 calls a small sync implementation of our own could serve without
/// blocking (levers note §2.2): everything else needs wasmtime-wasi's async one.
const SYNC_WASI: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "fd_write",
    "fd_fdstat_get",
    "fd_prestat_get",
    "fd_prestat_dir_name",
    "fd_close",
    "fd_seek",
    "clock_time_get",
    "clock_res_get",
    "random_get",
    "sched_yield",
    "proc_exit",
];

fn imports(files: &[PathBuf]) -> anyhow::Result<()> {
    println!(
        "| module | imports | blocking `hatchery_v1` | WASI outside a sync subset | verdict | WASI imports |\n|---|---|---|---|---|---|"
    );
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        let name = f.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
        let mut list: Vec<(String, String)> = Vec::new();
        let mut component = false;
        for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
            match payload? {
                wasmparser::Payload::Version {
                    encoding: wasmparser::Encoding::Component,
                    ..
                } => {
                    component = true;
                    break;
                }
                wasmparser::Payload::ImportSection(s) => {
                    for imp in s.into_imports() {
                        let imp = imp?;
                        list.push((imp.module.to_string(), imp.name.to_string()));
                    }
                }
                _ => {}
            }
        }
        if component {
            println!(
                "| {name} | (a component) | – | – | component engine, async only (WASI 0.2) | – |"
            );
            continue;
        }
        let abi: Vec<&str> = list
            .iter()
            .filter(|(m, _)| m == "hatchery_v1")
            .map(|(_, n)| n.as_str())
            .collect();
        let wasi: Vec<&str> = list
            .iter()
            .filter(|(m, _)| m.starts_with("wasi"))
            .map(|(_, n)| n.as_str())
            .collect();
        let blocking: Vec<&str> = abi
            .iter()
            .copied()
            .filter(|n| BLOCKING_ABI.contains(n))
            .collect();
        let wasi_async: Vec<&str> = wasi
            .iter()
            .copied()
            .filter(|n| !SYNC_WASI.contains(n))
            .collect();
        let other = list.len() - abi.len() - wasi.len();
        let verdict = match (blocking.is_empty(), wasi.is_empty(), wasi_async.is_empty()) {
            (true, true, _) => "sync today (no async import)",
            (true, false, true) => "sync with a sync WASI subset",
            (true, false, false) => "needs async WASI",
            (false, _, _) => "needs a fiber (blocking receive or supervisor call)",
        };
        println!(
            "| {name} | {} hatchery_v1, {} WASI{} | {} | {} | {verdict} | {} |",
            abi.len(),
            wasi.len(),
            if other > 0 {
                format!(", {other} other")
            } else {
                String::new()
            },
            if blocking.is_empty() {
                "–".into()
            } else {
                blocking.join(", ")
            },
            if wasi_async.is_empty() {
                "–".into()
            } else {
                wasi_async.join(", ")
            },
            if wasi.is_empty() {
                "–".into()
            } else {
                wasi.join(", ")
            },
        );
    }
    Ok(())
}
