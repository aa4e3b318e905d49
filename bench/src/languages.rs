//! One row per guest language: spawn + exit, a 64-byte round trip, an idle process's
//! resident memory, compiling the module, and the time from spawn to the first reply
//! (first instance after loading, and warm).
//!
//! Every language provides the same two benchmark guests (modules/conformance/<lang>/):
//! `bench_<lang>_noop` returns from its entry at once, `bench_<lang>_pong` echoes user
//! messages until it gets the bytes `stop`. The Rust `spawner` and `pingpong` guests drive
//! them, so only the language under test changes from row to row.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hatchery::{NativeProcess, Node, NodeConfig};
use serde_json::json;

use super::{median, num, report};

/// A language, its module suffix, the memory its processes need, and how many processes
/// a figure uses (Go and Python processes are large and slow to start).
pub struct Lang {
    pub name: &'static str,
    pub id: &'static str,
    pub memory_mib: usize,
    pub spawns: u64,
    pub idle: u64,
}

pub const LANGS: &[Lang] = &[
    Lang {
        name: "Rust",
        id: "rust",
        memory_mib: 16,
        spawns: 20_000,
        idle: 10_000,
    },
    Lang {
        name: "C",
        id: "c",
        memory_mib: 16,
        spawns: 20_000,
        idle: 10_000,
    },
    Lang {
        name: "Zig",
        id: "zig",
        memory_mib: 16,
        spawns: 20_000,
        idle: 10_000,
    },
    Lang {
        name: "AssemblyScript",
        id: "as",
        memory_mib: 16,
        spawns: 20_000,
        idle: 10_000,
    },
    Lang {
        name: "Go",
        id: "go",
        memory_mib: 16,
        spawns: 2_000,
        idle: 1_000,
    },
    Lang {
        name: "JavaScript",
        id: "js",
        memory_mib: 16,
        spawns: 1_000,
        idle: 1_000,
    },
    Lang {
        name: "Python",
        id: "py",
        memory_mib: 64,
        spawns: 200,
        idle: 200,
    },
];

/// The figures of one language, by key.
pub type Row = BTreeMap<&'static str, f64>;

/// The module files of a language: its noop and pong, wherever they were built.
fn files(lang: &Lang, dirs: &[PathBuf]) -> Option<(PathBuf, PathBuf)> {
    let find = |m: String| {
        dirs.iter()
            .map(|d| d.join(format!("{m}.wasm")))
            .find(|p| p.is_file())
    };
    // Rust's are the plain `noop` and `idle`-like guests of modules/.
    let (noop, pong) = match lang.id {
        "rust" => ("noop".to_string(), "bench_rust_pong".to_string()),
        id => (format!("bench_{id}_noop"), format!("bench_{id}_pong")),
    };
    Some((find(noop)?, find(pong)?))
}

fn config(lang: &Lang, processes: u64, cache: Option<PathBuf>) -> NodeConfig {
    NodeConfig {
        max_processes: u32::try_from(processes + 2_000).unwrap_or(u32::MAX),
        max_memory_bytes: lang.memory_mib << 20,
        compile_cache: cache,
        ..crate::base_config()
    }
}

/// Measures every language whose benchmark guests are built; the others are left out.
pub async fn run(
    modules: &Path,
    guests: &Path,
    reps: usize,
    quick: bool,
) -> anyhow::Result<BTreeMap<&'static str, Row>> {
    let dirs = [modules.to_path_buf(), guests.to_path_buf()];
    let cache = std::env::temp_dir().join(format!("hatchery-bench-cache-{}", std::process::id()));
    let mut out = BTreeMap::new();
    for lang in LANGS {
        let Some((noop, pong)) = files(lang, &dirs) else {
            eprintln!(
                "languages: {} skipped: its benchmark guests are not built",
                lang.name
            );
            continue;
        };
        let scale = if quick { 10 } else { 1 };
        let mut row = Row::new();
        // Compiling, without a cache: what the first load of a module costs.
        let node = Node::new(config(lang, 10, None))?;
        let start = Instant::now();
        node.load_module_file(&pong)?;
        row.insert("compile_ms", start.elapsed().as_secs_f64() * 1e3);
        drop(node);

        let node = Node::new(config(lang, lang.spawns, Some(cache.clone())))?;
        for f in [
            &noop,
            &pong,
            &modules.join("spawner.wasm"),
            &modules.join("pingpong.wasm"),
        ] {
            node.load_module_file(f)
                .with_context(|| format!("loading {}", f.display()))?;
        }
        let me = node.spawn_native("bench-languages")?;
        let pong_name = hatchery::runtime::modules::module_name(&pong);
        let noop_name = hatchery::runtime::modules::module_name(&noop);
        let (first, warm) = start_to_reply(&me, &pong_name, 21).await?;
        row.insert("first_start_ns", first);
        row.insert("warm_start_ns", warm);

        let n = (lang.spawns / scale).max(10);
        let mut v = Vec::new();
        for rep in 0..=reps {
            let r = report(&me, "spawner", json!({"n": n, "module": noop_name})).await?;
            if num(&r, "failed")? > 0.0 {
                bail!("{}: {r}", lang.name);
            }
            if rep > 0 {
                v.push(num(&r, "ns")? / n as f64);
            }
        }
        row.insert("spawn_exit_ns", median(v));

        let rounds = 20_000 / scale;
        let mut v = Vec::new();
        for rep in 0..=reps {
            let args = json!({"rounds": rounds, "size": 64, "partner": pong_name});
            let r = report(&me, "pingpong", args).await?;
            if rep > 0 {
                v.push(num(&r, "ns")? / rounds as f64);
            }
        }
        row.insert("rtt_ns", median(v));
        node.shutdown(Duration::from_secs(10)).await;
        drop(node);

        // Idle memory in a fresh process, as the other idle rows.
        let mut v = Vec::new();
        for _ in 0..reps.min(3) {
            v.push(idle_in_child(&pong, lang, (lang.idle / scale).max(10))?);
        }
        row.insert("idle_rss_bytes", median(v));
        eprintln!("languages: {} {row:?}", lang.name);
        out.insert(lang.name, row);
    }
    let _ = std::fs::remove_dir_all(&cache);
    Ok(out)
}

