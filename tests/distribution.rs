//! Two nodes of one cluster in this test process, joined in memory (`dist::loopback`):
//! sends, names, links, monitors and exit signals across nodes, and `noconnection` when
//! the connection breaks, exactly and without timing. `cluster.rs` runs the same over NATS
//! with real `hatchery` processes.

use std::time::Duration;

use hatchery::dist::loopback::{Loopback, memberships};
use hatchery::remote::Place;
use hatchery::{CoreNode, ExitReason, MessageKind, NativeProcess, NodeConfig, Pid};
use hatchery_tests::{WAIT, down_of, node_event};

/// Nodes `a` and `b` of one cluster, not joined yet.
fn two_nodes(cookie: &[u8]) -> (CoreNode, CoreNode) {
    let (ma, mb) = memberships(cookie);
    let node = |m| {
        CoreNode::new(NodeConfig {
            cluster: Some(m),
            ..hatchery_tests::config()
        })
        .expect("node starts")
    };
    (node(ma), node(mb))
}

fn pair() -> (CoreNode, CoreNode, Loopback) {
    let (a, b) = two_nodes(b"test cookie");
    let link = Loopback::join(&a, &b).expect("joined");
    (a, b, link)
}

/// The next message from `from` of `kind`.
async fn next_from(me: &NativeProcess, kind: MessageKind, from: Pid) -> hatchery::Message {
    me.recv_match(Some(WAIT), |m| {
        (m.kind == kind && m.sender == from).then(|| m.clone())
    })
    .await
    .expect("alive")
    .expect("a message within the wait")
}

async fn exit_from(me: &NativeProcess, from: Pid) -> ExitReason {
    next_from(me, MessageKind::Exit, from)
        .await
        .reason()
        .expect("an EXIT carries a reason")
}

#[tokio::test]
async fn messages_reach_pids_and_names_on_the_other_node_in_order() {
    let (a, b, _link) = pair();
    let x = a.spawn_native("x").expect("x");
    let y = b.spawn_native("y").expect("y");
    assert_eq!(a.place(y.pid()), Place::There(2));
    assert_eq!(b.place(y.pid()), Place::Here);
    assert_eq!((a.name(), b.name()), ("a", "b"));
    for i in 0..100u32 {
        x.send(y.pid(), i.to_le_bytes().to_vec());
    }
    for i in 0..100u32 {
        let m = next_from(&y, MessageKind::User, x.pid()).await;
        assert_eq!(&*m.data, &i.to_le_bytes(), "per-pair order across nodes");
    }
    b.register("bee", y.pid()).expect("registered");
    a.send_named_at(x.pid(), "bee", "b", b"by name".to_vec())
        .expect("sent");
    let m = next_from(&y, MessageKind::User, x.pid()).await;
    assert_eq!(&*m.data, b"by name");
    // To a name nobody has there, or a node that is not there: dropped, as in Erlang.
    a.send_named_at(x.pid(), "nobody", "b", b"lost".to_vec())
        .expect("dropped quietly");
    a.send_named_at(x.pid(), "bee", "zz", b"lost".to_vec())
        .expect("dropped quietly");
    // This node's own name sends here, and an unknown name here is an error, as locally.
    assert!(
        a.send_named_at(x.pid(), "nobody", "a", b"x".to_vec())
            .is_err()
    );
    // Another node's pids are not forgeries.
    let forged = &a.stats().refused.forged_pids;
    assert_eq!(forged.load(std::sync::atomic::Ordering::Relaxed), 0);
}

