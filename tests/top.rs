//! `hatchery top` against a real node (`hatchery run`): the rows it computes, the busy
//! process first, `q` ending a live run, a node that is down beside one that is up, and the
//! clear errors for a wrong token or no node at all.

use std::io::{BufRead as _, Read as _, Write as _};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use hatchery_tests::*;
use serde_json::{Value, json};

/// A main-style process that spins for ever.
const SPIN: &str =
    r#"(module (memory (export "memory") 1) (func (export "hatchery_main") (loop $l (br $l))))"#;

/// A process that waits for a message for ever.
const WAITER: &str = r#"(module
  (import "hatchery_v1" "recv" (func $recv (param i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "hatchery_main")
    (drop (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 1024) (i32.const 0)))))"#;

const TOKEN: &str = "top-test-token";

/// How long any one `hatchery` command may take before the test fails.
const BOUND: Duration = Duration::from_secs(60);

/// `hatchery run` of a spinner, with a waiter spawned beside it; killed when dropped.
struct RunningNode {
    child: Child,
    url: String,
}

impl Drop for RunningNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_node() -> RunningNode {
    let dir = temp_dir("top");
    write_module(&dir, "spin.wat", SPIN);
    write_module(&dir, "waiter.wat", WAITER);
    let mut child = Command::new(hatchery_bin())
        .args(["run", "spin.wat", "--http", "127.0.0.1:0", "--no-watch"])
        .args(["--http-token", TOKEN])
        .current_dir(&dir)
        .env_remove("HATCHERY_TOKEN")
        .env_remove("HATCHERY_NODE")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hatchery run");
    let lines = lines_of(child.stderr.take().expect("stderr"));
    let mut node = RunningNode {
        child,
        url: String::new(),
    };
    let deadline = Instant::now() + BOUND;
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let l = lines
            .recv_timeout(left)
            .expect("`hatchery run` prints an `inspector at` line");
        if l.contains("inspector at") {
            break l;
        }
    };
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("a URL");
    node.url = url
        .split_once("/#")
        .map_or(url, |(base, _)| base)
        .to_string();
    let spawned: Value = ureq::post(&format!("{}/api/spawn", node.url))
        .set("Authorization", &format!("Bearer {TOKEN}"))
        .send_json(json!({"module": "waiter"}))
        .expect("spawn a waiter")
        .into_json()
        .expect("JSON");
    assert!(spawned["pid"].is_string(), "{spawned}");
    node
}

