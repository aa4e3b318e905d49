//! The messenger of `../shared/reference/messenger-seed.txt` running as Wasm processes on
//! one node: the single-node scenarios of the thesis digest §3.2 (2, 4–10, 14–18, 21).
//! Client processes stand in for users; each registers as `mess_client@<node>`.

use std::time::{Duration, Instant};

use hatchery::{ExitReason, MessageKind, NativeProcess, Node, Pid};
use hatchery_tests::{Probe, WAIT, eventually, node_with, recv_json_where};
use serde_json::{Value, json};

struct World {
    node: Node,
    me: NativeProcess,
    server: Pid,
}

fn n(p: Pid) -> u64 {
    p.as_u64()
}

async fn world() -> World {
    let node = node_with(&["messenger_server", "messenger_client", "probe"]);
    let me = node.spawn_native("test").expect("native");
    let server = me
        .spawn_json(
            "messenger_server",
            &json!({"observer": n(me.pid())}),
            false,
            true,
        )
        .expect("server")
        .pid;
    recv_json_where(&me, |v| v["server"] == "messenger" && v["event"] == "ready").await;
    assert_eq!(node.whereis("messenger"), Some(server));
    World { node, me, server }
}

impl World {
    fn client(&self, name: &str, node: &str) -> Pid {
        self.client_with(json!({"name": name, "node": node}))
    }

    /// Starts a client and waits until the server has logged it on.
    async fn logged_on(&self, name: &str, node: &str) -> Pid {
        let pid = self.client(name, node);
        assert_eq!(self.event(name).await, "logged_on");
        pid
    }

    fn client_with(&self, mut args: Value) -> Pid {
        args["observer"] = json!(n(self.me.pid()));
        self.me
            .spawn_json("messenger_client", &args, false, true)
            .expect("client")
            .pid
    }

    async fn event(&self, client: &str) -> Value {
        recv_json_where(&self.me, |v| v["client"] == client).await["event"].clone()
    }

    async fn users(&self) -> Vec<(u64, String)> {
        self.me.send_json(
            self.server,
            &json!({"list_users": {"from": n(self.me.pid())}}),
        );
        let v = recv_json_where(&self.me, |v| v.get("users").is_some()).await;
        serde_json::from_value(v["users"].clone()).expect("[[pid, name], ...]")
    }

    /// Messages the server has accepted so far.
    fn server_received(&self) -> u64 {
        let server = self.node.process(self.server).expect("the server is alive");
        server
            .counters
            .received
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn down(&self, pid: Pid) -> ExitReason {
        self.me
            .recv_match(Some(WAIT), |m| {
                (m.kind == MessageKind::Down && m.sender == pid).then(|| m.clone())
            })
            .await
            .expect("alive")
            .expect("DOWN")
            .reason()
            .expect("reason")
    }

    fn output(&self, pid: Pid) -> Vec<String> {
        match self.node.process(pid) {
            Some(p) => p.output().into_iter().map(|l| l.text).collect(),
            None => self
                .node
                .exit_record(pid)
                .map(|r| r.output.into_iter().map(|l| l.text).collect())
                .unwrap_or_default(),
        }
    }
}

/// Scenario 2: logon succeeds; the server replies, links, and records the user.
#[tokio::test]
async fn s2_successful_logon() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    assert_eq!(w.node.whereis("mess_client@a"), Some(alice));
    assert_eq!(w.users().await, vec![(n(alice), "alice".to_string())]);
    assert!(
        w.node
            .process(w.server)
            .expect("server")
            .links()
            .contains(&alice),
        "the server linked the client"
    );
    assert!(w.output(alice).contains(&"logged_on".to_string()));
}