#[tokio::test]
async fn links_monitors_and_exit_signals_cross_nodes() {
    let (a, b, _link) = pair();
    let x = a.spawn_native("x").expect("x");
    x.trap_exit(true);
    let y = b.spawn_native("y").expect("y");
    x.link(y.pid()).expect("linked");
    let r = x.monitor(y.pid());
    hatchery_tests::eventually("the link and monitor to reach b", || {
        b.process(y.pid())
            .is_some_and(|p| p.links() == vec![x.pid()])
    })
    .await;
    let ypid = y.pid();
    y.exit(ExitReason::custom("boom"));
    assert_eq!(exit_from(&x, ypid).await, ExitReason::custom("boom"));
    let down = next_from(&x, MessageKind::Down, ypid).await;
    assert_eq!(down.monitor_ref(), Some(r));
    assert_eq!(down.reason(), Some(ExitReason::custom("boom")));
    assert!(a.process(x.pid()).expect("x").links().is_empty());

    // A dead remote pid: the link answers noproc, the monitor DOWN noproc.
    x.link(ypid).expect("sent");
    assert_eq!(exit_from(&x, ypid).await, ExitReason::NoProc);
    x.monitor(ypid);
    assert_eq!(down_of(&x, Some(ypid)).await, ExitReason::NoProc);

    // kill crosses too, and a process that does not trap exits ends with the reason.
    let z = b.spawn_native("z").expect("z");
    let w = b.spawn_native("w").expect("w");
    let watch = b.spawn_native("watch").expect("watch");
    watch.monitor(z.pid());
    watch.monitor(w.pid());
    a.exit_signal(x.pid(), z.pid(), &ExitReason::Normal, true)
        .expect("sent");
    assert_eq!(down_of(&watch, Some(z.pid())).await, ExitReason::Killed);
    a.exit_signal(x.pid(), w.pid(), &ExitReason::custom("go"), false)
        .expect("sent");
    assert_eq!(
        down_of(&watch, Some(w.pid())).await,
        ExitReason::custom("go")
    );

    // A process that ends here tells its links and monitors there.
    let v = a.spawn_native("v").expect("v");
    let u = b.spawn_native("u").expect("u");
    u.trap_exit(true);
    u.link(v.pid()).expect("linked");
    u.monitor(v.pid());
    hatchery_tests::eventually("the link to reach a", || {
        a.process(v.pid())
            .is_some_and(|p| p.links() == vec![u.pid()])
    })
    .await;
    let vpid = v.pid();
    v.exit(ExitReason::custom("bye"));
    assert_eq!(exit_from(&u, vpid).await, ExitReason::custom("bye"));
    assert_eq!(down_of(&u, Some(vpid)).await, ExitReason::custom("bye"));
}

#[tokio::test]
async fn a_broken_connection_fires_noconnection_on_both_sides() {
    let (a, b, link) = pair();
    let x = a.spawn_native("x").expect("x");
    x.trap_exit(true);
    let y = b.spawn_native("y").expect("y");
    y.trap_exit(true);
    let z = b.spawn_native("z").expect("z");
    x.link(y.pid()).expect("linked");
    let r = x.monitor(z.pid());
    // A process that does not trap exits ends with noconnection.
    let plain = b.spawn_native("plain").expect("plain");
    let watch = b.spawn_native("watch").expect("watch");
    watch.monitor(plain.pid());
    plain.link(x.pid()).expect("linked");
    hatchery_tests::eventually("the links to reach both nodes", || {
        b.process(y.pid())
            .is_some_and(|p| p.links() == vec![x.pid()])
            && a.process(x.pid()).is_some_and(|p| p.links().len() == 2)
    })
    .await;
    link.cut();
    assert_eq!(exit_from(&x, y.pid()).await, ExitReason::NoConnection);
    let down = next_from(&x, MessageKind::Down, z.pid()).await;
    assert_eq!(
        (down.monitor_ref(), down.reason()),
        (Some(r), Some(ExitReason::NoConnection))
    );
    assert_eq!(exit_from(&y, x.pid()).await, ExitReason::NoConnection);
    assert_eq!(
        down_of(&watch, Some(plain.pid())).await,
        ExitReason::NoConnection
    );
    // Nothing is left of the links, on either side.
    assert!(a.process(x.pid()).expect("x").links().is_empty());
    assert!(b.process(y.pid()).expect("y").links().is_empty());
    assert!(z.node().process(z.pid()).is_some(), "z itself lives on");

    // While the connection is down a link or monitor fires at once; a message is dropped.
    x.link(z.pid()).expect("answered");
    assert_eq!(exit_from(&x, z.pid()).await, ExitReason::NoConnection);
    x.monitor(z.pid());
    assert_eq!(down_of(&x, Some(z.pid())).await, ExitReason::NoConnection);
    x.send(z.pid(), b"lost".to_vec());
    link.heal();
    x.send(z.pid(), b"after".to_vec());
    let m = next_from(&z, MessageKind::User, x.pid()).await;
    assert_eq!(&*m.data, b"after", "the message sent while cut is lost");
    tokio::time::sleep(Duration::from_millis(1)).await;
}

