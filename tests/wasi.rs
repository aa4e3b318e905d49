//! WASI capabilities: nothing by default; a supervisor child gets exactly the environment
//! and folders its spec (or manifest) grants, read-only unless granted writable.

use std::sync::Arc;
use std::time::Duration;

use hatchery::supervisor::{ChildSpec, ChildStart, Restart, Shutdown, Strategy, SupervisorSpec};
use hatchery::{DirGrant, WasiGrants};
use hatchery_tests::{Probe, eventually, node_with, temp_dir};
use serde_json::json;

#[tokio::test]
async fn a_process_gets_no_filesystem_or_environment_unless_granted() {
    let data = temp_dir("wasi");
    std::fs::write(data.join("x.txt"), "hello from the host").expect("write");
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");

    let grants = WasiGrants {
        env: vec![("GREETING".into(), "hi".into())],
        dirs: vec![DirGrant {
            host: data.clone(),
            guest: "/data".into(),
            writable: false,
        }],
    };
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 1,
        period: Duration::from_secs(60),
        children: vec![ChildSpec {
            id: "granted".into(),
            start: ChildStart::Worker {
                module: "probe".into(),
                args: serde_json::to_vec(&json!({"report_to": me.pid().as_u64()})).expect("json"),
                wasi: Some(Arc::new(grants)),
                max_memory: None,
                callback_cpu_limit: None,
                grants: None,
                subtree: None,
            },
            restart: Restart::Temporary,
            shutdown: Shutdown::BrutalKill,
        }],
    };
    let sup = node.start_supervisor(spec, Some(me.pid())).expect("start");
    let mut pid = None;
    eventually("the granted probe runs", || {
        pid = node
            .which_children(sup)
            .and_then(|c| c.first().and_then(|c| c.pid));
        pid.is_some()
    })
    .await;
    let granted = Probe {
        pid: pid.expect("set"),
    };
    assert_eq!(granted.run(&me, json!({"env": "GREETING"})).await, "hi");
    assert_eq!(
        granted.run(&me, json!({"read_file": "/data/x.txt"})).await,
        json!({"ok": "hello from the host"})
    );
    let write = granted
        .run(
            &me,
            json!({"write_file": {"path": "/data/y.txt", "text": "no"}}),
        )
        .await;
    assert!(write.get("error").is_some(), "read-only: {write}");
    assert!(!data.join("y.txt").exists());

    let plain = Probe::spawn(&me, false, false);
    assert_eq!(
        plain.run(&me, json!({"env": "GREETING"})).await,
        serde_json::Value::Null
    );
    let read = plain.run(&me, json!({"read_file": "/data/x.txt"})).await;
    assert!(read.get("error").is_some(), "no folder was granted: {read}");
    let escape = granted
        .run(&me, json!({"read_file": "/data/../../etc/hostname"}))
        .await;
    assert!(
        escape.get("error").is_some(),
        "a grant does not reach outside its folder: {escape}"
    );
}

#[test]
fn a_manifest_grant_of_a_missing_folder_is_refused() {
    let text = "[application]\nname = \"x\"\nroot = \"main\"\n[supervisor.main]\nstrategy = \"one_for_one\"\n\
        [[supervisor.main.child]]\nid = \"a\"\nmodule = \"probe\"\nwasi = { env = { K = \"v\" }, dirs = [{ host = \"no_such_dir\", guest = \"/d\" }] }\n";
    let e = hatchery::manifest::parse(std::path::Path::new("/tmp/hatchery.toml"), text, &|_| true)
        .expect_err("refused");
    assert_eq!(e.key, "supervisor.main.child[0].wasi.dirs[0].host", "{e}");
    assert!(e.message.contains("is not a folder"), "{e}");
}
