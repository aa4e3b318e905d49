//! Hostile guests (WAT) against the node's caps and budgets: each attacker meets its cap
//! with the named reason or error, the refusal is counted, and a bystander that was running
//! before the attack still answers a ping-pong and the API answers, each within [`BOUND`].

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use hatchery::http::{HttpConfig, HttpServer};
use hatchery::supervisor::{ChildSpec, ChildStart, Shutdown, Strategy, SupervisorSpec};
use hatchery::{Budgets, ExitReason, NativeProcess, NodeConfig, Pid, SpawnError};
use hatchery_tests::*;

/// How long a bystander's round trip or an API call may take while an attack runs: far
/// above what either takes here (microseconds, milliseconds), even with the test's two
/// cores shared with three other busy loops (2 s was passed there once in eight runs),
/// and far below a host that is starved or swapping.
const BOUND: Duration = Duration::from_secs(5);

const IMPORTS: &str = r#"
  (import "hatchery_v1" "self" (func $self (result i64)))
  (import "hatchery_v1" "parent" (func $parent (result i64)))
  (import "hatchery_v1" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hatchery_v1" "send" (func $send (param i64 i32 i32) (result i32)))
  (import "hatchery_v1" "recv" (func $recv (param i32 i64 i32 i32 i32) (result i32)))
  (import "hatchery_v1" "take" (func $take (param i32) (result i32)))
  (import "hatchery_v1" "link" (func $link (param i64) (result i32)))
  (import "hatchery_v1" "monitor" (func $monitor (param i64) (result i64)))
  (import "hatchery_v1" "send_after" (func $send_after (param i64 i64 i32 i32) (result i64)))
  (import "hatchery_v1" "write" (func $write (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
"#;

/// A main-style module: `IMPORTS`, then `body` as its entry.
fn module(data: &str, body: &str) -> String {
    format!("(module {IMPORTS} {data} (func (export \"hatchery_main\") {body}))")
}

/// Sends every message back to its sender.
fn echo() -> String {
    module(
        "",
        r#"(local $n i32)
        (loop $l
          (local.set $n (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 256) (i32.const 0)))
          (drop (call $take (i32.const 0)))
          (drop (call $send (i64.load (i32.const 8)) (i32.const 64) (local.get $n)))
          (br $l))"#,
    )
}

/// Waits for ever.
const BLOCK: &str =
    "(drop (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 0) (i32.const 0)))";

struct Scene {
    node: hatchery::Node,
    me: NativeProcess,
    echo: Pid,
    server: HttpServer,
    _dir: std::path::PathBuf,
}

/// A node with `budgets`, the attacker module `attacker.wat`, and a bystander echo server.
async fn scene(tag: &str, config: NodeConfig, attacker: &str) -> Scene {
    let node = node_with_config(config, &[]);
    let dir = temp_dir(tag);
    for (file, text) in [("echo.wat", echo()), ("attacker.wat", attacker.to_string())] {
        node.load_module_file(&write_module(&dir, file, text))
            .unwrap_or_else(|e| panic!("loading {file}: {e}"));
    }
    let me = node.spawn_native("test").expect("native");
    let echo = me
        .spawn("echo", Vec::new(), false, false)
        .expect("echo")
        .pid;
    let server = HttpServer::start(
        &node,
        HttpConfig::local("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("serve");
    let scene = Scene {
        node,
        me,
        echo,
        server,
        _dir: dir,
    };
    scene.bystander_answers().await;
    scene
}

impl Scene {
    /// Ten round trips with the echo server, and two API calls, each within [`BOUND`].
    async fn bystander_answers(&self) {
        for i in 0..10u8 {
            let start = Instant::now();
            self.me.send(self.echo, vec![b'p', i]);
            let reply = self
                .me
                .recv_match(Some(BOUND), |m| {
                    (m.sender == self.echo).then(|| m.data.clone())
                })
                .await
                .expect("the test process is alive");
            assert_eq!(
                reply.as_deref(),
                Some(&[b'p', i][..]),
                "the bystander's round trip {i} took over {BOUND:?} ({:?})",
                start.elapsed()
            );
        }
        for path in [
            "/api/node".to_string(),
            format!("/api/processes/{}", self.echo.as_u64()),
        ] {
            let (status, took) = get(self.server.addr, &path).await;
            assert_eq!(status, 200, "GET {path}");
            assert!(took < BOUND, "GET {path} took {took:?}");
        }
    }

    /// `GET /api/processes/{pid}` of the attacker (alive or dead) answers within [`BOUND`].
    async fn api_shows(&self, pid: Pid) {
        let (status, took) = get(
            self.server.addr,
            &format!("/api/processes/{}", pid.as_u64()),
        )
        .await;
        assert_eq!(status, 200);
        assert!(took < BOUND, "GET the attacker took {took:?}");
    }

    fn attacker(&self) -> Pid {
        self.me
            .spawn("attacker", Vec::new(), false, true)
            .expect("spawn the attacker")
            .pid
    }

    fn kill(&self, pid: Pid) {
        let _ = self
            .node
            .exit_signal(self.me.pid(), pid, &ExitReason::Killed, true);
    }

    fn refused(&self) -> &hatchery::events::Refusals {
        &self.node.stats().refused
    }
}

/// A GET on the API, answered or not, and how long it took.
async fn get(addr: SocketAddr, path: &str) -> (u16, Duration) {
    let path = path.to_string();
    tokio::task::spawn_blocking(move || {
        let start = Instant::now();
        let mut s = TcpStream::connect(addr).expect("connect");
        s.set_read_timeout(Some(BOUND * 5)).expect("timeout");
        let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        s.write_all(req.as_bytes()).expect("write");
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, start.elapsed())
    })
    .await
    .expect("the request ran")
}

fn config_with(budgets: Budgets) -> NodeConfig {
    NodeConfig {
        budgets,
        ..config()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_loop_ends_at_the_monitor_cap() {
    // Monitors its parent (the test process) over and over: each is a new monitor.
    let attacker = module(
        "",
        "(loop $l (drop (call $monitor (call $parent))) (br $l))",
    );
    let s = scene("monitors", config(), &attacker).await;
    let pid = s.attacker();
    assert_eq!(
        down_of(&s.me, Some(pid)).await,
        ExitReason::Limit("monitors".into())
    );
    assert_eq!(s.refused().monitors.load(Ordering::Relaxed), 1);
    s.api_shows(pid).await;
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_loop_ends_at_the_link_cap() {
    // Spawns children that wait, and links to each.
    let attacker = module(
        r#"(data (i32.const 512) "echo")"#,
        r#"(loop $l
          (drop (call $link (call $spawn (i32.const 512) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0))))
          (br $l))"#,
    );
    let budgets = Budgets {
        links: 50,
        ..Budgets::default()
    };
    let s = scene("links", config_with(budgets), &attacker).await;
    let pid = s.attacker();
    assert_eq!(
        down_of(&s.me, Some(pid)).await,
        ExitReason::Limit("links".into())
    );
    assert_eq!(s.refused().links.load(Ordering::Relaxed), 1);
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timer_flood_ends_at_the_timer_cap() {
    // Timers to itself a day away, as fast as it can.
    let attacker = module(
        "",
        "(loop $l (drop (call $send_after (call $self) (i64.const 86400000) (i32.const 0) (i32.const 0))) (br $l))",
    );
    let s = scene("timers", config(), &attacker).await;
    let before = s.node.pending_timers();
    let pid = s.attacker();
    assert_eq!(
        down_of(&s.me, Some(pid)).await,
        ExitReason::Limit("timers".into())
    );
    assert_eq!(s.refused().timers.load(Ordering::Relaxed), 1);
    // Its timers went with it.
    eventually("the attacker's timers to be cancelled", || {
        s.node.pending_timers() == before
    })
    .await;
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_flood_is_cut_to_the_rate_and_counted() {
    let attacker = module(
        r#"(data (i32.const 512) "all work and no play makes a dull guest\n")"#,
        "(loop $l (drop (call $write (i32.const 1) (i32.const 512) (i32.const 40))) (br $l))",
    );
    let budgets = Budgets {
        output_lines_per_sec: 100,
        ..Budgets::default()
    };
    let s = scene("output", config_with(budgets), &attacker).await;
    let mut events = s.node.subscribe();
    let start = Instant::now();
    let pid = s.attacker();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    s.bystander_answers().await;
    s.api_shows(pid).await;
    let proc = s.node.process(pid).expect("the flooder still runs");
    eventually("output to be dropped", || {
        proc.counters.output_dropped.load(Ordering::Relaxed) > 0
    })
    .await;
    s.kill(pid);
    assert_eq!(down_of(&s.me, Some(pid)).await, ExitReason::Killed);
    let elapsed = start.elapsed().as_secs_f64();
    let mut lines = 0;
    let mut notes = 0;
    while let Ok(e) = events.try_recv() {
        if let hatchery::NodeEvent::Output { pid: p, line, .. } = e
            && p == pid
        {
            lines += 1;
            notes += usize::from(line.text.contains("bytes of output dropped"));
        }
    }
    // A burst of a second's lines, then the rate, and a note at most once a second.
    let most = (101.0 * (elapsed + 1.0)) as usize + 1;
    assert!(
        lines > 0 && lines <= most,
        "{lines} lines in {elapsed:.1} s"
    );
    assert!(notes > 0, "no line said that output was dropped");
    assert!(s.refused().output_bytes.load(Ordering::Relaxed) > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_bomb_fills_its_subtree_and_leaves_the_rest_of_the_node() {
    // Spawns copies of itself until refused, then waits.
    let attacker = module(
        r#"(data (i32.const 512) "attacker")"#,
        &format!(
            r#"(block $full (loop $l
              (br_if $full (i64.lt_s (call $spawn (i32.const 512) (i32.const 8) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i64.const 0)))
              (br $l)))
            {BLOCK}"#
        ),
    );
    let config = NodeConfig {
        max_processes: 400,
        ..config()
    };
    let quota = config.subtree_processes();
    let s = scene("bomb", config, &attacker).await;
    let root = s.attacker();
    eventually("the bomb to fill its subtree", || {
        s.node
            .process(root)
            .is_some_and(|p| p.subtree().live() == quota)
    })
    .await;
    assert!(s.refused().subtree_processes.load(Ordering::Relaxed) > 0);
    // The rest of the node still spawns, and a supervisor still restarts its child.
    s.bystander_answers().await;
    let other =
        s.me.spawn("echo", Vec::new(), false, true)
            .expect("spawn beside the bomb");
    s.kill(other.pid);
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 5,
        period: Duration::from_secs(60),
        children: vec![ChildSpec {
            shutdown: Shutdown::BrutalKill,
            ..ChildSpec::worker("e", "echo", Vec::new())
        }],
    };
    let sup = s
        .node
        .start_supervisor(spec, Some(s.me.pid()))
        .expect("supervisor");
    let child = || {
        s.node
            .which_children(sup)
            .and_then(|c| c.first().and_then(|c| c.pid))
    };
    let first = child().expect("the child runs");
    s.kill(first);
    eventually("the child to be restarted", || {
        child().is_some_and(|p| p != first)
    })
    .await;
    // The quota is the subtree's own: the bomb still holds all of it, and nothing more.
    assert_eq!(s.node.process(root).expect("root").subtree().live(), quota);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greedy_processes_meet_the_node_memory_budget_and_give_it_back() {
    // Grows to 8 MiB, then waits; traps when the growth is refused.
    let attacker = module(
        "",
        &format!(
            "(if (i32.lt_s (memory.grow (i32.const 127)) (i32.const 0)) (then unreachable)) {BLOCK}"
        ),
    );
    let budgets = Budgets {
        guest_memory: Some(40 << 20),
        ..Budgets::default()
    };
    let s = scene("memory", config_with(budgets), &attacker).await;
    let base = s.node.guest_memory();
    assert!(
        base >= 65536,
        "the echo server's first page is counted: {base}"
    );
    let mut greedy = Vec::new();
    let mut refused_spawn = false;
    let mut ended = 0;
    for _ in 0..10 {
        match s.me.spawn("attacker", Vec::new(), false, true) {
            Ok(sp) => greedy.push(sp.pid),
            Err(SpawnError::MemoryBudget(_)) => refused_spawn = true,
            Err(e) => panic!("{e}"),
        }
        // Let it grow (or fail to) before the next.
        let pid = *greedy.last().expect("one spawned");
        eventually("the attacker to grow or end", || {
            s.node
                .process(pid)
                .is_none_or(|p| p.counters.memory.load(Ordering::Relaxed) > 65536)
        })
        .await;
        if let Some(r) = s.node.exit_record(pid) {
            assert_eq!(r.reason, ExitReason::Limit("memory budget".into()));
            ended += 1;
        }
    }
    assert!(
        s.node.guest_memory() <= 40 << 20,
        "{}",
        s.node.guest_memory()
    );
    assert!(ended > 0 || refused_spawn, "the budget refused nothing");
    assert!(s.refused().guest_memory.load(Ordering::Relaxed) > 0);
    s.bystander_answers().await;
    for pid in greedy {
        s.kill(pid);
    }
    eventually("the greedy processes' memory to be given back", || {
        s.node.guest_memory() == base
    })
    .await;
    s.me.spawn("attacker", Vec::new(), false, false)
        .expect("spawn once the budget is free");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_flood_meets_the_node_mailbox_budget() {
    // Sends 60 KB messages to its parent (the test process, which does not read them).
    let attacker = module(
        "",
        "(drop (memory.grow (i32.const 1))) (loop $l (drop (call $send (call $parent) (i32.const 0) (i32.const 60000))) (br $l))",
    );
    let budgets = Budgets {
        mailbox_bytes: 4 << 20,
        ..Budgets::default()
    };
    let s = scene("mailboxes", config_with(budgets), &attacker).await;
    let pid = s.attacker();
    eventually("the node's mailboxes to be full", || {
        s.refused().mailbox_bytes.load(Ordering::Relaxed) > 10
    })
    .await;
    assert!(s.node.mailbox_bytes() <= 4 << 20);
    s.api_shows(pid).await;
    // The flood is stopped and the mailbox it filled emptied: the budget is free again.
    // (Drained once the attacker has ended: until then it may still be sending.)
    s.kill(pid);
    eventually("the attacker to end", || s.node.process(pid).is_none()).await;
    while s
        .me
        .recv_match(Some(Duration::ZERO), |m| (m.sender == pid).then_some(()))
        .await
        .expect("alive")
        .is_some()
    {}
    eventually("the budget to be free", || s.node.mailbox_bytes() < 1 << 20).await;
    s.bystander_answers().await;
}

/// A supervisor (a child of the test process) over an echo server and `attacker` with a
/// manifest child's default grants; returns the supervisor.
fn supervised_attacker(s: &Scene, grants: hatchery::Grants) -> Pid {
    let worker = |id: &str, module: &str, grants: Option<hatchery::Grants>| {
        let mut child = ChildSpec {
            shutdown: Shutdown::BrutalKill,
            ..ChildSpec::worker(id, module, Vec::new())
        };
        if let ChildStart::Worker { grants: g, .. } = &mut child.start {
            *g = grants.map(std::sync::Arc::new);
        }
        child
    };
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 1,
        period: Duration::from_secs(60),
        children: vec![
            worker("echo", "echo", Some(hatchery::Grants::child())),
            worker("attacker", "attacker", Some(grants)),
        ],
    };
    s.node
        .start_supervisor(spec, Some(s.me.pid()))
        .expect("supervisor")
}

fn child_pid(s: &Scene, sup: Pid, id: &str) -> Option<Pid> {
    s.node
        .which_children(sup)?
        .into_iter()
        .find(|c| c.id == id)?
        .pid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_sweep_without_the_grant_reaches_nothing_outside_its_subtree() {
    // `kill` to its supervisor and to every pid of the first message it receives (8 bytes
    // each: real pids, handed over), then says so and waits.
    let attacker = format!(
        r#"(module
          (import "hatchery_v1" "exit_signal" (func $exit_signal (param i64 i32 i32 i32) (result i32)))
          {IMPORTS}
          (data (i32.const 600) "swept\n")
          (func (export "hatchery_main") (local $n i32) (local $i i32)
            (drop (call $exit_signal (call $parent) (i32.const 1) (i32.const 0) (i32.const 0)))
            (local.set $n (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 256) (i32.const 0)))
            (drop (call $take (i32.const 0)))
            (loop $l
              (drop (call $exit_signal (i64.load (i32.add (i32.const 64) (local.get $i))) (i32.const 1) (i32.const 0) (i32.const 0)))
              (local.set $i (i32.add (local.get $i) (i32.const 8)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            (drop (call $write (i32.const 1) (i32.const 600) (i32.const 6)))
            {BLOCK}))"#
    );
    let s = scene("killsweep", config(), &attacker).await;
    let before = s.node.process_count();
    let sup = supervised_attacker(&s, hatchery::Grants::child());
    eventually("the attacker to run", || {
        child_pid(&s, sup, "attacker").is_some()
    })
    .await;
    let attacker = child_pid(&s, sup, "attacker").expect("attacker");
    let echo = child_pid(&s, sup, "echo").expect("echo");
    let targets: Vec<u8> = [s.me.pid(), s.echo, echo]
        .iter()
        .flat_map(|p| p.as_u64().to_le_bytes())
        .collect();
    s.me.send(attacker, targets);
    eventually("the sweep to end", || {
        s.node
            .process(attacker)
            .is_some_and(|p| p.output().iter().any(|l| l.text == "swept"))
    })
    .await;
    // Each was refused: the supervisor, the test's process, the echo server and the
    // supervisor's echo child. None was a forgery: each pid was handed out.
    assert_eq!(s.refused().grants.load(Ordering::Relaxed), 4);
    assert_eq!(s.refused().forged_pids.load(Ordering::Relaxed), 0);
    // Everything is still there: the test's processes, the supervisor and its children.
    assert_eq!(s.node.process_count(), before + 3);
    assert_eq!(child_pid(&s, sup, "echo"), Some(echo));
    assert_eq!(child_pid(&s, sup, "attacker"), Some(attacker));
    let out = s.node.process(attacker).expect("alive").output();
    assert!(
        out.iter().any(|l| l.text.contains("exit_signal refused")),
        "{out:?}"
    );
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessed_pids_reach_nothing_and_the_guesser_ends() {
    // With every grant (`signal_any` too): `kill` and a message to pids 1, 2, 3, ... and to
    // the numbers after its own pid, as a guest that knows how pids used to be made would.
    let attacker = format!(
        r#"(module
          (import "hatchery_v1" "exit_signal" (func $exit_signal (param i64 i32 i32 i32) (result i32)))
          {IMPORTS}
          (func (export "hatchery_main") (local $pid i64)
            (loop $l
              (local.set $pid (i64.add (local.get $pid) (i64.const 1)))
              (drop (call $exit_signal (local.get $pid) (i32.const 1) (i32.const 0) (i32.const 0)))
              (drop (call $send (i64.add (call $self) (local.get $pid)) (i32.const 0) (i32.const 0)))
              (br $l))))"#
    );
    let s = scene("guesser", config(), &attacker).await;
    let before = s.node.process_count();
    let pid = s.attacker();
    assert_eq!(
        down_of(&s.me, Some(pid)).await,
        ExitReason::Limit("forged pids".into())
    );
    // Every guess was a forgery, and the one past the subtree's allowance ended it.
    let max = u64::from(s.node.config().budgets.forged_pids);
    assert_eq!(s.refused().forged_pids.load(Ordering::Relaxed), max + 1);
    eventually("only the guesser to be gone", || {
        s.node.process_count() == before
    })
    .await;
    let record = exit_of(&s.node, pid).await;
    assert!(
        record
            .output
            .iter()
            .any(|l| l.text.contains("is not a pid this node handed out")),
        "{:?}",
        record.output
    );
    s.api_shows(pid).await;
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervisors_refuse_children_from_a_process_without_the_supervise_grant() {
    // `sup_start_child` of an echo child on its parent (its supervisor) and on pids
    // 1..200, writing a line for each that was accepted.
    let attacker = format!(
        r#"(module
          (import "hatchery_v1" "sup_start_child" (func $sup_start_child (param i64 i32 i32) (result i64)))
          {IMPORTS}
          (data (i32.const 512) "{{\"id\": \"intruder\", \"module\": \"echo\"}}")
          (data (i32.const 600) "started one\n")
          (func (export "hatchery_main") (local $pid i64)
            (if (i64.gt_s (call $sup_start_child (call $parent) (i32.const 512) (i32.const 36)) (i64.const 0))
              (then (drop (call $write (i32.const 1) (i32.const 600) (i32.const 12)))))
            (local.set $pid (i64.const 1))
            (loop $l
              (if (i64.gt_s (call $sup_start_child (local.get $pid) (i32.const 512) (i32.const 36)) (i64.const 0))
                (then (drop (call $write (i32.const 1) (i32.const 600) (i32.const 12)))))
              (local.set $pid (i64.add (local.get $pid) (i64.const 1)))
              (br_if $l (i64.le_u (local.get $pid) (i64.const 200))))
            {BLOCK}))"#
    );
    let s = scene("supsweep", config(), &attacker).await;
    let sup = supervised_attacker(&s, hatchery::Grants::child());
    eventually("the sweep to be refused", || {
        s.refused().grants.load(Ordering::Relaxed) >= 201
    })
    .await;
    let ids: Vec<String> = s
        .node
        .which_children(sup)
        .expect("sup")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["echo", "attacker"]);
    let attacker = child_pid(&s, sup, "attacker").expect("attacker");
    let out = s.node.process(attacker).expect("alive").output();
    assert!(!out.iter().any(|l| l.text == "started one"), "{out:?}");
    assert!(
        out.iter().any(|l| l
            .text
            .contains("sup_start_child refused: no `supervise` grant")),
        "{out:?}"
    );

    // With the grant, the same module adds its child to its supervisor, and to no other:
    // the guessed pids are forgeries, which reach nothing.
    let granted = hatchery::Grants {
        supervise: true,
        ..hatchery::Grants::child()
    };
    let sup2 = supervised_attacker(&s, granted.clone());
    eventually("the granted child to add one", || {
        s.node
            .which_children(sup2)
            .is_some_and(|c| c.iter().any(|c| c.id == "intruder"))
    })
    .await;
    eventually("the guessed supervisors to count as forgeries", || {
        s.refused().forged_pids.load(Ordering::Relaxed) == 200
    })
    .await;
    // The child it added has its grants, never more (a guest cannot start a child with
    // `signal_any` through a supervisor)...
    let intruder = child_pid(&s, sup2, "intruder").expect("the intruder runs");
    let intruder = s.node.process(intruder).expect("alive");
    assert_eq!(intruder.grants(), &granted);
    // ... and counts in its subtree: what it starts through a supervisor costs its quotas.
    let attacker2 = child_pid(&s, sup2, "attacker").expect("attacker");
    assert_eq!(intruder.subtree().root(), attacker2);

    // With the grant but a spawn list without `echo`: refused, and said why.
    let listed = hatchery::Grants {
        spawn: Some(vec!["attacker".into()]),
        ..granted
    };
    let refused_before = s.refused().grants.load(Ordering::Relaxed);
    let sup3 = supervised_attacker(&s, listed);
    eventually("the listed child to be refused", || {
        s.refused().grants.load(Ordering::Relaxed) > refused_before
    })
    .await;
    let attacker3 = child_pid(&s, sup3, "attacker").expect("attacker");
    eventually("the refusal to be said", || {
        s.node.process(attacker3).is_some_and(|p| {
            p.output().iter().any(|l| {
                l.text
                    .contains("`echo` is not among the modules it may spawn")
            })
        })
    })
    .await;
    assert!(
        s.node
            .which_children(sup3)
            .is_some_and(|c| !c.iter().any(|c| c.id == "intruder"))
    );
    s.bystander_answers().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_squatter_cannot_take_names_outside_its_prefix() {
    // Registers itself as `kv` (a name another child needs), then as `sq_1`.
    let attacker = module(
        r#"(data (i32.const 512) "kvsq_1") (data (i32.const 600) "refused\n")"#,
        &format!(
            r#"(if (i32.ne (call $register (i32.const 512) (i32.const 2) (call $self)) (i32.const 0))
                 (then (drop (call $write (i32.const 1) (i32.const 600) (i32.const 8)))))
               (drop (call $register (i32.const 514) (i32.const 4) (call $self)))
               {BLOCK}"#
        ),
    )
    .replace(
        "(memory (export",
        r#"(import "hatchery_v1" "register" (func $register (param i32 i32 i64) (result i32))) (memory (export"#,
    );
    let s = scene("squat", config(), &attacker).await;
    let grants = hatchery::Grants {
        names: Some("sq_".into()),
        ..hatchery::Grants::child()
    };
    let sup = supervised_attacker(&s, grants);
    eventually("the squatter to take its own name", || {
        s.node.whereis("sq_1").is_some()
    })
    .await;
    assert_eq!(s.node.whereis("kv"), None);
    let pid = child_pid(&s, sup, "attacker").expect("attacker");
    let out = s.node.process(pid).expect("alive").output();
    assert!(out.iter().any(|l| l.text == "refused"), "{out:?}");
    assert!(
        out.iter().any(|l| l.text.contains("register refused")),
        "{out:?}"
    );
    s.bystander_answers().await;
}