#[tokio::test]
async fn a_guest_without_signal_any_signals_another_nodes_process_only_when_linked() {
    let (ma, mb) = memberships(b"grants");
    let with = |m| NodeConfig {
        cluster: Some(m),
        ..hatchery_tests::config()
    };
    let a = hatchery_tests::node_with_config(with(ma), &["probe"]);
    let b = hatchery_tests::node_with_config(with(mb), &[]);
    let _link = Loopback::join(&a, &b).expect("joined");
    let me = a.spawn_native("test").expect("native");
    let args = serde_json::json!({ "report_to": me.pid().as_u64() });
    let opts = hatchery::SpawnOpts {
        grants: Some(std::sync::Arc::new(hatchery::Grants::child())),
        ..Default::default()
    };
    let probe = hatchery_tests::Probe {
        pid: me
            .spawn_granted("probe", serde_json::to_vec(&args).expect("json"), opts)
            .expect("spawned")
            .pid,
    };
    let victim = b.spawn_native("victim").expect("victim");
    let watch = b.spawn_native("watch").expect("watch");
    watch.monitor(victim.pid());
    let kill =
        serde_json::json!({"exit_signal": {"to": victim.pid().as_u64(), "reason": "killed"}});
    // Unrelated: refused, as for a local process outside its subtree.
    assert_eq!(probe.run(&me, kill.clone()).await, "noproc");
    assert!(b.process(victim.pid()).is_some(), "the victim lives");
    // Linked: allowed, as locally. The victim's death comes back over the link; trapping
    // it keeps the probe alive to report, which it otherwise raced.
    let trap = serde_json::json!({"trap_exit": true});
    assert_eq!(probe.run(&me, trap).await, false, "it did not trap before");
    let link = serde_json::json!({"link": victim.pid().as_u64()});
    assert_eq!(probe.run(&me, link).await, "ok");
    hatchery_tests::eventually("the link to reach b", || {
        b.process(victim.pid())
            .is_some_and(|p| p.links() == vec![probe.pid])
    })
    .await;
    assert_eq!(probe.run(&me, kill).await, "ok");
    assert_eq!(
        down_of(&watch, Some(victim.pid())).await,
        ExitReason::Killed
    );
}

#[tokio::test]
async fn spawn_on_another_node_links_and_monitors_before_the_child_runs() {
    use hatchery::remote::RemoteSpawnError;
    let (ma, mb) = memberships(b"spawn");
    let with = |m| NodeConfig {
        cluster: Some(m),
        ..hatchery_tests::config()
    };
    let a = hatchery_tests::node_with_config(with(ma), &[]);
    let b = hatchery_tests::node_with_config(with(mb), &["probe"]);
    let link = Loopback::join(&a, &b).expect("joined");
    let x = a.spawn_native("x").expect("x");
    x.trap_exit(true);
    let parent = a.process(x.pid()).expect("x");
    let args =
        serde_json::to_vec(&serde_json::json!({"report_to": x.pid().as_u64()})).expect("json");
    let s = a
        .spawn_at(&parent, "b", "probe", args, true, true)
        .await
        .expect("spawned on b");
    assert_eq!(a.place(s.pid), Place::There(2));
    assert!(b.process(s.pid).is_some(), "the child lives on b");
    let probe = hatchery_tests::Probe { pid: s.pid };
    // It talks back across the nodes, and its grants are a manifest child's.
    assert_eq!(
        probe.run(&x, serde_json::json!({"self": null})).await,
        s.pid.as_u64()
    );
    assert!(!b.process(s.pid).expect("child").grants().signal_any);
    probe.start(&x, serde_json::json!({"exit": {"custom": "boom"}}));
    assert_eq!(exit_from(&x, s.pid).await, ExitReason::custom("boom"));
    let down = next_from(&x, MessageKind::Down, s.pid).await;
    assert_eq!(down.monitor_ref(), s.monitor);
    assert_eq!(down.reason(), Some(ExitReason::custom("boom")));

    // A module the other node has not loaded: a pid that ends at once with undef, which
    // the link reports, as a local spawn does.
    let s = a
        .spawn_at(&parent, "b", "nothing_here", Vec::new(), true, false)
        .await
        .expect("a pid");
    assert!(matches!(exit_from(&x, s.pid).await, ExitReason::Undef(_)));
    // Its own name spawns here; an unknown node, or one cut off, refuses.
    let err = a
        .spawn_at(&parent, "zz", "probe", Vec::new(), true, false)
        .await;
    assert_eq!(err, Err(RemoteSpawnError::NoConnection));
    link.cut();
    let err = a
        .spawn_at(&parent, "b", "probe", Vec::new(), true, false)
        .await;
    assert_eq!(err, Err(RemoteSpawnError::NoConnection));
}