/// Scenario 4: a duplicate name is refused without a link; the client exits normal and its
/// node's `mess_client` is free again.
#[tokio::test]
async fn s4_duplicate_name_is_refused() {
    let w = world().await;
    let first = w.logged_on("alice", "a").await;
    let dup = w.client("alice", "c");
    assert_eq!(
        w.event("alice").await,
        json!({"stop": "user_exists_at_other_node"})
    );
    assert_eq!(w.down(dup).await, ExitReason::Normal);
    assert_eq!(w.users().await, vec![(n(first), "alice".to_string())]);
    assert!(
        !w.node
            .process(w.server)
            .expect("server")
            .links()
            .contains(&dup),
        "no link to the refused client"
    );
    assert_eq!(w.node.whereis("mess_client@c"), None);
    let carol = w.client("carol", "c");
    assert_eq!(
        w.event("carol").await,
        "logged_on",
        "a free name from that node now succeeds"
    );
    assert_eq!(w.node.whereis("mess_client@c"), Some(carol));
}

/// Scenario 5: with no client on a node, `message/2` finds no `mess_client` and sends nothing.
#[tokio::test]
async fn s5_message_when_not_logged_on() {
    let w = world().await;
    let p = Probe::spawn(&w.me, false, false);
    let received_before = w.server_received();
    assert_eq!(
        p.run(&w.me, json!({"whereis": "mess_client@z"})).await,
        Value::Null
    );
    assert_eq!(p.run(&w.me, json!({"send_named": {"to": "mess_client@z", "msg": {"message_to": {"to": "bob", "message": "hi"}}}})).await, "not_registered");
    let received_after = w.server_received();
    assert_eq!(
        received_before, received_after,
        "nothing reached the server"
    );
}

/// Scenario 6: a message to a logged-on user is delivered, the sender hears `sent`.
#[tokio::test]
async fn s6_message_to_a_logged_on_user() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    let bob = w.logged_on("bob", "b").await;
    w.me.send_json(
        alice,
        &json!({"message_to": {"to": "bob", "message": "hi"}}),
    );
    assert_eq!(
        w.event("bob").await,
        json!({"message_from": {"name": "alice", "message": "hi"}})
    );
    assert_eq!(w.event("alice").await, "sent");
    eventually("bob prints the message", || {
        w.output(bob)
            .contains(&"Message from alice: hi".to_string())
    })
    .await;
    eventually("the server prints its list", || {
        w.output(w.server)
            .iter()
            .any(|l| l.starts_with("list is now:"))
    })
    .await;
}

/// Scenario 7: a message to an unknown user: `receiver_not_found`, still logged on.
#[tokio::test]
async fn s7_message_to_an_unknown_user() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    w.me.send_json(
        alice,
        &json!({"message_to": {"to": "nobody", "message": "hello?"}}),
    );
    assert_eq!(w.event("alice").await, "receiver_not_found");
    assert_eq!(w.users().await, vec![(n(alice), "alice".to_string())]);
    assert!(w.node.process(alice).is_some(), "alice stays logged on");
}

/// Scenario 8: a sender the server does not know is told to stop; a real client exits normal.
#[tokio::test]
async fn s8_sender_not_known_to_the_server() {
    let w = world().await;
    let p = Probe::spawn(&w.me, false, false);
    let msg = json!({"message_to": {"from": n(p.pid), "to": "bob", "message": "hi"}});
    assert_eq!(
        p.run(
            &w.me,
            json!({"send_named": {"to": "messenger", "msg": msg}})
        )
        .await,
        "ok"
    );
    let got = p
        .run(
            &w.me,
            json!({"recv": {"timeout_ms": 30000, "kind": "user"}}),
        )
        .await;
    assert_eq!(
        got["data"],
        json!({"messenger": {"stop": "you_are_not_logged_on"}})
    );
    let ghost = w.client_with(json!({"name": "ghost", "node": "g", "logon": false}));
    w.me.send_json(
        ghost,
        &json!({"message_to": {"to": "bob", "message": "hi"}}),
    );
    assert_eq!(
        w.event("ghost").await,
        json!({"stop": "you_are_not_logged_on"})
    );
    assert_eq!(w.down(ghost).await, ExitReason::Normal);
}

