//! The seed's messenger on three nodes over NATS: a `nats-server` on a random loopback port
//! and one `hatchery` OS process per node, as a user runs them. Covers the seed's
//! multi-node scenarios: log on from different nodes, messages between users on different
//! nodes, a duplicate name from another node, the server's node killed, a client's node
//! killed, a node frozen (`SIGSTOP`) and a node restarted; and a node name already in use.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hatchery::MessageKind;
use hatchery_tests::{WAIT, hatchery_bin, modules_dir, node_event, temp_dir};
use serde_json::{Value, json};

/// A `nats-server` of the test's own, on loopback.
struct Nats {
    child: Child,
    url: String,
}

impl Nats {
    fn start() -> Nats {
        Nats::start_on("127.0.0.1")
    }

    fn start_on(addr: &str) -> Nats {
        let dir = temp_dir("nats");
        let child = Command::new("nats-server")
            .args(["-a", addr, "-p", "-1", "--ports_file_dir"])
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server runs (scripts/setup.sh installs it: apt-get install nats-server)");
        let file = dir.join(format!("nats-server_{}.ports", child.id()));
        let start = Instant::now();
        let url = loop {
            if let Some(url) = std::fs::read_to_string(&file)
                .ok()
                .and_then(|t| serde_json::from_str::<Value>(&t).ok())
                .and_then(|v| v["nats"][0].as_str().map(str::to_owned))
            {
                break url;
            }
            assert!(start.elapsed() < WAIT, "nats-server wrote no ports file");
            std::thread::sleep(Duration::from_millis(10));
        };
        Nats { child, url }
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A folder with only the messenger's modules, so each node loads two.
fn messenger_modules() -> PathBuf {
    let dir = temp_dir("messenger-modules");
    for m in ["messenger_server", "messenger_client"] {
        let file = format!("{m}.wasm");
        std::fs::copy(modules_dir().join(&file), dir.join(&file)).expect("copy a module");
    }
    dir
}

/// One `hatchery run` node, its output kept line by line.
struct HNode {
    name: String,
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

struct Cluster {
    nats: Nats,
    name: String,
    modules: PathBuf,
}

impl Cluster {
    fn new(tag: &str) -> Cluster {
        Cluster::on(tag, "127.0.0.1")
    }

    /// A cluster whose NATS server listens on `addr`.
    fn on(tag: &str, addr: &str) -> Cluster {
        Cluster {
            nats: Nats::start_on(addr),
            name: format!("{tag}{}", std::process::id()),
            modules: messenger_modules(),
        }
    }

    /// Starts node `name` running `entry` with `args`, its API on a free port without a
    /// token.
    fn node(&self, name: &str, entry: &str, args: Value) -> HNode {
        self.node_in(None, name, entry, args)
    }

    /// The same, in network namespace `ns` when given.
    fn node_in(&self, ns: Option<&str>, name: &str, entry: &str, args: Value) -> HNode {
        let mut child = self.command(ns, name, entry, &args, &self.modules);
        let lines = Arc::new(Mutex::new(Vec::new()));
        for out in [
            child
                .stdout
                .take()
                .map(|o| Box::new(o) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|e| Box::new(e) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    lines.lock().expect("lines").push(line);
                }
            });
        }
        HNode {
            name: name.to_owned(),
            child,
            lines,
        }
    }

    fn command(
        &self,
        ns: Option<&str>,
        name: &str,
        entry: &str,
        args: &Value,
        modules: &Path,
    ) -> Child {
        let mut cmd = match ns {
            // `ip netns exec` execs the command, so the child's pid is the node's.
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).arg(hatchery_bin());
                c
            }
            None => Command::new(hatchery_bin()),
        };
        cmd.arg("run")
            .arg(modules)
            .args(["--entry", entry, "--args-json", &args.to_string()])
            .args([
                "--node",
                name,
                "--cluster",
                &self.name,
                "--nats",
                &self.nats.url,
            ])
            .args(["--http", "127.0.0.1:0", "--http-token", "", "--no-watch"])
            .args(["--keep-running", "--net-ticktime-ms", "1000"])
            .env("HATCHERY_COOKIE", "cluster test cookie")
            .current_dir(temp_dir("node-cwd"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hatchery runs")
    }

    /// Node `name` with a client that does not log on: a place to spawn clients from.
    fn bystander(&self, name: &str) -> HNode {
        let args = json!({"name": "w", "node": name, "server_node": "m", "logon": false});
        let n = self.node(name, "messenger_client", args);
        n.wait_for("started messenger_client");
        n
    }

    /// A messenger client for `user` on node `node`, talking to the server on `m`.
    fn client(&self, node: &str, user: &str) -> HNode {
        self.node(node, "messenger_client", client_args(node, user))
    }
}

fn client_args(node: &str, user: &str) -> Value {
    json!({"name": user, "node": node, "server_node": "m", "timeout_ms": 20000})
}

impl HNode {
    /// Waits for a line containing `what`, and returns it.
    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            if let Some(l) = self
                .lines
                .lock()
                .expect("lines")
                .iter()
                .find(|l| l.contains(what))
            {
                return l.clone();
            }
            assert!(
                start.elapsed() < WAIT,
                "node {} printed no line with {what:?}; it printed:\n{}",
                self.name,
                self.lines.lock().expect("lines").join("\n")
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn printed(&self, what: &str) -> bool {
        self.lines
            .lock()
            .expect("lines")
            .iter()
            .any(|l| l.contains(what))
    }

    /// The API's address, from the line the node prints.
    fn api(&self) -> String {
        let line = self.wait_for("inspector at http://");
        let url = line
            .split("inspector at ")
            .nth(1)
            .and_then(|r| r.split('/').nth(2))
            .expect("an address in the line");
        format!("http://{url}/api")
    }

    fn post(&self, path: &str, body: Value) {
        let url = format!("{}{path}", self.api());
        ureq::post(&url)
            .send_json(body)
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }

    fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.api());
        ureq::get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
            .into_json()
            .expect("JSON")
    }