#[tokio::test]
async fn a_guest_spawns_on_another_node_through_the_abi() {
    let (ma, mb) = memberships(b"abi spawn");
    let with = |m| NodeConfig {
        cluster: Some(m),
        ..hatchery_tests::config()
    };
    let a = hatchery_tests::node_with_config(with(ma), &["probe"]);
    let b = hatchery_tests::node_with_config(with(mb), &["probe"]);
    let _link = Loopback::join(&a, &b).expect("joined");
    let me = a.spawn_native("test").expect("native");
    let p = hatchery_tests::Probe::spawn(&me, false, false);
    assert_eq!(
        p.run(&me, serde_json::json!({"trap_exit": true})).await,
        false
    );
    let args = serde_json::json!({"report_to": me.pid().as_u64()});
    let step = serde_json::json!({"spawn": {"module": "probe", "node": "b", "args": args, "link": true, "monitor": true}});
    let r = p.run(&me, step).await;
    let child = Pid(r["pid"].as_u64().expect("a pid"));
    assert!(r["monitor"].as_u64().is_some(), "{r}");
    assert_eq!(a.place(child), Place::There(2));
    assert_eq!(
        b.process(child).expect("on b").links(),
        vec![p.pid],
        "linked before it ran"
    );
    let unknown = serde_json::json!({"spawn": {"module": "probe", "node": "zz"}});
    assert_eq!(p.run(&me, unknown).await, "noproc");
}

#[tokio::test]
async fn node_monitors_see_nodes_come_and_go() {
    let (a, b) = two_nodes(b"node monitors");
    let all = a.spawn_native("all").expect("all");
    a.monitor_nodes(all.pid(), true);
    assert!(a.nodes().is_empty(), "alone before the join");
    let link = Loopback::join(&a, &b).expect("joined");
    assert_eq!(node_event(&all).await, (MessageKind::NodeUp, "b".into()));
    assert_eq!(a.nodes(), vec!["b".to_string()]);
    assert_eq!(b.nodes(), vec!["a".to_string()]);

    // monitor_node: one NODEDOWN per call, used up by its message; a removed one is silent.
    let one = a.spawn_native("one").expect("one");
    a.monitor_node(one.pid(), "b", true).expect("valid name");
    a.monitor_node(one.pid(), "b", true).expect("valid name");
    let removed = a.spawn_native("removed").expect("removed");
    a.monitor_node(removed.pid(), "b", true)
        .expect("valid name");
    a.monitor_node(removed.pid(), "b", false)
        .expect("valid name");
    // This node's own name never fires; a bad name is refused.
    a.monitor_node(one.pid(), "a", true).expect("valid name");
    assert!(a.monitor_node(one.pid(), "", true).is_err());

    // Pids name their node.
    let y = b.spawn_native("y").expect("y");
    assert_eq!(a.pid_node(y.pid()), "b");
    assert_eq!(a.pid_node(one.pid()), "a");
    assert_eq!(a.show_pid(y.pid()), format!("<b.{}>", y.pid().0));
    assert_eq!(a.show_pid(one.pid()), one.pid().to_string());
    assert_eq!(
        a.show_pid(y.pid()).parse::<Pid>(),
        Ok(y.pid()),
        "the printed form reads back"
    );

    link.cut();
    assert_eq!(node_event(&all).await, (MessageKind::NodeDown, "b".into()));
    assert_eq!(node_event(&one).await, (MessageKind::NodeDown, "b".into()));
    assert_eq!(node_event(&one).await, (MessageKind::NodeDown, "b".into()));
    assert!(a.nodes().is_empty());
    // While b is away, a monitor of it fires at once.
    a.monitor_node(removed.pid(), "b", true)
        .expect("valid name");
    assert_eq!(
        node_event(&removed).await,
        (MessageKind::NodeDown, "b".into()),
        "the only message: the removed monitor stayed silent"
    );
    link.heal();
    assert_eq!(node_event(&all).await, (MessageKind::NodeUp, "b".into()));
    assert_eq!(a.nodes(), vec!["b".to_string()]);
    // Nothing else came: the used-up monitors are gone, the watcher of all got two events.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(one.mailbox_len(), 0);
    assert_eq!(removed.mailbox_len(), 0);
}