/// Scenario 9: logoff; the trapping, linked server gets `{'EXIT', Pid, normal}` and forgets
/// the user; the name and `mess_client` can be reused.
#[tokio::test]
async fn s9_logoff() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    w.me.send_json(alice, &json!("logoff"));
    assert_eq!(w.down(alice).await, ExitReason::Normal);
    let exit = recv_json_where(&w.me, |v| {
        v["server"] == "messenger" && v["event"].get("exit").is_some()
    })
    .await;
    assert_eq!(
        exit["event"]["exit"],
        json!({"pid": n(alice), "reason": "normal"})
    );
    assert!(w.users().await.is_empty());
    assert_eq!(w.node.whereis("mess_client@a"), None);
    let again = w.logged_on("alice", "a").await;
    assert_eq!(w.users().await, vec![(n(again), "alice".to_string())]);
}

/// Scenario 10: a client crashes; the server removes that user and keeps serving others.
#[tokio::test]
async fn s10_client_crash() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    let bob = w.logged_on("bob", "b").await;
    w.node
        .exit_signal(w.me.pid(), alice, &ExitReason::Killed, true)
        .expect("alive");
    assert_eq!(w.down(alice).await, ExitReason::Killed);
    let exit = recv_json_where(&w.me, |v| {
        v["server"] == "messenger" && v["event"].get("exit").is_some()
    })
    .await;
    assert_eq!(exit["event"]["exit"]["reason"], "killed");
    assert_eq!(w.users().await, vec![(n(bob), "bob".to_string())]);
    w.me.send_json(
        bob,
        &json!({"message_to": {"to": "bob", "message": "still here"}}),
    );
    // Bob writes to himself: the `sent` reply is taken by await_result's selective receive
    // first, even though the server sent `message_from` before it.
    assert_eq!(w.event("bob").await, "sent");
    assert_eq!(
        w.event("bob").await,
        json!({"message_from": {"name": "bob", "message": "still here"}})
    );
}

/// Scenario 14: no server: after 5 s the client prints `No response from server` and exits
/// with `timeout`; nobody else is told.
#[tokio::test]
async fn s14_timeout_at_logon() {
    let w = world().await;
    let start = Instant::now();
    let lost = w.client_with(json!({"name": "lost", "node": "l", "server": "no_server_here"}));
    assert_eq!(w.event("lost").await, "no_response");
    assert_eq!(w.down(lost).await, ExitReason::custom("timeout"));
    assert!(
        start.elapsed() >= Duration::from_secs(5),
        "the 5 s `after` never fires early"
    );
    assert!(
        w.output(lost)
            .contains(&"No response from server".to_string())
    );
    assert_eq!(w.node.whereis("mess_client@l"), None);
}

/// A stand-in server played by the test process, for the scenarios where the real server
/// must stay silent.
async fn fake_server(w: &World, name: &str, client: &str) -> Pid {
    w.node
        .register(name, w.me.pid())
        .expect("register the fake server");
    w.me.trap_exit(true);
    let c = w.client_with(json!({"name": client, "node": client, "server": name}));
    let logon = recv_json_where(&w.me, |v| v.get("logon").is_some()).await;
    assert_eq!(logon["logon"]["from"], json!(n(c)));
    w.me.send_json(c, &json!({"messenger": "logged_on"}));
    w.me.link(c).expect("link the client");
    assert_eq!(w.event(client).await, "logged_on");
    c
}

/// Scenario 15: the server does not answer a `message_to` within 5 s: the linked client
/// exits `timeout`, the server sees the EXIT, and a late reply is dropped.
#[tokio::test]
async fn s15_timeout_after_message_to() {
    let w = world().await;
    let c = fake_server(&w, "slow_server", "dave").await;
    let start = Instant::now();
    w.me.send_json(
        c,
        &json!({"message_to": {"to": "erin", "message": "anyone?"}}),
    );
    recv_json_where(&w.me, |v| v.get("message_to").is_some()).await;
    assert_eq!(w.event("dave").await, "no_response");
    let exit_reason = hatchery_tests::exit_from(&w.me, c).await;
    assert_eq!(exit_reason, ExitReason::custom("timeout"));
    assert!(start.elapsed() >= Duration::from_secs(5));
    let dropped = w
        .node
        .stats()
        .dropped_dead
        .load(std::sync::atomic::Ordering::Relaxed);
    w.me.send_json(c, &json!({"messenger": "sent"}));
    assert_eq!(
        w.node
            .stats()
            .dropped_dead
            .load(std::sync::atomic::Ordering::Relaxed),
        dropped + 1,
        "the late reply is dropped"
    );
}