/// The lines a pipe gives, read on a thread of their own (so the pipe never fills).
fn lines_of(pipe: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(pipe).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// `hatchery ARGS`, with its stdin piped (and kept open) and its output read as it comes.
struct Top {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Top {
    fn start(args: &[&str]) -> Top {
        let mut child = Command::new(hatchery_bin())
            .args(args)
            .current_dir(temp_dir("top-cli"))
            .env_remove("HATCHERY_TOKEN")
            .env_remove("HATCHERY_NODE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hatchery top");
        let stdin = child.stdin.take();
        let stdout = lines_of(child.stdout.take().expect("stdout"));
        let mut err = child.stderr.take().expect("stderr");
        let stderr = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });
        Top {
            child,
            stdin,
            stdout,
            stderr: Some(stderr),
        }
    }

    /// Waits for the exit (killing it and failing after `BOUND`); the status, stdout and
    /// stderr.
    fn finish(mut self) -> (ExitStatus, Vec<String>, String) {
        let deadline = Instant::now() + BOUND;
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("`hatchery top` did not end within {BOUND:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(self.stdin.take());
        let stderr = self
            .stderr
            .take()
            .map(|h| h.join().expect("stderr reader"))
            .unwrap_or_default();
        // The pipe has ended with the process: the rest of its lines are there.
        let stdout = self.stdout.iter().collect();
        (status, stdout, stderr)
    }
}

impl Drop for Top {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cpu_percent(row: &Value) -> f64 {
    row["cpu_percent"].as_f64().unwrap_or(-1.0)
}

#[test]
fn top_shows_the_busy_process_first_and_q_ends_it() {
    let node = start_node();
    let url = node.url.as_str();

    // Three refreshes as JSON: every row has its fields, and the spinner comes first.
    let top = Top::start(&[
        "top",
        "--node",
        url,
        "--token",
        TOKEN,
        "--iterations",
        "3",
        "--interval",
        "200ms",
        "--json",
    ]);
    let (status, out, err) = top.finish();
    assert!(status.success(), "{status}: {err}");
    let frames: Vec<Value> = out
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(frames.len(), 3, "{out:?}");
    for f in &frames {
        assert_eq!(f["sort"], "cpu", "{f}");
        assert_eq!(f["nodes"][0]["error"], Value::Null, "{f}");
        assert!(f["processes"].as_u64() >= Some(2), "{f}");
        let rows = f["rows"].as_array().expect("rows");
        assert!(rows.len() >= 2, "{f}");
        for r in rows {
            for field in [
                "node",
                "pid",
                "module",
                "version",
                "name",
                "status",
                "cpu_us",
                "cpu_percent",
                "memory_bytes",
                "mailbox_len",
                "mailbox_bytes",
                "received",
                "sent",
                "msg_per_sec",
            ] {
                assert!(r.get(field).is_some(), "no {field} in {r}");
            }
        }
        assert!(
            rows.windows(2)
                .all(|w| cpu_percent(&w[0]) >= cpu_percent(&w[1])),
            "sorted by CPU now: {f}"
        );
    }
    let last = &frames[2]["rows"][0];
    assert_eq!(last["module"], "spin", "{}", frames[2]);
    assert!(
        last["cpu_us"].as_u64() > Some(0),
        "the spinner has used CPU: {last} (does the node report cpu_us?)"
    );
    assert!(last["cpu_percent"].is_number(), "{last}");

    // A live run (no --iterations) draws tables until `q` and Enter.
    let mut top = Top::start(&[
        "top",
        "--node",
        url,
        "--token",
        TOKEN,
        "--interval",
        "200ms",
    ]);
    let deadline = Instant::now() + BOUND;
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("spin@")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match top.stdout.recv_timeout(left) {
            Ok(l) => seen.push(l),
            Err(e) => panic!("no table with the spinner ({e}): {seen:?}"),
        }
    }
    assert!(seen.iter().any(|l| l.starts_with("PID ")), "{seen:?}");
    assert!(!seen.concat().contains('\x1b'), "no escapes on a pipe");
    let stdin = top.stdin.as_mut().expect("stdin");
    stdin.write_all(b"q\n").expect("write q");
    stdin.flush().expect("flush");
    let (status, _, err) = top.finish();
    assert!(status.success(), "{status}: {err}");

    // A node that is down beside one that is up: its line, and the rows of the other.
    let down = closed_port_url();
    let top = Top::start(&[
        "top",
        "--node",
        url,
        "--node",
        &down,
        "--token",
        TOKEN,
        "--iterations",
        "1",
        "--interval",
        "200ms",
    ]);
    let (status, out, err) = top.finish();
    assert!(status.success(), "{status}: {err}");
    let text = out.join("\n");
    assert!(
        text.contains(&format!("node {down}: unreachable (")),
        "{text}"
    );
    assert!(text.contains("NODE") && text.contains("spin@"), "{text}");

    // A wrong token is a clear error on the first refresh.
    let top = Top::start(&[
        "top",
        "--node",
        url,
        "--token",
        "wrong",
        "--iterations",
        "1",
    ]);
    let (status, out, err) = top.finish();
    assert_eq!(status.code(), Some(1), "{out:?} {err}");
    assert!(err.contains("refused the token (HTTP 401)"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

/// The URL of a port on which nothing listens (it was free a moment ago).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

#[test]
fn top_without_a_node_is_a_clear_error() {
    let down = closed_port_url();
    let top = Top::start(&["top", "--node", &down, "--iterations", "1"]);
    let (status, out, err) = top.finish();
    assert_eq!(status.code(), Some(1), "{out:?} {err}");
    assert!(
        err.starts_with(&format!("hatchery: error: cannot reach the node at {down}")),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("panicked"), "{err}");

    let top = Top::start(&["top", "--node", "localhost:7780", "--iterations", "1"]);
    let (status, _, err) = top.finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(err.contains("is not a node's URL"), "{err}");

    // --cluster asks through one node; two would list every row twice.
    let args = [
        "top",
        "--cluster",
        "--node",
        &down,
        "--node",
        &down,
        "--iterations",
        "1",
    ];
    let (status, _, err) = Top::start(&args).finish();
    assert_eq!(status.code(), Some(1), "{err}");
    assert!(
        err.contains("--cluster shows every node through one"),
        "{err}"
    );
}
