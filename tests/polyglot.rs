//! The polyglot application (apps/polyglot): one supervision tree with workers in Rust,
//! Zig, AssemblyScript, C, Go, Python and JavaScript that talk to each other, and a hot
//! swap of the AssemblyScript counter that keeps its count.
//!
//! Skipped with a note when a language's modules are not built here, unless
//! `HATCHERY_STRICT_LANGUAGES=1` (as `scripts/test.sh` sets).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use hatchery::{LoadCause, Node, NodeConfig, NodeEvent, Pid};
use hatchery_tests::{recv_json_where, root, temp_dir};
use serde_json::{Value, json};

/// Whether a line of output is the one a check waits for.
type Seen = Box<dyn Fn(&str) -> bool>;

/// A call from the test process.
async fn call(me: &hatchery::NativeProcess, to: Pid, req: Value) -> Value {
    let r = me.node().make_ref();
    me.send_json(to, &json!({"$call": {"ref": r, "req": req}}));
    recv_json_where(me, |v| v["$reply"]["ref"] == json!(r)).await["$reply"]["value"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seven_languages_in_one_tree_talk_and_a_swap_keeps_the_counters_state() {
    let manifest = root().join("apps/polyglot/hatchery.toml");
    let text = std::fs::read_to_string(&manifest).expect("the manifest");
    let folders = hatchery::manifest::parse(&manifest, &text, &|_| true)
        .expect("the manifest parses")
        .modules;
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for f in &folders {
        for file in hatchery::runtime::modules::module_files(f).unwrap_or_default() {
            files
                .entry(hatchery::runtime::modules::module_name(&file))
                .or_insert(file);
        }
    }
    let app = match hatchery::manifest::parse(&manifest, &text, &|m| files.contains_key(m)) {
        Ok(app) => app,
        Err(e) if std::env::var("HATCHERY_STRICT_LANGUAGES").as_deref() != Ok("1") => {
            eprintln!(
                "polyglot: skipped, a module is not built here ({e}); ./scripts/guests.sh builds them"
            );
            return;
        }
        Err(e) => panic!("{e}"),
    };
    let config = app.config(NodeConfig {
        max_processes: 1_000,
        compile_cache: Some(root().join("target/compile-cache")),
        ..NodeConfig::default()
    });
    let node = Node::new(config).expect("node");
    for m in &app.uses {
        node.load_module_file(&files[m])
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let mut events = node.subscribe();
    let parent = node.spawn_native("application").expect("native");
    parent.trap_exit(true);
    node.start_supervisor(app.root.clone(), Some(parent.pid()))
        .expect("the tree starts");

    // What each language says shows that the others reached it.
    let mut want: BTreeMap<&str, Seen> = BTreeMap::new();
    want.insert(
        "Go got Python's message",
        Box::new(|l| {
            l.starts_with("gopher: message from pythonista: hello #") && l.ends_with("from Python")
        }),
    );
    want.insert(
        "Python got Go's message",
        Box::new(|l| {
            l.starts_with("pythonista: message from gopher: hello #") && l.ends_with("from Go")
        }),
    );
    want.insert(
        "the C ticker ticked into Zig's kv",
        Box::new(|l| l == "ticker: tick 5"),
    );
    want.insert(
        "JavaScript read AssemblyScript's counter and Zig's kv",
        Box::new(|l| {
            l.strip_prefix("reporter: counter=")
                .and_then(|rest| rest.split_once(" ticks="))
                .is_some_and(|(c, t)| {
                    c.parse::<u64>().is_ok_and(|c| c >= 5) && t.parse::<u64>().is_ok_and(|t| t >= 5)
                })
        }),
    );
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !want.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, events.recv()).await {
            Ok(Ok(NodeEvent::Output { line, .. })) => {
                want.retain(|_, f| !f(&line.text));
                seen.push(line.text);
            }
            Ok(Ok(NodeEvent::Exited { module, reason, .. })) if !reason.is_normal() => {
                seen.push(format!("exit {module}: {reason}"));
            }
            Ok(_) => {}
            Err(_) => panic!(
                "not seen within 120 s: {:?}\nwhat the processes said:\n{}",
                want.keys().collect::<Vec<_>>(),
                seen.join("\n")
            ),
        }
    }

    // A hot swap of the AssemblyScript counter keeps its count.
    let me = node.spawn_native("test").expect("native");
    let counter = node.whereis("counter").expect("the counter is registered");
    let before = call(&me, counter, json!("get"))
        .await
        .as_u64()
        .expect("a count");
    assert!(before >= 5, "the ticker cast to the counter: {before}");
    assert_eq!(call(&me, counter, json!("version")).await, json!(1));
    let dir = temp_dir("polyglot");
    let v2 = dir.join("poly_counter.wasm");
    std::fs::copy(&files["poly_counter_v2"], &v2).expect("copy v2");
    let record = node
        .reload(&v2, LoadCause::Manual)
        .await
        .expect("v2 loads")
        .expect("v2 differs from v1");
    assert_eq!((record.upgraded, record.failed), (1, 0), "{record:?}");
    assert_eq!(
        node.whereis("counter"),
        Some(counter),
        "same pid, same name"
    );
    assert_eq!(call(&me, counter, json!("version")).await, json!(2));
    let after = call(&me, counter, json!("get"))
        .await
        .as_u64()
        .expect("a count");
    assert!(
        after >= before,
        "the count went from {before} to {after} across the swap"
    );
    node.shutdown(Duration::from_secs(5)).await;
}
