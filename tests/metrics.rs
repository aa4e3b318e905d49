//! What an operator reads: per-process CPU (summed per module and per subtree), the node's
//! history, and `/metrics` scraped by a real Prometheus server and checked by `promtool`.

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hatchery::http::{HttpConfig, HttpServer};
use hatchery::supervisor::{ChildSpec, Shutdown, Strategy, SupervisorSpec};
use hatchery::{Node, Pid};
use hatchery_tests::*;
use serde_json::{Value, json};

/// A main-style process that spins forever.
const SPIN: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (loop $l (br $l))))"#;

const TOKEN: &str = "metrics-test-token";

/// How long a wait for something the node does on its own may take, on a slow machine.
const PATIENCE: Duration = Duration::from_secs(60);

async fn serve(node: &Node) -> HttpServer {
    let addr: SocketAddr = "127.0.0.1:0".parse().expect("addr");
    let config = HttpConfig {
        token: Some(TOKEN.into()),
        ..HttpConfig::local(addr)
    };
    HttpServer::start(node, config).await.expect("serve")
}

/// GET with the token (or none): status, content type, body.
async fn get(server: &HttpServer, path: &str, token: bool) -> (u16, String, String) {
    let url = format!("http://{}{path}", server.addr);
    tokio::task::spawn_blocking(move || {
        let mut req = ureq::get(&url).timeout(Duration::from_secs(30));
        if token {
            req = req.set("Authorization", &format!("Bearer {TOKEN}"));
        }
        let res = match req.call() {
            Ok(r) | Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("GET {url}: {e}"),
        };
        let status = res.status();
        let kind = res.header("content-type").unwrap_or_default().to_string();
        (status, kind, res.into_string().expect("body"))
    })
    .await
    .expect("request task")
}

async fn get_json(server: &HttpServer, path: &str) -> Value {
    let (status, _, body) = get(server, path, true).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    serde_json::from_str(&body).expect("json")
}

