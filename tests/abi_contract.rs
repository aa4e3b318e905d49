//! The ABI contract: a WAT guest that imports every `hatchery_v1` function with the
//! signature ABI.md gives loads and runs; a forgotten registration or a changed signature
//! fails here. ABI.md documents every function the host registers.

use hatchery::abi::FUNCTIONS;
use hatchery_tests::{exit_of, root};

/// Every function with its signature as ABI.md §5 states it.
const SIGNATURES: &[(&str, &str)] = &[
    ("self", "(result i64)"),
    ("parent", "(result i64)"),
    ("args_size", "(result i32)"),
    ("args_read", "(param i32 i32) (result i32)"),
    ("make_ref", "(result i64)"),
    ("now_ms", "(result i64)"),
    ("spawn", "(param i32 i32 i32 i32 i32 i32) (result i64)"),
    (
        "spawn_at",
        "(param i32 i32 i32 i32 i32 i32 i32 i32) (result i64)",
    ),
    ("send", "(param i64 i32 i32) (result i32)"),
    ("send_named", "(param i32 i32 i32 i32) (result i32)"),
    (
        "send_named_at",
        "(param i32 i32 i32 i32 i32 i32) (result i32)",
    ),
    ("node_name", "(param i32 i32) (result i32)"),
    ("nodes", "(param i32 i32) (result i32)"),
    ("pid_node", "(param i64 i32 i32) (result i32)"),
    ("monitor_node", "(param i32 i32 i32) (result i32)"),
    ("monitor_nodes", "(param i32) (result i32)"),
    ("recv", "(param i32 i64 i32 i32 i32) (result i32)"),
    ("take", "(param i32) (result i32)"),
    ("mailbox_len", "(result i32)"),
    ("message_read", "(param i32 i32) (result i32)"),
    ("link", "(param i64) (result i32)"),
    ("unlink", "(param i64) (result i32)"),
    ("trap_exit", "(param i32) (result i32)"),
    ("exit", "(param i32 i32 i32)"),
    ("panic", "(param i32 i32)"),
    ("exit_signal", "(param i64 i32 i32 i32) (result i32)"),
    ("monitor", "(param i64) (result i64)"),
    ("demonitor", "(param i64 i32) (result i32)"),
    ("register", "(param i32 i32 i64) (result i32)"),
    ("unregister", "(param i32 i32) (result i32)"),
    ("whereis", "(param i32 i32) (result i64)"),
    ("send_after", "(param i64 i64 i32 i32) (result i64)"),
    ("cancel_timer", "(param i64) (result i64)"),
    ("sup_start_child", "(param i64 i32 i32) (result i64)"),
    ("sup_terminate_child", "(param i64 i32 i32) (result i32)"),
    ("sup_which_children", "(param i64 i32 i32) (result i32)"),
    ("module_version", "(param i32 i32) (result i32)"),
    ("module_rollback", "(param i32 i32) (result i32)"),
    ("hibernate", "(result i32)"),
    ("write", "(param i32 i32 i32) (result i32)"),
];

fn contract_module() -> String {
    let imports: String = SIGNATURES
        .iter()
        .map(|(name, sig)| format!("  (import \"hatchery_v1\" \"{name}\" (func ${name} {sig}))\n"))
        .collect();
    format!(
        "(module\n{imports}  (memory (export \"memory\") 1)\n  (func (export \"hatchery_main\")\n    (drop (call $self))\n    (drop (call $make_ref))))\n"
    )
}

#[test]
fn the_signature_table_covers_every_registered_function() {
    let mut listed: Vec<&str> = SIGNATURES.iter().map(|(n, _)| *n).collect();
    let mut registered = FUNCTIONS.to_vec();
    listed.sort();
    registered.sort();
    assert_eq!(listed, registered);
}

#[test]
fn abi_md_documents_every_function() {
    let doc = std::fs::read_to_string(root().join("guest-sdk/ABI.md")).expect("ABI.md exists");
    for name in FUNCTIONS {
        assert!(
            doc.contains(&format!("`{name}`")),
            "ABI.md does not document `{name}`"
        );
    }
}

#[tokio::test]
async fn a_guest_importing_every_function_loads_and_runs() {
    let dir = hatchery_tests::temp_dir("abi");
    let path = dir.join("contract.wat");
    std::fs::write(&path, contract_module()).expect("write the module");
    let node = hatchery::Node::new(hatchery_tests::config()).expect("node");
    node.load_module_file(&path)
        .expect("every import resolves with the documented signature");
    let pid = node
        .spawn("contract", Vec::new(), Default::default())
        .expect("spawn")
        .pid;
    assert_eq!(
        exit_of(&node, pid).await.reason,
        hatchery::ExitReason::Normal
    );
}

#[tokio::test]
async fn the_wat_echo_guest_written_from_abi_md_alone_works() {
    let node = hatchery_tests::node_with(&["echo_wat"]);
    let me = node.spawn_native("test").expect("native");
    let echo = me
        .spawn("echo", Vec::new(), false, false)
        .expect("spawn")
        .pid;
    me.send(echo, b"ping from the host".to_vec());
    let reply = me
        .recv(Some(hatchery_tests::WAIT))
        .await
        .expect("alive")
        .expect("a reply");
    assert_eq!(&*reply.data, b"ping from the host");
    assert_eq!(reply.sender, echo);
    assert_eq!(
        exit_of(&node, echo).await.reason,
        hatchery::ExitReason::Normal
    );
}
