//! Host-run supervisors (issue 3, second part): strategies, restart types, intensity and
//! escalation, the shutdown protocol and order, nesting, and the thesis's kv demo.

use std::time::Duration;

use hatchery::supervisor::{
    ChildSpec, ChildStart, Restart, Shutdown, Strategy, SupervisorError, SupervisorSpec,
};
use hatchery::{ExitReason, Node, NodeEvent, Pid};
use hatchery_tests::{Probe, eventually, exit_of, node_with};
use serde_json::json;

fn worker(id: &str, module: &str, args: serde_json::Value, restart: Restart) -> ChildSpec {
    let args = if args.is_null() {
        Vec::new()
    } else {
        serde_json::to_vec(&args).expect("json")
    };
    ChildSpec {
        restart,
        ..ChildSpec::worker(id, module, args)
    }
}

fn idle(id: &str) -> ChildSpec {
    worker(id, "idle", serde_json::Value::Null, Restart::Permanent)
}

fn spec(strategy: Strategy, children: Vec<ChildSpec>) -> SupervisorSpec {
    SupervisorSpec {
        strategy,
        intensity: 10,
        period: Duration::from_secs(60),
        children,
    }
}

fn pids(node: &Node, sup: Pid) -> Vec<Option<Pid>> {
    node.which_children(sup)
        .expect("a live supervisor")
        .iter()
        .map(|c| c.pid)
        .collect()
}

async fn running(node: &Node, sup: Pid, n: usize) -> Vec<Pid> {
    let mut got = Vec::new();
    eventually("the children to run", || {
        got = pids(node, sup).into_iter().flatten().collect();
        got.len() == n
    })
    .await;
    got
}

fn kill(node: &Node, pid: Pid) {
    node.exit_signal(Pid(0), pid, &ExitReason::Killed, true)
        .expect("alive");
}

async fn restarted(node: &Node, sup: Pid, before: &[Pid]) -> Vec<Pid> {
    let mut now = Vec::new();
    eventually("the restarts", || {
        let p = pids(node, sup);
        if p.iter().any(Option::is_none) {
            return false;
        }
        now = p.into_iter().flatten().collect();
        now.len() == before.len() && now != before
    })
    .await;
    now
}

#[tokio::test]
async fn one_for_one_restarts_only_the_child_that_died() {
    let node = node_with(&["idle"]);
    let sup = node
        .start_supervisor(
            spec(Strategy::OneForOne, vec![idle("a"), idle("b"), idle("c")]),
            None,
        )
        .expect("start");
    let before = running(&node, sup, 3).await;
    kill(&node, before[1]);
    let after = restarted(&node, sup, &before).await;
    assert_eq!((after[0], after[2]), (before[0], before[2]));
    assert_ne!(after[1], before[1]);
}

#[tokio::test]
async fn one_for_all_restarts_every_child() {
    let node = node_with(&["idle"]);
    let sup = node
        .start_supervisor(
            spec(Strategy::OneForAll, vec![idle("a"), idle("b"), idle("c")]),
            None,
        )
        .expect("start");
    let before = running(&node, sup, 3).await;
    kill(&node, before[1]);
    let mut after = Vec::new();
    eventually("all three to be new", || {
        after = pids(&node, sup).into_iter().flatten().collect();
        after.len() == 3 && after.iter().all(|p| !before.contains(p))
    })
    .await;
    for p in &before {
        assert!(node.process(*p).is_none(), "{p} was stopped");
    }
}

#[tokio::test]
async fn rest_for_one_restarts_the_child_and_those_started_after_it() {
    let node = node_with(&["idle"]);
    let sup = node
        .start_supervisor(
            spec(Strategy::RestForOne, vec![idle("a"), idle("b"), idle("c")]),
            None,
        )
        .expect("start");
    let before = running(&node, sup, 3).await;
    kill(&node, before[1]);
    let mut after = Vec::new();
    eventually("b and c to be new", || {
        after = pids(&node, sup).into_iter().flatten().collect();
        after.len() == 3 && after[1] != before[1] && after[2] != before[2]
    })
    .await;
    assert_eq!(after[0], before[0], "a, started before b, is untouched");
}

