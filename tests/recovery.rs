//! The operator's recovery tools: every process of a module, or of a subtree, ended in one
//! call (core and `POST /api/end`), supervised ones removed from their supervisors so that
//! nothing restarts them.

use std::time::Duration;

use hatchery::NodeConfig;
use hatchery::http::{HttpConfig, HttpServer};
use hatchery::recovery::{EndError, Selection};
use hatchery::supervisor::{ChildSpec, Shutdown, Strategy, SupervisorSpec};
use hatchery_tests::*;
use serde_json::{Value, json};

/// Spawns copies of itself until refused, then waits.
const BOMB: &str = r#"(module
  (import "hatchery_v1" "spawn" (func $spawn (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "hatchery_v1" "recv" (func $recv (param i32 i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 512) "bomb")
  (func (export "hatchery_main")
    (block $full (loop $l
      (br_if $full (i64.lt_s (call $spawn (i32.const 512) (i32.const 4) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)) (i64.const 0)))
      (br $l)))
    (drop (call $recv (i32.const 0) (i64.const -1) (i32.const 64) (i32.const 0) (i32.const 0)))))"#;

fn worker(id: &str, module: &str) -> ChildSpec {
    ChildSpec {
        shutdown: Shutdown::Timeout(Duration::from_secs(1)),
        ..ChildSpec::worker(id, module, Vec::new())
    }
}

fn node() -> (hatchery::Node, std::path::PathBuf) {
    let node = node_with_config(
        NodeConfig {
            max_processes: 300,
            ..config()
        },
        &["idle"],
    );
    let dir = temp_dir("recovery");
    node.load_module_file(&write_module(&dir, "bomb.wat", BOMB))
        .expect("load");
    (node, dir)
}

fn count(node: &hatchery::Node, module: &str) -> usize {
    node.processes()
        .iter()
        .filter(|p| p.module() == module)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_bomb_is_ended_in_one_call_and_nothing_else_is() {
    let (node, _dir) = node();
    let me = node.spawn_native("test").expect("native");
    let root = me
        .spawn("bomb", Vec::new(), false, false)
        .expect("bomb")
        .pid;
    let quota = node.config().subtree_processes() as usize;
    eventually("the bomb to fill its subtree", || {
        count(&node, "bomb") == quota
    })
    .await;
    let idle = me
        .spawn("idle", Vec::new(), false, false)
        .expect("idle")
        .pid;
    // A process inside the subtree: it and what it spawned, not its parent.
    let child = node
        .processes()
        .iter()
        .find(|p| p.parent() == Some(root))
        .map(|p| p.pid())
        .expect("the root spawned");
    // What is below it now, by parent: all of it is gone when the call returns, even the
    // part whose parents left the table first.
    let mut inner = vec![child];
    let mut i = 0;
    while i < inner.len() {
        let up = inner[i];
        inner.extend(
            node.processes()
                .iter()
                .filter(|p| p.parent() == Some(up))
                .map(|p| p.pid()),
        );
        i += 1;
    }
    let below = node
        .end_all(&Selection::Subtree(child))
        .await
        .expect("end the inner subtree");
    // (The count may pass the quota: a bomb not yet reached refills what the sweep frees.)
    assert!(below.ended >= inner.len() && below.left == 0, "{below:?}");
    let left: Vec<_> = inner
        .iter()
        .filter(|p| node.process(**p).is_some())
        .collect();
    assert!(left.is_empty(), "still in the table: {left:?}");
    assert!(
        node.process(root).is_some(),
        "the root is not below its child"
    );
    // A bomb that had not yet been refused may spawn into the freed quota at any time, so
    // what is ended is at least what is counted here, and nothing is left.
    let rest = count(&node, "bomb");
    let done = node
        .end_all(&Selection::Subtree(root))
        .await
        .expect("end the subtree");
    assert!(
        done.ended >= rest && done.left == 0,
        "{rest} counted: {done:?}"
    );
    eventually("the bomb to be gone", || count(&node, "bomb") == 0).await;
    assert!(
        node.process(idle).is_some(),
        "a process outside the subtree was ended"
    );
    // Nothing of it is left to end.
    assert_eq!(
        node.end_all(&Selection::Subtree(root)).await,
        Err(EndError::NoSubtree(root))
    );
    // A native process is not a subtree to end.
    assert_eq!(
        node.end_all(&Selection::Subtree(me.pid())).await,
        Err(EndError::Native(me.pid()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_a_module_tells_the_supervisors_so_nothing_restarts() {
    let (node, _dir) = node();
    let me = node.spawn_native("test").expect("native");
    let spec = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 1,
        period: Duration::from_secs(60),
        children: vec![
            worker("a", "idle"),
            worker("keep", "bomb"),
            worker("b", "idle"),
        ],
    };
    // The bomb child fills its own subtree; the idle ones are what is ended.
    let sup = node.start_supervisor(spec, Some(me.pid())).expect("sup");
    let loose = me
        .spawn("idle", Vec::new(), false, false)
        .expect("idle")
        .pid;
    eventually("the children to run", || count(&node, "idle") == 3).await;
    let done = node
        .end_all(&Selection::Module("idle".into()))
        .await
        .expect("end idle");
    let mut removed: Vec<&str> = done
        .removed_children
        .iter()
        .map(|(_, id)| id.as_str())
        .collect();
    removed.sort_unstable();
    assert_eq!(removed, ["a", "b"]);
    assert_eq!((done.ended, done.left), (3, 0));
    eventually("the idle processes to be gone", || {
        count(&node, "idle") == 0
    })
    .await;
    assert!(node.process(loose).is_none());
    // The supervisor lives on, with only the child that was not ended, and restarts nothing
    // (two restarts would have passed its intensity of 1 and ended it).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let children = node.which_children(sup).expect("the supervisor is alive");
    let ids: Vec<&str> = children.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["keep"]);
    assert_eq!(count(&node, "idle"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_ends_a_module_or_a_subtree_and_refuses_bad_bodies() {
    let (node, _dir) = node();
    let me = node.spawn_native("test").expect("native");
    let server = HttpServer::start(
        &node,
        HttpConfig::local("127.0.0.1:0".parse().expect("addr")),
    )
    .await
    .expect("serve");
    let base = format!("http://{}", server.addr);
    let post = |body: Value| {
        let url = format!("{base}/api/end");
        async move {
            tokio::task::spawn_blocking(move || {
                let r = ureq::post(&url).send_json(body);
                match r {
                    Ok(r) => (r.status(), r.into_json::<Value>().unwrap_or(Value::Null)),
                    Err(ureq::Error::Status(code, r)) => {
                        (code, r.into_json().unwrap_or(Value::Null))
                    }
                    Err(e) => panic!("{e}"),
                }
            })
            .await
            .expect("ran")
        }
    };
    for bad in [
        json!(null),
        json!([]),
        json!({}),
        json!({"module": ""}),
        json!({"module": 3}),
        json!({"module": "idle", "subtree": 1}),
        json!({"subtree": "x"}),
        json!({"subtree": 0}),
    ] {
        let (status, v) = post(bad.clone()).await;
        assert_eq!(status, 400, "{bad}: {v}");
        assert_eq!(v["error"]["code"], "bad_request");
    }
    let (status, v) = post(json!({"module": "nothing_runs_this"})).await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (404, Some("not_found"))
    );
    let (status, _) = post(json!({"subtree": me.pid().to_string()})).await;
    assert_eq!(status, 409);
    let root = me
        .spawn("bomb", Vec::new(), false, false)
        .expect("bomb")
        .pid;
    let quota = node.config().subtree_processes() as usize;
    eventually("the bomb to fill its subtree", || {
        count(&node, "bomb") == quota
    })
    .await;
    let (status, v) = post(json!({"subtree": root.as_u64()})).await;
    assert_eq!(status, 200, "{v}");
    // At least the full subtree; more when a bomb still running fills a slot the sweep
    // has just freed, which the sweep then ends too.
    assert!(v["ended"].as_u64() >= Some(quota as u64), "{v}");
    assert_eq!(v["left"], 0);
    me.spawn("idle", Vec::new(), false, false).expect("idle");
    let (status, v) = post(json!({"module": "idle"})).await;
    assert_eq!((status, v["ended"].as_u64()), (200, Some(1)), "{v}");
}
