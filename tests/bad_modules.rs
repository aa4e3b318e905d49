//! Modules that cannot run, each refused with a message that says what to change: an
//! initial memory over the cap (Zig's default stack, old Go), an import from a module the
//! ABI does not know (AssemblyScript's `env.abort`), a component importing interfaces the
//! node does not provide, a component of another world.

use hatchery::{ExitReason, Node, NodeConfig};
use hatchery_tests::{config, temp_dir, write_module};

fn load_error(node: &Node, file: &str, bytes: &[u8]) -> String {
    let dir = temp_dir("bad-modules");
    let path = write_module(&dir, file, bytes);
    match node.load_module_file(&path) {
        Ok(m) => panic!("{file} loaded as {}, but should have been refused", m.name),
        Err(e) => e.to_string(),
    }
}

fn component(text: &str) -> Vec<u8> {
    wat::parse_str(text).expect("valid component text")
}

#[tokio::test]
async fn an_initial_memory_over_the_cap_is_refused_at_load_with_the_fix() {
    let node = Node::new(config()).expect("node");
    // What a Zig wasm32-wasi executable with its default 16 MiB stack looks like: 257 pages.
    let zig_like = r#"(module (memory (export "memory") 257) (func (export "_start")))"#;
    let e = load_error(&node, "big_stack.wat", zig_like.as_bytes());
    for part in [
        "17 MiB",
        "16 MiB cap",
        "--stack 262144",
        "Go 1.24",
        "[modules.big_stack] max_memory_mib = 18",
    ] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
    // The same module loads where its cap is raised.
    let mut raised = config();
    raised.module_memory.insert("big_stack".into(), 32 << 20);
    let node = Node::new(raised).expect("node");
    let dir = temp_dir("bad-modules");
    let path = write_module(&dir, "big_stack.wat", zig_like);
    node.load_module_file(&path)
        .expect("loads under a 32 MiB cap");
}

#[tokio::test]
async fn an_assemblyscript_abort_import_names_the_flag_that_removes_it() {
    let node = Node::new(config()).expect("node");
    let as_like = r#"(module
        (import "env" "abort" (func (param i32 i32 i32 i32)))
        (memory (export "memory") 1) (func (export "hatchery_main")))"#;
    let e = load_error(&node, "as_abort.wat", as_like.as_bytes());
    assert!(
        e.contains("`env.abort`") && e.contains("--use abort="),
        "{e}"
    );
}

#[tokio::test]
async fn a_component_importing_what_the_node_lacks_is_refused_by_name() {
    let node = Node::new(config()).expect("node");
    let wants_http = component(
        r#"(component
            (import "wasi:http/outgoing-handler@0.2.3" (instance (export "handle" (func))))
            (core module $m (func (export "run")))
            (core instance $i (instantiate $m))
            (func (export "run") (canon lift (core func $i "run"))))"#,
    );
    let e = load_error(&node, "wants_http.wasm", &wants_http);
    assert!(
        e.contains("`wasi:http/outgoing-handler@0.2.3`") && e.contains("does not provide"),
        "{e}"
    );
    assert!(
        e.contains("wasi:cli"),
        "the message lists what components get: {e}"
    );
}

#[tokio::test]
async fn a_component_of_another_world_is_refused_with_the_worlds_it_could_be() {
    let node = Node::new(config()).expect("node");
    let other = component(
        r#"(component
            (core module $m (func (export "main")))
            (core instance $i (instantiate $m))
            (func (export "main") (canon lift (core func $i "main"))))"#,
    );
    let e = load_error(&node, "other_world.wasm", &other);
    for part in [
        "another world",
        "`main`",
        "`process`",
        "`behaviour`",
        "guest-sdk/wit",
    ] {
        assert!(e.contains(part), "{part:?} missing from: {e}");
    }
    // A `run` of the wrong type is named too.
    let bad_run = component(
        r#"(component
            (core module $m (func (export "run") (param i32)))
            (core instance $i (instantiate $m))
            (func (export "run") (param "x" u32) (canon lift (core func $i "run"))))"#,
    );
    let e = load_error(&node, "bad_run.wasm", &bad_run);
    assert!(e.contains("`run` must be `func()`"), "{e}");
}

#[tokio::test]
async fn a_component_whose_memory_is_over_the_cap_ends_undef_with_the_fix() {
    let node = Node::new(NodeConfig {
        max_memory_bytes: 1 << 20,
        ..config()
    })
    .expect("node");
    // 32 pages (2 MiB) at start, over a 1 MiB cap: components are checked when they start.
    let big = component(
        r#"(component
            (core module $m (memory (export "memory") 32) (func (export "run")))
            (core instance $i (instantiate $m))
            (func (export "run") (canon lift (core func $i "run"))))"#,
    );
    let dir = temp_dir("bad-modules");
    let path = write_module(&dir, "big_component.wasm", &big);
    node.load_module_file(&path).expect("a component loads");
    let me = node.spawn_native("test").expect("native");
    let pid = me
        .spawn("big_component", Vec::new(), false, false)
        .expect("spawn")
        .pid;
    let reason = hatchery_tests::exit_of(&node, pid).await.reason;
    match reason {
        ExitReason::Undef(text) => assert!(text.contains("max_memory_mib"), "{text}"),
        other => panic!("want undef, got {other}"),
    }
}