#[tokio::test]
async fn restart_types_permanent_transient_temporary() {
    let node = node_with(&["idle"]);
    let children = vec![
        worker("perm", "idle", serde_json::Value::Null, Restart::Permanent),
        worker("trans", "idle", serde_json::Value::Null, Restart::Transient),
        worker("temp", "idle", serde_json::Value::Null, Restart::Temporary),
    ];
    let sup = node
        .start_supervisor(spec(Strategy::OneForOne, children), None)
        .expect("start");
    let p = running(&node, sup, 3).await;
    let me = node.spawn_native("test").expect("native");
    // A normal exit: permanent restarts, transient does not.
    me.send(p[0], b"bye".to_vec());
    me.send(p[1], b"bye".to_vec());
    eventually("perm restarted, trans left down", || {
        let now = pids(&node, sup);
        now[0].is_some_and(|x| x != p[0]) && now[1].is_none()
    })
    .await;
    // Temporary: never restarted, and forgotten.
    kill(&node, p[2]);
    eventually("temp forgotten", || {
        node.which_children(sup).is_some_and(|c| c.len() == 2)
    })
    .await;
    let ids: Vec<String> = node
        .which_children(sup)
        .expect("alive")
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["perm", "trans"]);

    // Transient after an abnormal exit: restarted.
    let sup2 = node
        .start_supervisor(
            spec(
                Strategy::OneForOne,
                vec![worker(
                    "t",
                    "idle",
                    serde_json::Value::Null,
                    Restart::Transient,
                )],
            ),
            None,
        )
        .expect("start");
    let t = running(&node, sup2, 1).await;
    kill(&node, t[0]);
    restarted(&node, sup2, &t).await;
}

#[tokio::test]
async fn too_many_restarts_end_the_supervisor_and_escalate_to_its_parent() {
    let node = node_with(&["idle"]);
    let sub = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 1,
        period: Duration::from_secs(60),
        children: vec![idle("w")],
    };
    let top = SupervisorSpec {
        strategy: Strategy::OneForOne,
        intensity: 5,
        period: Duration::from_secs(60),
        children: vec![ChildSpec {
            id: "sub".into(),
            start: ChildStart::Supervisor(sub),
            restart: Restart::Permanent,
            shutdown: Shutdown::Infinity,
        }],
    };
    let top = node.start_supervisor(top, None).expect("start");
    let sub_pid = running(&node, top, 1).await[0];
    let w1 = running(&node, sub_pid, 1).await;
    kill(&node, w1[0]); // restart 1: within the intensity
    let w2 = restarted(&node, sub_pid, &w1).await;
    kill(&node, w2[0]); // restart 2: too many; the sub-supervisor gives up
    assert_eq!(exit_of(&node, sub_pid).await.reason, ExitReason::Shutdown);
    assert!(node.process(w2[0]).is_none());
    // The top supervisor restarts the sub-tree, with a fresh worker.
    let new_sub = restarted(&node, top, &[sub_pid]).await[0];
    let w3 = running(&node, new_sub, 1).await;
    assert!(!w1.contains(&w3[0]) && !w2.contains(&w3[0]));
}

