//! The inspector end to end: a real node, a real socket and a real headless Chromium.
//!
//! `tests/e2e/inspector.mjs` does the browsing (playwright-core drives Debian's `chromium`):
//! it finds the messenger server in the process table, injects messages through the form and
//! sees the server's output, then kills a supervised worker from the tree and sees it
//! restarted. This test runs it against the `hatchery` binary just built and keeps its
//! screenshots in `target/e2e/`.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hatchery_tests::{hatchery_bin, root};

/// The script bounds each of its steps (the node's start, each browser wait); this only
/// catches a script that hangs outright.
const TIMEOUT: Duration = Duration::from_secs(300);

const CHROMIUM: &str = "/usr/bin/chromium";

#[test]
fn inspector_in_a_real_browser() {
    let root = root();
    let e2e = root.join("tests/e2e");
    let missing: Vec<String> = [
        (
            Path::new(CHROMIUM).exists(),
            format!("{CHROMIUM} (Debian's chromium package)"),
        ),
        (
            e2e.join("node_modules/playwright-core").is_dir(),
            format!("{}/node_modules (npm ci)", e2e.display()),
        ),
        (
            Command::new("node").arg("--version").output().is_ok(),
            "node (Node.js 20 or later)".to_string(),
        ),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what)
    .collect();
    assert!(
        missing.is_empty(),
        "the browser test needs {}: run ./scripts/setup.sh (as root for apt) first",
        missing.join(", ")
    );

    let out = root.join("target/e2e");
    let mut child = Command::new("node")
        .arg(e2e.join("inspector.mjs"))
        .arg("--bin")
        .arg(hatchery_bin())
        .arg("--root")
        .arg(&root)
        .arg("--out")
        .arg(&out)
        .arg("--chromium")
        .arg(CHROMIUM)
        .current_dir(&root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting node tests/e2e/inspector.mjs");

    // Drain both pipes on threads so a chatty script cannot block on a full pipe.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("piped stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("piped stderr")));

    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the e2e script") {
            break Some(status);
        }
        if start.elapsed() > TIMEOUT {
            // SIGTERM first: the script then stops the node and the browser it started.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let grace = Instant::now();
            while grace.elapsed() < Duration::from_secs(10) {
                if child.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = format!(
        "{}{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    println!("{output}");
    match status {
        None => panic!(
            "the e2e script did not finish within {}s:\n{output}",
            TIMEOUT.as_secs()
        ),
        Some(status) => assert!(
            status.success(),
            "the e2e script failed ({status}); screenshots and the node's log are in {}:\n{output}",
            out.display()
        ),
    }
    assert!(
        out.join("inspector-3-tree.png").exists(),
        "the script passed but left no screenshot in {}",
        out.display()
    );
}
