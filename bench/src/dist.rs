//! `hatchery-bench --dist-only`: two nodes over NATS beside two Erlang nodes over Erlang
//! distribution, on this machine: a remote round trip, a remote stream, and how long a
//! killed and a frozen node take to be noticed (a link firing `noconnection`, Erlang's
//! `nodedown`). Erlang's figures come from `bench/erlang/dist.escript`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hatchery::{CoreNode, ExitReason, MessageKind, NativeProcess, NodeConfig, Pid};
use serde_json::{Value, json};

/// The workload.
pub struct Sizes {
    rtt: usize,
    stream: usize,
    detections: usize,
}

impl Sizes {
    pub fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                rtt: 1_000,
                stream: 20_000,
                detections: 1,
            }
        } else {
            Sizes {
                rtt: 10_000,
                stream: 200_000,
                detections: 3,
            }
        }
    }
}

const COOKIE: &[u8] = b"hatchery bench";
const TICK: Duration = Duration::from_millis(1000);

/// A loopback `nats-server` of the bench's own.
struct Nats {
    child: Child,
    url: String,
}

impl Nats {
    fn start() -> anyhow::Result<Nats> {
        let dir = std::env::temp_dir().join(format!("hatchery-bench-nats-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        // One Go scheduler thread: the server shares the cores with both nodes, and a
        // message it relays then wakes no second Go thread (BENCHMARKS.md, "Round trip").
        let child = Command::new("nats-server")
            .env("GOMAXPROCS", nats_gomaxprocs())
            .args(["-a", "127.0.0.1", "-p", "-1", "--ports_file_dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting nats-server (apt-get install nats-server)")?;
        let file = dir.join(format!("nats-server_{}.ports", child.id()));
        let start = Instant::now();
        loop {
            let url = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v["nats"][0].as_str().map(str::to_owned));
            if let Some(url) = url {
                return Ok(Nats { child, url });
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("nats-server wrote no ports file");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn options(url: &str, cluster: &str, name: &str) -> hatchery::dist::Options {
    hatchery::dist::Options {
        url: url.to_owned(),
        cluster: cluster.to_owned(),
        name: name.to_owned(),
        cookie: COOKIE.to_vec(),
        ticktime: TICK,
        max_queued_bytes: hatchery::dist::cluster::MAX_QUEUED_BYTES,
    }
}

/// A node of the cluster with the Wasm runtime and the `pingpong` guest.
async fn node(
    modules: &Path,
    url: &str,
    cluster: &str,
    name: &str,
) -> anyhow::Result<(hatchery::Node, hatchery::dist::Cluster)> {
    let joined = hatchery::dist::join(options(url, cluster, name)).await?;
    let node = hatchery::Node::new(NodeConfig {
        cluster: Some(joined.membership()),
        ..crate::base_config()
    })?;
    node.load_module_file(&modules.join("pingpong.wasm"))?;
    let cluster = joined.attach(&node)?;
    Ok((node, cluster))
}

/// Waits until `from` sees `to` up.
async fn connected(from: &CoreNode, to: &str) -> anyhow::Result<()> {
    let start = Instant::now();
    while !from.peers().iter().any(|p| p.name == to && p.up) {
        if start.elapsed() > Duration::from_secs(10) {
            bail!("node {to} did not come up");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

/// Runs the Hatchery side.
pub async fn run(
    modules: &Path,
    sizes: &Sizes,
    reps: usize,
) -> anyhow::Result<BTreeMap<&'static str, f64>> {
    let nats = Nats::start()?;
    let cluster = format!("bench{}", std::process::id());
    let (a, _ca) = node(modules, &nats.url, &cluster, "a").await?;
    let (b, _cb) = node(modules, &nats.url, &cluster, "b").await?;
    connected(&a, "b").await?;
    connected(&b, "a").await?;
    let me = a.spawn_native("bench")?;
    let echo = b.spawn_native("echo")?;
    let echo_pid = echo.pid();
    tokio::spawn(async move {
        while let Ok(Some(m)) = echo.recv(None).await {
            echo.send(m.sender, m.data);
        }
    });
    let mut out = BTreeMap::new();
    let data = vec![7u8; 64];
    round_trips(&me, echo_pid, &data, sizes.rtt / 10).await?;
    let mut v = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        round_trips(&me, echo_pid, &data, sizes.rtt).await?;
        v.push(t.elapsed().as_nanos() as f64 / sizes.rtt as f64);
    }
    crate::record(&mut out, "dist_rtt_ns", v);
    // The same between two Wasm processes: `pingpong` on a, its pong spawned on b.
    let args = json!({"rounds": sizes.rtt, "size": 64, "node": "b"});
    crate::report(&me, "pingpong", args.clone()).await?;
    let mut v = Vec::new();
    for _ in 0..reps {
        let r = crate::report(&me, "pingpong", args.clone()).await?;
        v.push(r["ns"].as_f64().context("pingpong reports ns")? / sizes.rtt as f64);
    }
    crate::record(&mut out, "dist_guest_rtt_ns", v);
    let floor = crate::nats_floor::round_trip_ns(&nats.url, sizes.rtt, reps)?;
    eprintln!("hatchery dist_nats_rtt_ns {floor:.1}");
    out.insert("dist_nats_rtt_ns", floor);
    let mut v = Vec::new();
    for _ in 0..reps {
        v.push(stream(&me, &b, sizes.stream).await?);
    }
    crate::record(&mut out, "dist_stream_per_sec", v);
    let (mut killed, mut frozen) = (Vec::new(), Vec::new());
    for i in 0..sizes.detections {
        killed.push(detect(&me, modules, &nats.url, &cluster, &format!("k{i}"), "-KILL").await?);
        frozen.push(detect(&me, modules, &nats.url, &cluster, &format!("f{i}"), "-STOP").await?);
    }
    crate::record(&mut out, "dist_killed_ms", killed);
    crate::record(&mut out, "dist_frozen_ms", frozen);
    Ok(out)
}

async fn round_trips(me: &NativeProcess, to: Pid, data: &[u8], n: usize) -> anyhow::Result<()> {
    for _ in 0..n {
        me.send(to, data.to_vec());
        me.recv(Some(Duration::from_secs(10)))
            .await?
            .context("no echo within 10 s")?;
    }
    Ok(())
}

/// Messages per second from `me` to a counting process on `b`.
async fn stream(me: &NativeProcess, b: &CoreNode, n: usize) -> anyhow::Result<f64> {
    let sink = b.spawn_native("sink")?;
    let sink_pid = sink.pid();
    let me_pid = me.pid();
    let counted = tokio::spawn(async move {
        for _ in 0..n {
            if !matches!(sink.recv(Some(Duration::from_secs(30))).await, Ok(Some(_))) {
                return;
            }
        }
        sink.send(me_pid, b"done".to_vec());
    });
    let t = Instant::now();
    for i in 0..n as u64 {
        me.send(sink_pid, i.to_le_bytes().to_vec());
    }
    me.recv_match(Some(Duration::from_secs(60)), |m| {
        (&*m.data == b"done").then_some(())
    })
    .await?
    .context("the stream did not finish within 60 s")?;
    let rate = n as f64 / t.elapsed().as_secs_f64();
    counted.await?;
    Ok(rate)
}

/// Milliseconds from `signal` to a `hatchery run` node until `me`'s link to a process there
/// fires `noconnection`.
async fn detect(
    me: &NativeProcess,
    modules: &Path,
    url: &str,
    cluster: &str,
    name: &str,
    signal: &str,
) -> anyhow::Result<f64> {
    let dir = std::env::temp_dir().join(format!("hatchery-bench-victim-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::copy(
        modules.join("messenger_server.wasm"),
        dir.join("messenger_server.wasm"),
    )
    .context("messenger_server.wasm (cd modules && cargo build --release)")?;
    let mut victim = Command::new(hatchery_bin())
        .arg("run")
        .arg(&dir)
        .args([
            "--entry",
            "messenger_server",
            "--node",
            name,
            "--cluster",
            cluster,
        ])
        .args(["--nats", url, "--http", "off", "--no-watch"])
        .args(
            std::env::var("HATCHERY_BENCH_VICTIM_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        .env("HATCHERY_COOKIE", std::str::from_utf8(COOKIE)?)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting a hatchery node")?;
    me.trap_exit(true);
    // Log on to its messenger: the server links to us and answers with its pid.
    let start = Instant::now();
    let server = loop {
        let logon = json!({"logon": {"from": me.pid().as_u64(), "name": name}});
        me.node()
            .send_named_at(me.pid(), "messenger", name, serde_json::to_vec(&logon)?)
            .ok();
        if let Some(m) = me
            .recv_match(Some(Duration::from_millis(200)), |m| {
                (m.kind == MessageKind::User).then_some(m.sender)
            })
            .await?
        {
            break m;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = victim.kill();
            bail!("node {name} never answered");
        }
    };
    let t = Instant::now();
    Command::new("kill")
        .args([signal, &victim.id().to_string()])
        .status()?;
    let reason = me
        .recv_match(Some(Duration::from_secs(30)), |m| {
            (m.kind == MessageKind::Exit && m.sender == server).then(|| m.reason())
        })
        .await?
        .context("no exit signal within 30 s")?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let _ = victim.kill();
    let _ = Command::new("kill")
        .args(["-CONT", &victim.id().to_string()])
        .status();
    let _ = victim.wait();
    if reason != Some(ExitReason::NoConnection) {
        bail!("the link fired with {reason:?}, not noconnection");
    }
    Ok(ms)
}

fn hatchery_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.with_file_name("hatchery")
}

/// Runs `bench/erlang/dist.escript`.
pub fn erlang(quick: bool) -> anyhow::Result<BTreeMap<String, f64>> {
    let mut cmd = Command::new("escript");
    cmd.arg("bench/erlang/dist.escript");
    if quick {
        cmd.arg("quick");
    }
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .context("running escript (erlang-nox)")?;
    if !out.status.success() {
        bail!("bench/erlang/dist.escript failed");
    }
    let mut figures = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let mut w = line.split_whitespace();
        if let (Some("erlang"), Some(k), Some(v)) = (w.next(), w.next(), w.next()) {
            figures.insert(k.to_owned(), v.parse()?);
        }
    }
    Ok(figures)
}

/// The table.
pub fn render(
    ours: &BTreeMap<&'static str, f64>,
    erlang: &BTreeMap<String, f64>,
    sizes: &Sizes,
    reps: usize,
) -> String {
    let get = |k: &str| ours.get(k).copied();
    let theirs = |k: &str| erlang.get(k).copied();
    let mut t = String::from(
        "| benchmark | Hatchery (NATS) | Erlang/OTP distribution | ratio (above 1: Erlang is better) |\n|---|---|---|---|\n",
    );
    let mut row =
        |name: &str, h: Option<f64>, e: Option<f64>, show: &dyn Fn(f64) -> String, rate: bool| {
            let ratio = match (h, e) {
                (Some(h), Some(e)) if h > 0.0 && e > 0.0 => {
                    format!("{:.1}×", if rate { e / h } else { h / e })
                }
                _ => "–".into(),
            };
            let cell = |v: Option<f64>| v.map_or("–".into(), show);
            t.push_str(&format!(
                "| {name} | {} | {} | {ratio} |\n",
                cell(h),
                cell(e)
            ));
        };
    let us = |ns: f64| format!("{:.1} µs", ns / 1e3);
    let ms = |v: f64| format!("{v:.0} ms");
    let rate = |v: f64| format!("{:.1} k msg/s", v / 1e3);
    row(
        "remote round trip, 64 bytes",
        get("dist_rtt_ns"),
        theirs("dist_rtt_ns"),
        &us,
        false,
    );
    row(
        "remote round trip, 64 bytes, Wasm processes",
        get("dist_guest_rtt_ns"),
        theirs("dist_rtt_ns"),
        &us,
        false,
    );
    row(
        "the same through NATS alone (two `async-nats` clients, no Hatchery)",
        get("dist_nats_rtt_ns"),
        theirs("dist_rtt_ns"),
        &us,
        false,
    );
    row(
        "remote stream 1 → 1, 8-byte messages",
        get("dist_stream_per_sec"),
        theirs("dist_stream_per_sec"),
        &rate,
        true,
    );
    row(
        "a killed node noticed (link fires / nodedown)",
        get("dist_killed_ms"),
        theirs("dist_killed_ms"),
        &ms,
        false,
    );
    row(
        "a frozen node noticed, ticktime 1 s",
        get("dist_frozen_ms"),
        theirs("dist_frozen_ms"),
        &ms,
        false,
    );
    t.push_str(&format!(
        "\nMedian of {reps} repetitions; {} round trips, a stream of {} messages, {} detections of each kind. \
         Hatchery: two nodes in the bench's process, each with its own NATS connection, through one local \
         nats-server (GOMAXPROCS {gomaxprocs}); the killed and frozen node is a `hatchery run` process. Erlang: two nodes (`peer`) \
         on loopback with net_ticktime 1 s.\n",
        sizes.rtt,
        sizes.stream,
        sizes.detections,
        gomaxprocs = nats_gomaxprocs(),
    ));
    t
}

/// The Go scheduler threads the bench's nats-server gets: 1 unless
/// `HATCHERY_BENCH_NATS_GOMAXPROCS` says otherwise.
fn nats_gomaxprocs() -> String {
    std::env::var("HATCHERY_BENCH_NATS_GOMAXPROCS").unwrap_or_else(|_| "1".into())
}