#[tokio::test]
async fn shutdown_stops_children_in_reverse_order_and_kills_a_child_that_ignores_it() {
    let node = node_with(&["idle", "probe"]);
    let mut stubborn = worker(
        "stubborn",
        "probe",
        json!({"steps": [{"trap_exit": true}]}),
        Restart::Permanent,
    );
    stubborn.shutdown = Shutdown::Timeout(Duration::from_millis(300));
    let mut events = node.subscribe();
    let me = node.spawn_native("parent").expect("native");
    let sup = node
        .start_supervisor(
            spec(
                Strategy::OneForOne,
                vec![idle("first"), stubborn, idle("last")],
            ),
            Some(me.pid()),
        )
        .expect("start");
    let p = running(&node, sup, 3).await;
    // Let the probe run its first step (trap_exit) before we ask it to stop.
    eventually("the probe traps exits", || {
        node.process(p[1]).is_some_and(|x| x.traps_exits())
    })
    .await;
    node.exit_signal(me.pid(), sup, &ExitReason::Shutdown, false)
        .expect("alive");
    assert_eq!(exit_of(&node, sup).await.reason, ExitReason::Shutdown);
    let mut order = Vec::new();
    while order.len() < 3 {
        match tokio::time::timeout(hatchery_tests::WAIT, events.recv())
            .await
            .expect("events")
            .expect("open")
        {
            NodeEvent::Exited { pid, reason, .. } if p.contains(&pid) => order.push((pid, reason)),
            _ => {}
        }
    }
    assert_eq!(
        order[0],
        (p[2], ExitReason::Shutdown),
        "last started, first stopped"
    );
    assert_eq!(
        order[1],
        (p[1], ExitReason::Killed),
        "ignored shutdown, killed after its timeout"
    );
    assert_eq!(order[2], (p[0], ExitReason::Shutdown));
}

/// The thesis's §6.5.2 demo: a crashing lookup restarts kv under a new pid, with the same
/// registered name and its state reset.
#[tokio::test]
async fn the_kv_server_restarts_under_its_name_with_fresh_state() {
    let node = node_with(&["kv", "probe"]);
    let kv = worker("kv", "kv", serde_json::Value::Null, Restart::Permanent);
    let sup = node
        .start_supervisor(spec(Strategy::OneForOne, vec![kv]), None)
        .expect("start");
    let first = running(&node, sup, 1).await[0];
    eventually("kv registered", || node.whereis("kv") == Some(first)).await;
    let me = node.spawn_native("test").expect("native");
    let c = Probe::spawn(&me, false, false);
    let call = |req: serde_json::Value| json!({"call": {"to": node.whereis("kv").map_or(0, |p| p.as_u64()), "req": req, "timeout_ms": 30_000}});
    assert_eq!(
        c.run(&me, call(json!({"store": {"key": "a", "value": 1}})))
            .await,
        json!({"ok": "ok"})
    );
    assert_eq!(
        c.run(&me, call(json!({"lookup": "a"}))).await,
        json!({"ok": {"found": 1}})
    );
    let crashed = c.run(&me, call(json!({"lookup": "crash"}))).await;
    assert!(
        crashed["exit"]
            .as_str()
            .is_some_and(|r| r.starts_with("trap: ")),
        "{crashed}"
    );
    let second = restarted(&node, sup, &[first]).await[0];
    eventually("kv registered again", || node.whereis("kv") == Some(second)).await;
    assert_eq!(
        c.run(&me, call(json!({"lookup": "a"}))).await,
        json!({"ok": "error"}),
        "state reset"
    );
}

#[tokio::test]
async fn a_duplicate_child_id_is_refused_and_nothing_starts() {
    let node = node_with(&["idle"]);
    let before = node.process_count();
    let err = node
        .start_supervisor(spec(Strategy::OneForOne, vec![idle("a"), idle("a")]), None)
        .err();
    assert_eq!(err, Some(SupervisorError::DuplicateId("a".into())));
    assert_eq!(node.process_count(), before);
}