/// A node running `spin` under a one-for-one supervisor: the spinner is a subtree's root.
fn spinning_node() -> (Node, Pid) {
    let node = node_with(&["idle"]);
    let dir = temp_dir("metrics");
    node.load_module_file(&write_module(&dir, "spin.wat", SPIN))
        .expect("load");
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 10,
        period: Duration::from_secs(10),
        children: vec![
            ChildSpec {
                shutdown: Shutdown::BrutalKill,
                ..ChildSpec::worker("spin", "spin", Vec::new())
            },
            ChildSpec::worker("idle", "idle", Vec::new()),
        ],
    };
    let sup = node.start_supervisor(spec, None).expect("supervisor");
    (node, sup)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_is_counted_per_process_and_summed_per_module_and_subtree() {
    let (node, _sup) = spinning_node();
    let server = serve(&node).await;
    let began = Instant::now();
    let spinner = loop {
        let list = get_json(&server, "/api/processes?sort=cpu&order=desc&limit=5").await;
        let first = list["items"][0].clone();
        if first["module"] == "spin" && first["cpu_us"].as_u64().unwrap_or(0) >= 20_000 {
            break first;
        }
        assert!(
            began.elapsed() < PATIENCE,
            "the spinner never led by CPU: {list}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let used = spinner["cpu_us"].as_u64().unwrap_or(0);
    let idle = get_json(&server, "/api/processes?q=idle").await;
    let idle_cpu = idle["items"][0]["cpu_us"].as_u64().expect("idle's cpu_us");
    assert!(
        idle_cpu < used,
        "the idle process ran {idle_cpu} µs, the spinner {used} µs"
    );

    let pid = spinner["pid"].as_str().expect("pid").to_string();
    let one = get_json(&server, &format!("/api/processes/{pid}")).await;
    assert!(one["cpu_us"].as_u64().unwrap_or(0) >= used);

    let tree = get_json(&server, "/api/tree").await;
    let root = &tree["roots"][0];
    let child = root["children"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "spin"))
        .expect("the spin child in the tree");
    assert!(child["cpu_us"].as_u64().unwrap_or(0) >= used, "{child}");
    assert_eq!(child["subtree_processes"], 1);
    assert!(
        root["cpu_us"].as_u64().unwrap_or(0) >= child["cpu_us"].as_u64().unwrap_or(0),
        "a supervisor's subtree CPU sums its children's: {root}"
    );

    let module_cpu = |modules: &Value| {
        modules["items"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["name"] == "spin"))
            .and_then(|m| m["cpu_us"].as_u64())
            .expect("the spin module's cpu_us")
    };
    let before = module_cpu(&get_json(&server, "/api/modules").await);
    assert!(before >= used);
    // An ended process's CPU stays in its module's total.
    let pid = Pid(spinner["id"].as_u64().expect("id"));
    let _ = node.exit_signal(Pid(0), pid, &hatchery::ExitReason::Killed, true);
    let _ = exit_of(&node, pid).await;
    let after = module_cpu(&get_json(&server, "/api/modules").await);
    assert!(
        after >= before,
        "the module's CPU went from {before} to {after} µs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_keeps_its_load_figures_as_history() {
    let (node, _sup) = spinning_node();
    let server = serve(&node).await;
    let began = Instant::now();
    let history = loop {
        let h = get_json(&server, "/api/history").await;
        if h["points"].as_array().is_some_and(|p| !p.is_empty()) {
            break h;
        }
        assert!(began.elapsed() < PATIENCE, "no history point yet: {h}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(history["interval_ms"], 5000);
    assert_eq!(history["window_ms"], 3_600_000);
    let point = &history["points"][0];
    for field in [
        "at_ms",
        "processes",
        "messages_per_sec",
        "memory_rss_bytes",
        "guest_memory_bytes",
        "mailbox_messages",
        "restarts",
        "swaps",
        "spawned",
        "exited",
    ] {
        assert!(point[field].is_number(), "{field} in {point}");
    }
    let cpu = point["cpu_per_worker"].as_array().expect("cpu_per_worker");
    assert!(!cpu.is_empty(), "{point}");
    assert!(
        cpu.iter()
            .all(|c| c.as_f64().is_some_and(|c| (0.0..=1.0).contains(&c))),
        "{point}"
    );
    // The spinner keeps a scheduler busy.
    assert!(
        cpu.iter().any(|c| c.as_f64().unwrap_or(0.0) > 0.0),
        "{point}"
    );
}

/// Writes a Prometheus configuration that scrapes `target` with the token every second.
fn prometheus_config(dir: &Path, target: SocketAddr) -> std::path::PathBuf {
    let path = dir.join("prometheus.yml");
    let text = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: hatchery\n    \
         authorization:\n      type: Bearer\n      credentials: {TOKEN}\n    static_configs:\n      - targets: ['{target}']\n"
    );
    std::fs::write(&path, text).expect("write prometheus.yml");
    path
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Asks the Prometheus server at `port` for `query`'s instant vector.
fn prometheus_query(port: u16, query: &str) -> Option<Vec<Value>> {
    let url = format!("http://127.0.0.1:{port}/api/v1/query");
    let res = ureq::get(&url)
        .query("query", query)
        .timeout(Duration::from_secs(5))
        .call()
        .ok()?;
    let v: Value = res.into_json().ok()?;
    v["data"]["result"].as_array().cloned()
}

/// Kills the Prometheus server when the test ends, however it ends.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_metrics_which_promtool_finds_well_formed() {
    for tool in ["prometheus", "promtool"] {
        assert!(
            Command::new(tool).arg("--version").output().is_ok(),
            "`{tool}` is missing: ./scripts/setup.sh --browser installs it (apt-get install prometheus)"
        );
    }
    let (node, _sup) = spinning_node();
    let server = serve(&node).await;

    let (status, _, _) = get(&server, "/metrics", false).await;
    assert_eq!(status, 401, "the metrics need the API's token");
    let (status, kind, body) = get(&server, "/metrics", true).await;
    assert_eq!(status, 200, "{body}");
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    for series in [
        "hatchery_processes ",
        "hatchery_messages_sent_total ",
        "hatchery_module_cpu_seconds_total{module=\"spin\"}",
        "hatchery_module_processes{module=\"idle\"} 1",
        "hatchery_supervisor_restarts_total{supervisor=\"root\"} 0",
        "hatchery_scheduler_busy_seconds_total{scheduler=\"0\"}",
    ] {
        assert!(body.contains(series), "no {series} in\n{body}");
    }

    // promtool parses the text as Prometheus does and lints the names.
    let mut check = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    {
        use std::io::Write as _;
        let mut stdin = check.stdin.take().expect("stdin");
        stdin.write_all(body.as_bytes()).expect("write to promtool");
    }
    let out = check.wait_with_output().expect("promtool ran");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // A real Prometheus server scrapes the node.
    let dir = temp_dir("prometheus");
    let port = free_port();
    let config = prometheus_config(&dir, server.addr);
    let data = dir.join("data");
    let _prometheus = Reaped(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("prometheus.log")).expect("log"))
            .spawn()
            .expect("start prometheus"),
    );
    let began = Instant::now();
    let cpu = loop {
        let found = tokio::task::spawn_blocking(move || {
            let up = prometheus_query(port, "up{job=\"hatchery\"}")?;
            if up.first()?["value"][1] != "1" {
                return None;
            }
            prometheus_query(port, "hatchery_module_cpu_seconds_total{module=\"spin\"}")
                .filter(|r| !r.is_empty())
        })
        .await
        .expect("query task");
        if let Some(r) = found {
            break r;
        }
        assert!(
            began.elapsed() < PATIENCE,
            "Prometheus never scraped the node; its log: {}",
            std::fs::read_to_string(dir.join("prometheus.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let seconds: f64 = cpu[0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert!(seconds > 0.0, "{cpu:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A cluster list's entry for node `name`.
fn node_entry(v: &Value, name: &str) -> Value {
    v["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["node"] == name))
        .cloned()
        .unwrap_or_else(|| panic!("node {name} in {v}"))
}

/// Two nodes joined in memory, `a` with `idle` and `b` with `spin` loaded as well.
fn two_nodes(cookie: &[u8]) -> (Node, Node, hatchery::dist::loopback::Loopback) {
    let (ma, mb) = hatchery::dist::loopback::memberships(cookie);
    let with = |m| hatchery::NodeConfig {
        cluster: Some(m),
        ..config()
    };
    let a = node_with_config(with(ma), &["idle"]);
    let b = node_with_config(with(mb), &["idle"]);
    let dir = temp_dir("cluster-top");
    b.load_module_file(&write_module(&dir, "spin.wat", SPIN))
        .expect("load");
    let link = hatchery::dist::loopback::Loopback::join(&a, &b).expect("joined");
    (a, b, link)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cluster_top_merges_every_nodes_busiest_and_names_a_node_that_did_not_answer() {
    let (a, b, link) = two_nodes(b"cluster top");
    let me = a.spawn_native("test").expect("native");
    me.spawn("idle", Vec::new(), false, false).expect("idle");
    let server = serve(&a).await;
    eventually("b to be connected", || a.nodes() == vec!["b".to_string()]).await;
    // b runs without an HTTP server and has not been told to answer: it says so, and a's
    // own rows still come.
    let v = get_json(&server, "/api/cluster/processes?sort=cpu&order=desc").await;
    let b_entry = node_entry(&v, "b");
    assert_eq!(b_entry["ok"], false, "{v}");
    assert!(
        b_entry["error"]
            .as_str()
            .is_some_and(|e| e.contains("answers no questions")),
        "{v}"
    );
    assert_eq!(node_entry(&v, "a")["ok"], true);
    assert!(
        v["items"]
            .as_array()
            .is_some_and(|i| !i.is_empty() && i.iter().all(|r| r["node"] == "a")),
        "{v}"
    );

    hatchery::http::answer_questions(&b);
    let spinner = b
        .spawn("spin", Vec::new(), Default::default())
        .expect("spin")
        .pid;
    let began = Instant::now();
    let v = loop {
        let v = get_json(
            &server,
            "/api/cluster/processes?sort=cpu&order=desc&limit=3",
        )
        .await;
        if v["items"][0]["module"] == "spin" && v["items"][0]["cpu_us"].as_u64() > Some(10_000) {
            break v;
        }
        assert!(
            began.elapsed() < PATIENCE,
            "b's spinner never led the cluster: {v}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let first = &v["items"][0];
    assert_eq!(first["node"], "b");
    assert_eq!(first["pid"], format!("<b.{}>", spinner.0));
    assert_eq!(v["limit"], 3);
    assert!(v["items"].as_array().is_some_and(|i| i.len() <= 3));
    let (ea, eb) = (node_entry(&v, "a"), node_entry(&v, "b"));
    assert_eq!((&ea["ok"], &eb["ok"]), (&json!(true), &json!(true)), "{v}");
    let (ta, tb) = (ea["total"].as_u64(), eb["total"].as_u64());
    assert_eq!(v["total"].as_u64(), Some(ta.unwrap_or(0) + tb.unwrap_or(0)));
    assert_eq!(tb, Some(b.process_count() as u64));
    // The CPU sort holds across the nodes.
    let cpu: Vec<u64> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["cpu_us"].as_u64().unwrap_or(0))
        .collect();
    assert!(cpu.windows(2).all(|w| w[0] >= w[1]), "{cpu:?}");
    // By pid: this node's rows first, then the other's.
    let v = get_json(&server, "/api/cluster/processes").await;
    let nodes: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["node"].as_str().unwrap_or(""))
        .collect();
    let first_b = nodes.iter().position(|n| *n == "b").expect("b's rows");
    assert!(
        nodes[..first_b].iter().all(|n| *n == "a") && nodes[first_b..].iter().all(|n| *n == "b")
    );

    // Bad parameters are refused before anyone is asked.
    for q in [
        "offset=1",
        "limit=201",
        "limit=x",
        "sort=banana",
        "order=up",
    ] {
        let (status, _, body) = get(&server, &format!("/api/cluster/processes?{q}"), true).await;
        assert_eq!(status, 400, "{q}: {body}");
    }
    let (status, _, _) = get(&server, "/api/cluster/processes", false).await;
    assert_eq!(status, 401, "the token guards the cluster view too");

    // A node that went away is listed as such; the rest still answers.
    link.cut();
    eventually("b to be gone", || a.nodes().is_empty()).await;
    let v = get_json(&server, "/api/cluster/processes?sort=cpu&order=desc").await;
    assert_eq!(node_entry(&v, "b")["ok"], false, "{v}");
    assert!(
        v["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|r| r["node"] == "a")),
        "{v}"
    );
}

/// Answers "slow" late and refuses anything else.
struct Picky;

impl hatchery::query::Answerer for Picky {
    fn answer(&self, _: &hatchery::CoreNode, question: &[u8]) -> Result<Vec<u8>, String> {
        if question == b"slow" {
            std::thread::sleep(Duration::from_millis(1500));
            return Ok(b"late".to_vec());
        }
        Err(format!("no idea about {} bytes", question.len()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_question_to_another_node_is_answered_refused_or_given_up_on() {
    use hatchery::query::AskError;
    let (a, b, _link) = two_nodes(b"questions");
    eventually("b to be connected", || a.nodes() == vec!["b".to_string()]).await;
    let wait = Duration::from_secs(30);
    assert_eq!(
        a.ask_node("b", b"x".to_vec(), wait).await,
        Err(AskError::NoAnswerer("b".into()))
    );
    b.set_answerer(std::sync::Arc::new(Picky)).expect("set");
    assert!(b.set_answerer(std::sync::Arc::new(Picky)).is_err());
    assert_eq!(
        a.ask_node("b", b"what".to_vec(), wait).await,
        Err(AskError::Refused(
            "b".into(),
            "no idea about 4 bytes".into()
        ))
    );
    assert_eq!(
        a.ask_node("b", b"slow".to_vec(), Duration::from_millis(100))
            .await,
        Err(AskError::Timeout("b".into(), Duration::from_millis(100)))
    );
    // The late answer finds nobody waiting, and the next question still gets its own.
    assert_eq!(
        a.ask_node("b", b"slow".to_vec(), wait).await,
        Ok(b"late".to_vec())
    );
    assert_eq!(
        a.ask_node("nobody", b"x".to_vec(), wait).await,
        Err(AskError::NoConnection("nobody".into()))
    );
    // A node asks itself through its own answerer.
    assert_eq!(
        b.ask_node("b", b"slow".to_vec(), wait).await,
        Ok(b"late".to_vec())
    );
    // The HTTP answerer refuses what it does not know, with the reason.
    hatchery::http::answer_questions(&a);
    let cases: [(&[u8], &str); 4] = [
        (b"{", "JSON"),
        (br#"{"kill": {}}"#, "not a question"),
        (br#"{"processes": {"limit": 5}}"#, "strings"),
        (br#"{"processes": {"sort": "banana"}}"#, "unknown sort key"),
    ];
    for (q, why) in cases {
        match b.ask_node("a", q.to_vec(), wait).await {
            Err(AskError::Refused(n, text)) => assert!(n == "a" && text.contains(why), "{text}"),
            other => panic!("{q:?}: {other:?}"),
        }
    }
}

/// Lets "gate" questions through only once `open` is set; answers anything else with rows
/// that are not rows. Keeps every question it was asked.
#[derive(Default)]
struct Gated {
    open: std::sync::atomic::AtomicBool,
    asked: std::sync::Mutex<Vec<String>>,
}

impl hatchery::query::Answerer for Gated {
    fn answer(&self, _: &hatchery::CoreNode, question: &[u8]) -> Result<Vec<u8>, String> {
        let text = String::from_utf8_lossy(question).into_owned();
        self.asked.lock().expect("asked").push(text.clone());
        if text == "gate" {
            let began = Instant::now();
            while !self.open.load(std::sync::atomic::Ordering::Acquire)
                && began.elapsed() < PATIENCE
            {
                std::thread::sleep(Duration::from_millis(5));
            }
            return Ok(b"through".to_vec());
        }
        Ok(br#"{"total": 1, "items": [1]}"#.to_vec())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_nodes_bad_answer_and_too_many_questions_are_refused_not_obeyed() {
    use hatchery::query::{AskError, MAX_ANSWERING};
    let (a, b, _link) = two_nodes(b"bad answers");
    eventually("b to be connected", || a.nodes() == vec!["b".to_string()]).await;
    let gated = std::sync::Arc::new(Gated::default());
    b.set_answerer(gated.clone()).expect("set");
    let server = serve(&a).await;

    // Rows that are not rows: b is listed as failed, a's rows still come, nothing panics.
    // A token given in the URL stays on this node.
    let path = format!("/api/cluster/processes?sort=cpu&token={TOKEN}");
    let (status, _, body) = get(&server, &path, false).await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    let b_entry = node_entry(&v, "b");
    assert_eq!(b_entry["ok"], false, "{v}");
    assert!(
        b_entry["error"]
            .as_str()
            .is_some_and(|e| e.contains("not a process list")),
        "{v}"
    );
    let asked = gated.asked.lock().expect("asked").clone();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        !asked[0].contains("token") && asked[0].contains("\"sort\":\"cpu\""),
        "{asked:?}"
    );

    // More questions at once than a node answers: the rest are refused as busy at once.
    let asks: Vec<_> = (0..MAX_ANSWERING + 2)
        .map(|_| {
            let a = a.clone();
            tokio::spawn(async move { a.ask_node("b", b"gate".to_vec(), PATIENCE).await })
        })
        .collect();
    eventually("two questions refused", || {
        asks.iter().filter(|h| h.is_finished()).count() == 2
    })
    .await;
    gated.open.store(true, std::sync::atomic::Ordering::Release);
    let mut busy = 0;
    let mut through = 0;
    for h in asks {
        match h.await.expect("task") {
            Err(AskError::Refused(_, why)) if why.starts_with("busy") => busy += 1,
            Ok(answer) if answer == b"through" => through += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((busy, through), (2, MAX_ANSWERING));
}
