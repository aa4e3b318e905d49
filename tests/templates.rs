//! `hatchery new --lang <lang>`: every template builds from scratch with its one command,
//! loads, and runs as the hello server its README describes (registered under its name;
//! a cast `{"greet": "Ada"}` greets, the call `"count"` counts the greetings).
//!
//! A language whose toolchain is missing here is skipped with a note, unless
//! `HATCHERY_STRICT_LANGUAGES=1` (as `scripts/test.sh` sets).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hatchery::{Node, NodeConfig, NodeEvent};
use hatchery_tests::{hatchery_bin, recv_json_where, temp_dir};
use serde_json::json;

/// The languages `hatchery new` knows, and the memory cap their processes need.
const LANGS: &[(&str, usize)] = &[
    ("rust", 16),
    ("c", 16),
    ("zig", 16),
    ("assemblyscript", 16),
    ("go", 16),
    ("js", 16),
    ("python", 64),
];

/// PATH with the project's toolchain folder first (scripts/toolchains.sh).
fn path_with_tools() -> String {
    let tools = std::env::var("HATCHERY_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/hatchery/tools")
        });
    format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Creates and builds a project; `Ok(None)` when the toolchain is missing (status 3).
fn create_and_build(lang: &str, name: &str, dir: &Path) -> Result<Option<PathBuf>, String> {
    let out = Command::new(hatchery_bin())
        .args(["new", "--lang", lang, "--dir"])
        .arg(dir)
        .arg(name)
        .output()
        .map_err(|e| format!("running hatchery new: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "hatchery new failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let project = dir.join(name);
    let build = Command::new("./build.sh")
        .current_dir(&project)
        .env("PATH", path_with_tools())
        .output()
        .map_err(|e| format!("running build.sh: {e}"))?;
    match build.status.code() {
        Some(0) => {}
        Some(3) => return Ok(None),
        _ => {
            return Err(format!(
                "{lang}: ./build.sh failed:\n{}{}",
                String::from_utf8_lossy(&build.stdout),
                String::from_utf8_lossy(&build.stderr)
            ));
        }
    }
    let wasm = project.join(format!("{name}.wasm"));
    if !wasm.is_file() {
        return Err(format!(
            "{lang}: ./build.sh did not write {}",
            wasm.display()
        ));
    }
    Ok(Some(wasm))
}

/// Runs the built module as its README says and checks what a user would see.
async fn run_hello(lang: &str, name: &str, wasm: &Path, memory_mib: usize) -> Result<(), String> {
    let mut config = NodeConfig {
        max_processes: 100,
        compile_cache: Some(PathBuf::from(env!("HATCHERY_ROOT")).join("target/compile-cache")),
        ..NodeConfig::default()
    };
    config
        .module_memory
        .insert(name.to_string(), memory_mib << 20);
    let node = Node::new(config).map_err(|e| format!("{e:#}"))?;
    node.load_module_file(wasm)
        .map_err(|e| format!("{lang}: loading: {e}"))?;
    let mut events = node.subscribe();
    let me = node.spawn_native("test").map_err(|e| e.to_string())?;
    let server = me
        .spawn(name, Vec::new(), false, true)
        .map_err(|e| e.to_string())?
        .pid;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while node.whereis(name) != Some(server) {
        if let Some(r) = node.exit_record(server) {
            return Err(format!("{lang}: the server ended: {}", r.reason));
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{lang}: the server did not register as {name}"));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    me.send_json(server, &json!({"$cast": {"greet": "Ada"}}));
    let r = node.make_ref();
    me.send_json(server, &json!({"$call": {"ref": r, "req": "count"}}));
    let reply = recv_json_where(&me, |v| v["$reply"]["ref"] == json!(r)).await;
    if reply["$reply"]["value"] != json!(1) {
        return Err(format!(
            "{lang}: call \"count\" after one greeting replied {reply}"
        ));
    }
    let mut greeted = false;
    while let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await {
        if let NodeEvent::Output { pid, line, .. } = event
            && pid == server
            && line.text.contains("Ada")
        {
            greeted = true;
            break;
        }
    }
    if !greeted {
        return Err(format!(
            "{lang}: no line greeting Ada in the server's output"
        ));
    }
    node.shutdown(Duration::from_secs(5)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_template_builds_from_scratch_and_runs() {
    let strict = std::env::var("HATCHERY_STRICT_LANGUAGES").is_ok_and(|v| v == "1");
    let dir = temp_dir("templates");
    let mut failures = Vec::new();
    for &(lang, memory) in LANGS {
        let name = format!("hello_{}", lang.replace("assemblyscript", "as"));
        let wasm = match tokio::task::block_in_place(|| create_and_build(lang, &name, &dir)) {
            Ok(Some(w)) => w,
            Ok(None) if strict => {
                failures.push(format!(
                    "{lang}: toolchain missing (./scripts/toolchains.sh)"
                ));
                continue;
            }
            Ok(None) => {
                eprintln!(
                    "templates: {lang} skipped: its toolchain is missing (./scripts/toolchains.sh)"
                );
                continue;
            }
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        if let Err(e) = run_hello(lang, &name, &wasm, memory).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "templates failed:\n{}",
        failures.join("\n")
    );
}