/// start_child / terminate_child / which_children from a guest, through the ABI.
#[tokio::test]
async fn guests_can_start_list_and_terminate_children() {
    let node = node_with(&["idle", "probe"]);
    let me = node.spawn_native("test").expect("native");
    let sup = node
        .start_supervisor(spec(Strategy::OneForOne, vec![idle("a")]), Some(me.pid()))
        .expect("start");
    running(&node, sup, 1).await;
    let c = Probe::spawn(&me, false, false);
    let s = sup.as_u64();
    let started = c.run(&me, json!({"start_child": {"sup": s, "spec": {"id": "b", "module": "idle", "restart": "transient"}}})).await;
    let b = started["pid"].as_u64().expect("a pid");
    assert_eq!(
        c.run(
            &me,
            json!({"start_child": {"sup": s, "spec": {"id": "b", "module": "idle"}}})
        )
        .await,
        "name_taken"
    );
    assert_eq!(
        c.run(&me, json!({"start_child": {"sup": s, "spec": {"id": "c"}}}))
            .await,
        "bad_arg"
    );
    let list = c.run(&me, json!({"which_children": {"sup": s}})).await;
    assert_eq!(list[1], json!({"id": "b", "pid": b, "supervisor": false}));
    assert_eq!(list.as_array().map(Vec::len), Some(2));
    // A started child is supervised like the others: killed, it is restarted (transient).
    kill(&node, Pid(b));
    eventually("b restarted", || {
        pids(&node, sup)[1].is_some_and(|p| p != Pid(b))
    })
    .await;
    assert_eq!(
        c.run(&me, json!({"terminate_child": {"sup": s, "id": "b"}}))
            .await,
        "ok"
    );
    assert_eq!(
        c.run(&me, json!({"terminate_child": {"sup": s, "id": "b"}}))
            .await,
        "not_found"
    );
    assert_eq!(node.which_children(sup).expect("alive").len(), 1);
    assert_eq!(
        c.run(&me, json!({"which_children": {"sup": c.pid.as_u64()}}))
            .await,
        "noproc",
        "a probe is no supervisor"
    );
}

/// A child that unlinked itself from its supervisor is still stopped and waited for (the
/// supervisor monitors it), so terminate_child does not hang.
#[tokio::test]
async fn a_child_that_unlinked_itself_is_still_stopped() {
    let node = node_with(&["probe"]);
    let me = node.spawn_native("test").expect("native");
    let sup_spec = spec(Strategy::OneForOne, Vec::new());
    let sup = node
        .start_supervisor(sup_spec, Some(me.pid()))
        .expect("start");
    let args = json!({"report_to": me.pid().as_u64(), "steps": [{"trap_exit": true}, {"unlink": sup.as_u64()}]});
    let child = ChildSpec {
        shutdown: Shutdown::Timeout(Duration::from_millis(200)),
        ..ChildSpec::worker("loner", "probe", serde_json::to_vec(&args).expect("json"))
    };
    let pid = node
        .start_child(sup, child)
        .await
        .expect("started")
        .expect("a pid");
    let p = Probe { pid };
    p.result(&me).await; // trap_exit
    p.result(&me).await; // unlink
    tokio::time::timeout(hatchery_tests::WAIT, node.terminate_child(sup, "loner"))
        .await
        .expect("does not hang")
        .expect("ok");
    assert_eq!(
        exit_of(&node, pid).await.reason,
        ExitReason::Killed,
        "it ignored shutdown, so it was killed"
    );
}

/// one_for_all stops temporary siblings with the group but does not restart them.
#[tokio::test]
async fn group_restarts_drop_temporary_siblings() {
    let node = node_with(&["idle"]);
    let temp = worker("temp", "idle", serde_json::Value::Null, Restart::Temporary);
    let sup = node
        .start_supervisor(spec(Strategy::OneForAll, vec![idle("a"), temp]), None)
        .expect("start");
    let before = running(&node, sup, 2).await;
    kill(&node, before[0]);
    eventually("a restarted, temp gone", || {
        node.which_children(sup).is_some_and(|c| {
            c.len() == 1 && c[0].id == "a" && c[0].pid.is_some_and(|p| p != before[0])
        })
    })
    .await;
    assert!(
        node.process(before[1]).is_none(),
        "the temporary sibling was stopped"
    );
}