/// Spawn → first echo, `n` times in a row: the first after loading, and the median of the
/// rest.
async fn start_to_reply(me: &NativeProcess, pong: &str, n: usize) -> anyhow::Result<(f64, f64)> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let pid = me.spawn(pong, Vec::new(), false, false)?.pid;
        me.send(pid, vec![0xa5; 64]);
        me.recv_match(Some(Duration::from_secs(60)), |m| {
            (m.sender == pid).then_some(())
        })
        .await?
        .context("no echo within 60 s")?;
        times.push(start.elapsed().as_nanos() as f64);
        me.send(pid, b"stop".to_vec());
    }
    let first = times.remove(0);
    Ok((first, median(times)))
}

/// Runs `hatchery-bench --idle-file` in a fresh process; bytes per idle process.
fn idle_in_child(pong: &Path, lang: &Lang, n: u64) -> anyhow::Result<f64> {
    let out = Command::new(std::env::current_exe()?)
        .args(["--idle-file"])
        .arg(pong)
        .args([lang.memory_mib.to_string(), n.to_string()])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace()
        .next()
        .unwrap_or("")
        .parse()
        .with_context(|| {
            format!(
                "the idle run of {} failed: {text}{}",
                pong.display(),
                String::from_utf8_lossy(&out.stderr)
            )
        })
}

/// In a fresh process: `n` idle processes of the module in `file` (a pong, blocked in
/// receive), with a memory cap of `memory_mib`; prints bytes per process.
pub fn idle_file(file: &Path, memory_mib: usize, n: u64) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let lang = Lang {
            name: "",
            id: "",
            memory_mib,
            spawns: n,
            idle: n,
        };
        let cache =
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/hatchery/compiled"));
        let node = Node::new(config(&lang, n, cache))?;
        node.load_module_file(file)?;
        let me = node.spawn_native("bench")?;
        let module = hatchery::runtime::modules::module_name(file);
        super::idle_memory(&node, &me, &module, n.min(100)).await?;
        let (per, _) = super::idle_memory(&node, &me, &module, n).await?;
        println!("{per:.1}");
        anyhow::Ok(())
    })
}

/// The languages table, with Erlang's figures where Erlang has the same measurement.
pub fn render(rows: &BTreeMap<&'static str, Row>, erl: &BTreeMap<&str, f64>) -> String {
    let us = |v: Option<&f64>| v.map_or("–".into(), |v| format!("{:.2} µs", v / 1e3));
    let kb = |v: Option<&f64>| v.map_or("–".into(), |v| format!("{:.1} KB", v / 1e3));
    let mut t = String::from(
        "| language | spawn + exit | round trip, 64 B | idle process, resident | compile on first load | spawn → first reply, first instance | spawn → first reply, warm |\n|---|---|---|---|---|---|---|\n",
    );
    for lang in LANGS {
        let Some(r) = rows.get(lang.name) else {
            continue;
        };
        t.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            lang.name,
            us(r.get("spawn_exit_ns")),
            us(r.get("rtt_ns")),
            kb(r.get("idle_rss_bytes")),
            r.get("compile_ms")
                .map_or("–".into(), |v| format!("{v:.0} ms")),
            us(r.get("first_start_ns")),
            us(r.get("warm_start_ns")),
        ));
    }
    t.push_str(&format!(
        "| Erlang/OTP | {} | {} | {} | – | – | – |\n",
        us(erl.get("spawn_exit_ns")),
        us(erl.get("pingpong_rtt_ns")),
        kb(erl.get("idle_rss_bytes")),
    ));
    t
}