#[tokio::test]
async fn a_guest_monitors_nodes_and_prints_remote_pids_through_the_abi() {
    let (ma, mb) = memberships(b"abi nodes");
    let with = |m| NodeConfig {
        cluster: Some(m),
        ..hatchery_tests::config()
    };
    let a = hatchery_tests::node_with_config(with(ma), &["probe"]);
    let b = hatchery_tests::node_with_config(with(mb), &["probe"]);
    let me = a.spawn_native("test").expect("native");
    let p = hatchery_tests::Probe::spawn(&me, false, false);
    assert_eq!(
        p.run(&me, serde_json::json!("nodes")).await,
        serde_json::json!([])
    );
    assert_eq!(
        p.run(&me, serde_json::json!({"monitor_nodes": true})).await,
        "ok"
    );
    let step = serde_json::json!({"monitor_node": {"node": "b"}});
    assert_eq!(p.run(&me, step.clone()).await, "ok");
    let nodedown = serde_json::json!({"recv": {"kind": "nodedown", "timeout_ms": 10_000}});
    assert_eq!(
        p.run(&me, nodedown.clone()).await,
        serde_json::json!({"kind": "nodedown", "node": "b"}),
        "b is not connected yet: at once"
    );
    let link = Loopback::join(&a, &b).expect("joined");
    let nodeup = serde_json::json!({"recv": {"kind": "nodeup", "timeout_ms": 10_000}});
    assert_eq!(
        p.run(&me, nodeup).await,
        serde_json::json!({"kind": "nodeup", "node": "b"})
    );
    assert_eq!(
        p.run(&me, serde_json::json!("nodes")).await,
        serde_json::json!(["b"])
    );
    let y = b.spawn_native("y").expect("y");
    let shown = p.run(&me, serde_json::json!({"show_pid": y.pid()})).await;
    let printed = format!("<b.{}>", y.pid().0);
    assert_eq!(shown, serde_json::json!({"shown": printed, "node": "b"}));
    let own = p.run(&me, serde_json::json!({"show_pid": p.pid})).await;
    let printed = format!("<0.{}>", p.pid.0);
    assert_eq!(own, serde_json::json!({"shown": printed, "node": "a"}));
    assert_eq!(p.run(&me, step).await, "ok");
    let bad = serde_json::json!({"monitor_node": {"node": ""}});
    assert_eq!(p.run(&me, bad).await, "bad_name");
    link.cut();
    // Two NODEDOWNs: one for monitor_nodes, one for the monitor of b.
    for _ in 0..2 {
        assert_eq!(
            p.run(&me, nodedown.clone()).await,
            serde_json::json!({"kind": "nodedown", "node": "b"})
        );
    }
}