/// Scenario 16: the client is dead before the server links it: the server gets
/// `{'EXIT', From, noproc}` and removes the entry it just added.
#[tokio::test]
async fn s16_client_dies_before_the_link() {
    let w = world().await;
    let p = Probe::spawn(&w.me, false, true);
    p.start(&w.me, json!({"exit": "normal"}));
    assert_eq!(w.down(p.pid).await, ExitReason::Normal);
    w.me.send_json(
        w.server,
        &json!({"logon": {"from": n(p.pid), "name": "zombie"}}),
    );
    let logon = recv_json_where(&w.me, |v| {
        v["server"] == "messenger" && v["event"].get("logon").is_some()
    })
    .await;
    assert_eq!(logon["event"]["logon"]["result"], "logged_on");
    let exit = recv_json_where(&w.me, |v| {
        v["server"] == "messenger" && v["event"].get("exit").is_some()
    })
    .await;
    assert_eq!(
        exit["event"]["exit"],
        json!({"pid": n(p.pid), "reason": "noproc"})
    );
    assert!(
        w.users().await.is_empty(),
        "the final state is: not logged on"
    );
}

/// Scenario 17: while the client waits in `await_result`, a `message_from` and a `logoff`
/// arrive; they are not consumed by that receive and are handled, in order, afterwards.
#[tokio::test]
async fn s17_selective_receive_keeps_other_messages() {
    let w = world().await;
    let c = fake_server(&w, "fake_server", "frank").await;
    w.me.send_json(
        c,
        &json!({"message_to": {"to": "gina", "message": "hello"}}),
    );
    recv_json_where(&w.me, |v| v.get("message_to").is_some()).await;
    w.me.send_json(
        c,
        &json!({"message_from": {"name": "gina", "message": "early"}}),
    );
    w.me.send_json(c, &json!("logoff"));
    eventually("both are queued", || {
        w.node.process(c).is_some_and(|p| p.mailbox.len() == 2)
    })
    .await;
    w.me.send_json(c, &json!({"messenger": "sent"}));
    assert_eq!(w.event("frank").await, "sent");
    assert_eq!(
        w.event("frank").await,
        json!({"message_from": {"name": "gina", "message": "early"}})
    );
    let exit_reason = hatchery_tests::exit_from(&w.me, c).await;
    assert_eq!(
        exit_reason,
        ExitReason::Normal,
        "then logoff ends it normally"
    );
}

/// Scenario 18: an unknown message stays in the server's mailbox; the server keeps serving.
#[tokio::test]
async fn s18_unknown_message_to_the_server_stays_queued() {
    let w = world().await;
    for i in 0..3 {
        w.me.send_json(w.server, &json!({"what_is_this": i}));
    }
    assert!(w.users().await.is_empty(), "the server still answers");
    let server = w.node.process(w.server).expect("server alive");
    assert_eq!(
        server.mailbox.len(),
        3,
        "the unknown messages stay queued (App B §5.8 calls this a bug)"
    );
    let alice = w.logged_on("alice", "a").await;
    assert_eq!(w.users().await, vec![(n(alice), "alice".to_string())]);
    assert_eq!(server.mailbox.len(), 3);
}

/// Scenario 21: several messages from alice to bob arrive in order.
#[tokio::test]
async fn s21_pairwise_fifo() {
    let w = world().await;
    let alice = w.logged_on("alice", "a").await;
    let _bob = w.logged_on("bob", "b").await;
    for i in 0..10 {
        w.me.send_json(alice, &json!({"message_to": {"to": "bob", "message": i}}));
    }
    for i in 0..10 {
        let e = w.event("bob").await;
        assert_eq!(e, json!({"message_from": {"name": "alice", "message": i}}));
    }
}