    /// Spawns clients of `user` (registered under `tag`) here until one logs on: the
    /// server has let the name go. `why` is the failure after [`WAIT`]. Each client ends
    /// in exactly one of [`OUTCOMES`], so outcomes printed before are dropped first and
    /// every spawn then waits for its own.
    fn log_on_when_free(&self, tag: &str, user: &str, why: &str) {
        self.lines
            .lock()
            .expect("lines")
            .retain(|l| !OUTCOMES.iter().any(|o| l.contains(o)));
        let start = Instant::now();
        loop {
            let args = client_args(tag, user);
            self.post(
                "/spawn",
                json!({"module": "messenger_client", "args": args}),
            );
            if next_outcome(self) == OUTCOMES[0] {
                return;
            }
            assert!(start.elapsed() < WAIT, "{why}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill {sig} {}", self.name);
    }
}

impl Drop for HNode {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_messenger_runs_on_three_nodes_and_survives_a_nodes_death() {
    let c = Cluster::new("m3");
    let m = c.node("m", "messenger_server", json!({}));
    m.wait_for("started messenger_server");
    // Log on from two other nodes.
    let c1 = c.client("c1", "alice");
    c1.wait_for("messenger_client | logged_on");
    let c2 = c.client("c2", "bob");
    c2.wait_for("messenger_client | logged_on");
    // The API lists the cluster's nodes.
    let start = Instant::now();
    loop {
        let info = c1.get("/node");
        assert_eq!(info["node"], "c1");
        let mut up: Vec<&str> = info["peers"]
            .as_array()
            .expect("peers")
            .iter()
            .filter(|p| p["up"] == true)
            .filter_map(|p| p["name"].as_str())
            .collect();
        up.sort_unstable();
        if up == ["c2", "m"] {
            break;
        }
        assert!(start.elapsed() < WAIT, "c1 lists {info}");
        std::thread::sleep(Duration::from_millis(20));
    }
    // A message between users on different nodes: alice (on c1) to bob (on c2).
    c1.post(
        "/send",
        json!({"to": "mess_client@c1", "message": {"message_to": {"to": "bob", "message": "hello"}}}),
    );
    c1.wait_for("messenger_client | sent");
    c2.wait_for("Message from alice: hello");
    // The same name from a third node is refused.
    let c3 = c.client("c3", "alice");
    c3.wait_for("user_exists_at_other_node");
    // A client's node is killed: the server removes that user, so the name is free again.
    c2.signal("-KILL");
    c3.log_on_when_free("c3", "bob", "bob was never removed from the server");
    // The server's node is killed: every client learns it (the link breaks).
    let killed = Instant::now();
    m.signal("-KILL");
    let line = c1.wait_for("(mess_client@c1): noconnection");
    eprintln!(
        "c1 saw the server's node go in {:?}: {line}",
        killed.elapsed()
    );
    c3.wait_for("(mess_client@c3): noconnection");
}

/// How a client's logon ends: logged on; refused by the server; the client's name still
/// held on this node by the one before it (which has printed its outcome but not yet
/// ended); no answer in time.
const OUTCOMES: [&str; 4] = [
    "| logged_on",
    "user_exists_at_other_node",
    "already_logged_on",
    "No response from server",
];

/// Waits for the next logon outcome printed on `n`, consumes its line and returns which.
fn next_outcome(n: &HNode) -> &'static str {
    let start = Instant::now();
    loop {
        {
            let mut lines = n.lines.lock().expect("lines");
            let hit = lines
                .iter()
                .enumerate()
                .find_map(|(i, l)| OUTCOMES.iter().find(|o| l.contains(*o)).map(|o| (i, *o)));
            if let Some((i, outcome)) = hit {
                lines.remove(i);
                return outcome;
            }
        }
        assert!(
            start.elapsed() < WAIT,
            "{} printed no logon outcome ({OUTCOMES:?})",
            n.name
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_frozen_node_is_found_by_timeout_and_a_restarted_one_logs_on_again() {
    let c = Cluster::new("fz");
    let m = c.node("m", "messenger_server", json!({}));
    m.wait_for("started messenger_server");
    let c1 = c.client("c1", "alice");
    c1.wait_for("messenger_client | logged_on");
    let c2 = c.bystander("c2");
    // Frozen: only the heartbeats' silence tells. Once the server's node times c1 out, it
    // removes alice, and alice can log on from c2.
    let frozen = Instant::now();
    c1.signal("-STOP");
    c2.log_on_when_free("c2b", "alice", "the frozen node was never timed out");
    eprintln!("alice was free again {:?} after c1 froze", frozen.elapsed());
    // Thawed, c1 finds its session broken: its client's link to the server fires.
    c1.signal("-CONT");
    c1.wait_for("(mess_client@c1): noconnection");
    // A node that is killed and started again under its name logs on again.
    drop(c1);
    let c1 = c.client("c1", "carol");
    c1.wait_for("messenger_client | logged_on");
    assert!(!c1.printed("already in cluster"));
}

#[test]
fn a_node_name_in_use_is_refused_with_a_clear_error() {
    let c = Cluster::new("nm");
    let mut first = c.node("m", "messenger_server", json!({}));
    first.wait_for("started messenger_server");
    let mut second = c.node("m", "messenger_server", json!({"name": "other"}));
    let status = second.child.wait().expect("the second node ends");
    assert_eq!(status.code(), Some(2));
    second.wait_for("a node named \"m\" is already in cluster");
    assert!(
        first.child.try_wait().expect("status").is_none(),
        "the first node runs on"
    );
}

/// Two nodes in this test process, each with its own connection to `url`.
async fn in_process_node(
    url: &str,
    cluster: &str,
    name: &str,
    max_queued_bytes: usize,
) -> (hatchery::CoreNode, hatchery::dist::Cluster) {
    let (node, cluster) = wasm_node(url, cluster, name, max_queued_bytes, 1000, &[]).await;
    ((*node).clone(), cluster)
}

/// The same with the Wasm runtime and `modules` loaded, and a ticktime of `tick_ms`.
async fn wasm_node(
    url: &str,
    cluster: &str,
    name: &str,
    max_queued_bytes: usize,
    tick_ms: u64,
    modules: &[&str],
) -> (hatchery::Node, hatchery::dist::Cluster) {
    let joined = hatchery::dist::join(hatchery::dist::Options {
        url: url.to_owned(),
        cluster: cluster.to_owned(),
        name: name.to_owned(),
        cookie: b"restart test".to_vec(),
        ticktime: Duration::from_millis(tick_ms),
        max_queued_bytes,
    })
    .await
    .expect("joins");
    let config = hatchery::NodeConfig {
        cluster: Some(joined.membership()),
        ..hatchery_tests::config()
    };
    let node = hatchery_tests::node_with_config(config, modules);
    let cluster = joined.attach(&node).expect("attached");
    (node, cluster)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A child process killed when dropped (a failing test leaves no server behind).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn nats_on(port: u16) -> Child {
    Command::new("nats-server")
        .args(["-a", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server runs")
}

fn wait_listening(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < WAIT,
            "nats-server never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nats_server_restarted_under_load_breaks_sessions_visibly_and_never_reorders() {
    use hatchery::MessageKind;
    let port = free_port();
    let mut server = Killed(nats_on(port));
    wait_listening(port);
    let url = format!("nats://127.0.0.1:{port}");
    let cluster = format!("rs{}", std::process::id());
    let big = hatchery::dist::cluster::MAX_QUEUED_BYTES;
    let (a, _ca) = in_process_node(&url, &cluster, "a", big).await;
    let (b, _cb) = in_process_node(&url, &cluster, "b", big).await;
    let x = a.spawn_native("x").expect("x");
    let y = b.spawn_native("y").expect("y");
    x.trap_exit(true);
    y.trap_exit(true);
    hatchery_tests::eventually("the nodes to see each other", || {
        a.peers().iter().any(|p| p.up) && b.peers().iter().any(|p| p.up)
    })
    .await;
    x.link(y.pid()).expect("linked");
    hatchery_tests::eventually("the link to reach b", || {
        b.process(y.pid())
            .is_some_and(|p| p.links() == vec![x.pid()])
    })
    .await;
    // A stream from x to y, sequence-numbered, while the server is killed and started
    // again on its port.
    let (ypid, xpid) = (y.pid(), x.pid());
    let sender = {
        let a = a.clone();
        tokio::spawn(async move {
            let mut seq = 0u64;
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(6) {
                // Under the receiver's mailbox cap (100,000) for the whole run.
                for _ in 0..10 {
                    seq += 1;
                    a.send(xpid, ypid, seq.to_le_bytes().to_vec());
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seq
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(server);
    server = Killed(nats_on(port));
    // Both sides report the broken session on the link.
    assert_eq!(
        exit_from(&x, ypid).await,
        Some(hatchery::ExitReason::NoConnection)
    );
    assert_eq!(
        exit_from(&y, xpid).await,
        Some(hatchery::ExitReason::NoConnection)
    );
    let sent = sender.await.expect("the sender ran");
    // What arrived is in order, without duplicates; what was lost was lost with the
    // session, and messages flow again once it is back.
    let mut last = 0u64;
    let mut got = 0u64;
    let mut after_restart = false;
    while let Ok(Some(m)) = y.recv(Some(Duration::from_secs(2))).await {
        if m.kind != MessageKind::User {
            continue;
        }
        let n = u64::from_le_bytes(m.data[..8].try_into().expect("8 bytes"));
        assert!(
            n > last,
            "message {n} after {last}: reordered or duplicated"
        );
        last = n;
        got += 1;
        after_restart |= n > sent / 2;
    }
    eprintln!("sent {sent}, received {got}, the last {last}");
    assert!(
        got > 0 && after_restart,
        "messages flow again after the restart"
    );
    drop(server);
}

async fn exit_from(
    me: &hatchery::NativeProcess,
    from: hatchery::Pid,
) -> Option<hatchery::ExitReason> {
    me.recv_match(Some(WAIT), |m| {
        (m.kind == hatchery::MessageKind::Exit && m.sender == from).then(|| m.reason())
    })
    .await
    .expect("alive")
    .expect("an exit signal within the wait")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sender_faster_than_nats_breaks_its_session_instead_of_queueing_without_bound() {
    let nats = Nats::start();
    let cluster = format!("sl{}", std::process::id());
    // A queue of at most 4 KiB towards NATS: a burst of 64-byte messages passes it.
    let (a, _ca) = in_process_node(&nats.url, &cluster, "a", 4096).await;
    let (b, _cb) = in_process_node(&nats.url, &cluster, "b", 1 << 26).await;
    let x = a.spawn_native("x").expect("x");
    let y = b.spawn_native("y").expect("y");
    x.trap_exit(true);
    y.trap_exit(true);
    hatchery_tests::eventually("the nodes to see each other", || {
        a.peers().iter().any(|p| p.up) && b.peers().iter().any(|p| p.up)
    })
    .await;
    x.link(y.pid()).expect("linked");
    for i in 0..20_000u64 {
        let mut data = i.to_le_bytes().to_vec();
        data.resize(64, 0);
        x.send(y.pid(), data);
    }
    assert_eq!(
        exit_from(&x, y.pid()).await,
        Some(hatchery::ExitReason::NoConnection),
        "the overloaded session broke visibly"
    );
    // What arrived is in order, and the session opens again.
    let mut last = None;
    while let Ok(Some(m)) = y.recv(Some(Duration::from_millis(500))).await {
        if m.kind != hatchery::MessageKind::User {
            continue;
        }
        let n = u64::from_le_bytes(m.data[..8].try_into().expect("8 bytes"));
        assert!(last.is_none_or(|l| n > l), "{n} after {last:?}");
        last = Some(n);
    }
    hatchery_tests::eventually("the session to open again", || {
        a.peers().iter().any(|p| p.up)
    })
    .await;
    x.send(y.pid(), u64::MAX.to_le_bytes().to_vec());
    let m = y
        .recv_match(Some(WAIT), |m| {
            (m.kind == hatchery::MessageKind::User).then(|| m.data.clone())
        })
        .await
        .expect("alive")
        .expect("a message");
    assert_eq!(&m[..8], &u64::MAX.to_le_bytes());
}

/// A network namespace joined to this one by a veth pair: `10.213.N.1` here, `.2` there.
struct Netns {
    name: String,
    here: String,
}

impl Netns {
    /// `None` when this is not root (the test then says so and skips).
    fn new() -> Option<Netns> {
        if !Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
        {
            return None;
        }
        let n = std::process::id() % 200 + 20;
        let (name, a, b) = (format!("hxp{n}"), format!("hxa{n}"), format!("hxb{n}"));
        let _ = Command::new("ip").args(["netns", "del", &name]).status();
        let here = format!("10.213.{n}.1");
        let there = format!("10.213.{n}.2");
        let steps: Vec<Vec<String>> = vec![
            vec!["netns".into(), "add".into(), name.clone()],
            ["link", "add", &a, "type", "veth", "peer", "name", &b]
                .map(String::from)
                .to_vec(),
            ["link", "set", &b, "netns", &name]
                .map(String::from)
                .to_vec(),
            ["addr", "add", &format!("{here}/24"), "dev", &a]
                .map(String::from)
                .to_vec(),
            ["link", "set", &a, "up"].map(String::from).to_vec(),
            [
                "-n",
                &name,
                "addr",
                "add",
                &format!("{there}/24"),
                "dev",
                &b,
            ]
            .map(String::from)
            .to_vec(),
            ["-n", &name, "link", "set", &b, "up"]
                .map(String::from)
                .to_vec(),
            ["-n", &name, "link", "set", "lo", "up"]
                .map(String::from)
                .to_vec(),
        ];
        let ns = Netns { name, here };
        for step in steps {
            let ok = Command::new("ip")
                .args(&step)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "ip {} failed", step.join(" "));
        }
        Some(ns)
    }

    /// Cuts (or heals) the route from the namespace to this side.
    fn partition(&self, cut: bool) {
        let verb = if cut { "add" } else { "del" };
        let target = format!("{}/32", self.here);
        let ok = Command::new("ip")
            .args(["-n", &self.name, "route", verb, "blackhole", &target])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "ip route {verb} blackhole in {}", self.name);
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        // Deleting the namespace deletes the veth pair with it.
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .status();
    }
}

#[test]
fn a_partitioned_node_is_cut_off_on_both_sides_and_joins_again_when_healed() {
    let Some(ns) = Netns::new() else {
        eprintln!("skipped: network namespaces need root");
        return;
    };
    let c = Cluster::on("pt", &ns.here);
    let m = c.node("m", "messenger_server", json!({}));
    m.wait_for("started messenger_server");
    let c1 = c.node_in(
        Some(&ns.name),
        "c1",
        "messenger_client",
        client_args("c1", "alice"),
    );
    c1.wait_for("messenger_client | logged_on");
    let c2 = c.bystander("c2");
    let cut = Instant::now();
    ns.partition(true);
    // The cut-off side sees its link to the server break ...
    c1.wait_for("(mess_client@c1): noconnection");
    // ... and the server's side removes alice, so she can log on from c2.
    c2.log_on_when_free("c2b", "alice", "the partition was never noticed on m");
    eprintln!("both sides saw the partition within {:?}", cut.elapsed());
    ns.partition(false);
    let healed = Instant::now();
    loop {
        let peers = m.get("/node")["peers"].clone();
        let up = peers
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "c1" && p["up"] == true));
        if up {
            break;
        }
        assert!(healed.elapsed() < WAIT, "c1 never came back: {peers}");
        std::thread::sleep(Duration::from_millis(50));
    }
    eprintln!("c1 was back {:?} after the heal", healed.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guests_that_keep_every_core_busy_cause_no_false_noconnection() {
    let nats = Nats::start();
    let cluster = format!("bz{}", std::process::id());
    let big = hatchery::dist::cluster::MAX_QUEUED_BYTES;
    // Ticks of 3 s / 4: a margin for a loaded test machine, with spinners on every core.
    let (a, _ca) = wasm_node(&nats.url, &cluster, "a", big, 3000, &["probe"]).await;
    let (b, _cb) = in_process_node(&nats.url, &cluster, "b", big).await;
    let me = a.spawn_native("test").expect("native");
    me.trap_exit(true);
    let y = b.spawn_native("y").expect("y");
    hatchery_tests::eventually("the nodes to see each other", || {
        a.peers().iter().any(|p| p.up) && b.peers().iter().any(|p| p.up)
    })
    .await;
    me.link(y.pid()).expect("linked");
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let p = hatchery_tests::Probe::spawn(&me, false, false);
            p.start(&me, json!({"loop_forever": null}));
            p
        })
        .collect();
    // Two ticktimes with every core taken by guests: the link holds and messages flow.
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(6) {
        n += 1;
        me.send(y.pid(), n.to_le_bytes().to_vec());
        let got = y
            .recv(Some(Duration::from_secs(3)))
            .await
            .expect("alive")
            .expect("a message within 3 s while guests spin");
        assert_eq!(&got.data[..], &n.to_le_bytes());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        me.recv_match(Some(Duration::ZERO), |m| {
            (m.kind == hatchery::MessageKind::Exit).then_some(())
        })
        .await
        .expect("alive")
        .is_none(),
        "no noconnection while guests spin"
    );
    assert_eq!(a.process(me.pid()).expect("me").links(), vec![y.pid()]);
    for p in spinners {
        let _ = a.exit_signal(me.pid(), p.pid, &hatchery::ExitReason::Killed, true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_monitors_see_a_node_join_and_leave_over_nats() {
    let nats = Nats::start();
    let cluster = format!("nm{}", std::process::id());
    let (a, _ca) = in_process_node(&nats.url, &cluster, "a", 1 << 26).await;
    let all = a.spawn_native("all").expect("all");
    a.monitor_nodes(all.pid(), true);
    let (b, cb) = in_process_node(&nats.url, &cluster, "b", 1 << 26).await;
    assert_eq!(node_event(&all).await, (MessageKind::NodeUp, "b".into()));
    assert_eq!(a.nodes(), vec!["b".to_string()]);
    let one = a.spawn_native("one").expect("one");
    a.monitor_node(one.pid(), "b", true).expect("a valid name");
    let y = b.spawn_native("y").expect("y");
    assert_eq!(a.show_pid(y.pid()), format!("<b.{}>", y.pid().0));
    cb.leave();
    assert_eq!(node_event(&all).await, (MessageKind::NodeDown, "b".into()));
    assert_eq!(node_event(&one).await, (MessageKind::NodeDown, "b".into()));
    assert!(a.nodes().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_answers_another_nodes_question_about_its_processes_over_nats() {
    let nats = Nats::start();
    let cluster = format!("q{}", std::process::id());
    let (a, _ca) = wasm_node(&nats.url, &cluster, "a", 1 << 26, 1000, &[]).await;
    let (b, _cb) = wasm_node(&nats.url, &cluster, "b", 1 << 26, 1000, &["idle"]).await;
    hatchery::http::answer_questions(&b);
    let me = b.spawn_native("me").expect("me");
    let idle = me
        .spawn("idle", Vec::new(), false, false)
        .expect("idle")
        .pid;
    let question = json!({"processes": {"q": "idle"}}).to_string().into_bytes();
    let began = Instant::now();
    let answer = loop {
        match a.ask_node("b", question.clone(), WAIT).await {
            Ok(bytes) => break bytes,
            Err(e) => assert!(began.elapsed() < WAIT, "b never answered: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let list: Value = serde_json::from_slice(&answer).expect("JSON");
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["id"], idle.as_u64());
    assert_eq!(list["items"][0]["module"], "idle");
}

/// One `hatchery top --cluster --json` refresh of the node at `api` (`http://HOST:PORT/api`).
fn top_cluster_once(api: &str) -> Value {
    let base = api.trim_end_matches("/api");
    let out = Command::new(hatchery_bin())
        .args([
            "top",
            "--cluster",
            "--node",
            base,
            "--iterations",
            "1",
            "--json",
        ])
        .args(["--interval", "200ms", "--rows", "50"])
        // Not the repository's folder: a token a developer's node left there is not ours.
        .current_dir(temp_dir("top-cwd"))
        .env_remove("HATCHERY_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("hatchery top runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hatchery top --cluster: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(text.lines().last().unwrap_or_default()).expect("a JSON frame")
}

#[test]
fn hatchery_top_shows_the_whole_cluster_through_one_node() {
    let c = Cluster::new("top");
    let a = c.node("a", "messenger_server", json!({}));
    a.wait_for("started messenger_server");
    let b = c.bystander("b");
    let began = Instant::now();
    while !a.get("/nodes")["nodes"]
        .as_array()
        .is_some_and(|n| n.iter().any(|n| n["name"] == "b" && n["up"] == true))
    {
        assert!(began.elapsed() < WAIT, "a never saw b");
        std::thread::sleep(Duration::from_millis(50));
    }
    let frame = top_cluster_once(&a.api());
    let rows = frame["rows"].as_array().expect("rows");
    let has = |node: &str, module: &str| {
        rows.iter()
            .any(|r| r["node"] == node && r["module"] == module)
    };
    assert!(has("a", "messenger_server"), "{frame}");
    assert!(has("b", "messenger_client"), "{frame}");
    assert!(
        rows.iter()
            .filter(|r| r["node"] == "b")
            .all(|r| r["pid"].as_str().is_some_and(|p| p.starts_with("<b."))),
        "{frame}"
    );
    let b_line = frame["nodes"]
        .as_array()
        .and_then(|n| n.iter().find(|n| n["node"] == "b"))
        .cloned()
        .unwrap_or_else(|| panic!("a line for b: {frame}"));
    assert!(b_line["error"].is_null(), "{frame}");

    // b gone: its line says why, and a's rows still come.
    drop(b);
    let began = Instant::now();
    let frame = loop {
        let frame = top_cluster_once(&a.api());
        let b_down = frame["nodes"]
            .as_array()
            .is_some_and(|n| n.iter().any(|n| n["node"] == "b" && n["error"].is_string()));
        if b_down {
            break frame;
        }
        assert!(began.elapsed() < WAIT, "b's end never showed: {frame}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let rows = frame["rows"].as_array().expect("rows");
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r["node"] == "a"),
        "{frame}"
    );
}
