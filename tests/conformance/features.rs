//! The features of the conformance suite: the same assertions for every language. Each one
//! spawns its own guests on the language's node and talks to them through the protocol.

use std::time::{Duration, Instant};

use hatchery::{ExitReason, LoadCause, NodeEvent, Pid};
use serde_json::{Value, json};

use crate::Ctx;
use crate::driver::{Cmd, err, kind, op};

/// What a feature found.
pub type Outcome = Result<(), String>;

/// Fails the feature with a message unless `cond` holds.
macro_rules! check {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+));
        }
    };
}

/// Fails unless `got == want`, naming what was compared.
macro_rules! check_eq {
    ($got:expr, $want:expr, $what:expr) => {{
        let (got, want) = (&$got, &$want);
        if got != want {
            return Err(format!("{}: got {:?}, want {:?}", $what, got, want));
        }
    }};
}

/// Every feature, in table order: its column name and what it checks.
pub const FEATURES: &[(&str, &str)] = &[
    (
        "spawn",
        "spawn a child with arguments; self, parent and args as the child sees them",
    ),
    (
        "spawn_link",
        "spawn_link: the child's exit reaches the parent (as EXIT, or ending it)",
    ),
    (
        "spawn_monitor",
        "spawn_monitor: DOWN with the reference; an unknown module gives undef",
    ),
    (
        "send",
        "send exact bytes; a send to a dead pid is dropped and returns 0",
    ),
    (
        "send_named",
        "send to a registered name; not_registered and bad_name",
    ),
    (
        "send_named_at",
        "send to a name on a node: on this node's own name (nonode) as send_named, to another node 0 (dropped); node_name",
    ),
    (
        "nodes",
        "a node alone: nodes is empty, pid_node is nonode (own pids, others, numbers never handed out), a pid prints <0.N>",
    ),
    (
        "monitor_node",
        "monitor_node of a node not connected: one NODEDOWN per call, at once; the node's own name never fires; bad_name, bad_arg; monitor_nodes",
    ),
    (
        "spawn_at",
        "spawn_at on the node's own name spawns here (args, parent, linked, monitored); another node: noproc; bad_name",
    ),
    (
        "selective_receive",
        "receive by pattern leaves other messages queued in order; recv/take by index",
    ),
    (
        "timeouts",
        "receive timeouts of 0, finite (with and without an arrival) and infinite",
    ),
    (
        "links",
        "link, unlink, exit reasons over links, linking a dead pid (noproc)",
    ),
    (
        "trap_exit",
        "trap_exit returns the previous flag; EXIT messages, normal included",
    ),
    (
        "kill",
        "exit signals: kill cannot be trapped; custom reasons trapped or fatal; normal ignored",
    ),
    (
        "monitors",
        "monitor, DOWN with reasons, noproc, demonitor, demonitor with flush",
    ),
    (
        "forged_pids",
        "a pid the node never handed out: send drops, exit_signal and link noproc, DOWN noproc; each counted and said",
    ),
    (
        "names",
        "register, whereis, unregister and their errors; a name is freed on exit",
    ),
    (
        "timers",
        "send_after delivers from the caller; cancel_timer returns the time left",
    ),
    ("exit", "exit with normal, shutdown and custom reasons"),
    (
        "call_cast",
        "a behaviour answers call, cast and info (NODEDOWN included); the SDK's call and cast as a client",
    ),
    (
        "upgrade",
        "hot swap v1 -> v2 of the behaviour keeps its pid and state",
    ),
    (
        "bad_pointer",
        "a pointer outside memory ends only that process, with trap",
    ),
    (
        "crash",
        "the language's own crash ends the process with trap",
    ),
    ("output", "standard output is captured per process"),
];

/// Runs one feature.
pub async fn run(ctx: &Ctx, feature: &str) -> Outcome {
    match feature {
        "spawn" => spawn(ctx).await,
        "spawn_link" => spawn_link(ctx).await,
        "spawn_monitor" => spawn_monitor(ctx).await,
        "send" => send(ctx).await,
        "send_named" => send_named(ctx).await,
        "send_named_at" => send_named_at(ctx).await,
        "nodes" => nodes(ctx).await,
        "monitor_node" => monitor_node(ctx).await,
        "spawn_at" => spawn_at(ctx).await,
        "selective_receive" => selective_receive(ctx).await,
        "timeouts" => timeouts(ctx).await,
        "links" => links(ctx).await,
        "trap_exit" => trap_exit(ctx).await,
        "kill" => kill(ctx).await,
        "monitors" => monitors(ctx).await,
        "forged_pids" => forged_pids(ctx).await,
        "names" => names(ctx).await,
        "timers" => timers(ctx).await,
        "exit" => exit(ctx).await,
        "call_cast" => call_cast(ctx).await,
        "upgrade" => upgrade(ctx).await,
        "bad_pointer" => bad_pointer(ctx).await,
        "crash" => crash(ctx).await,
        "output" => output(ctx).await,
        other => Err(format!("no feature {other}")),
    }
}

fn custom(s: &str) -> Vec<u8> {
    ExitReason::custom(s).encode()
}

/// The `DOWN` data a guest reports: the reference, then the reason.
fn down_data(reference: i64, reason: &ExitReason) -> Vec<u8> {
    let mut d = reference.to_le_bytes().to_vec();
    d.extend_from_slice(&reason.encode());
    d
}

async fn spawn(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"parent-args")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::SELF)).await?.r,
        g.as_u64() as i64,
        "self"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::PARENT)).await?.r,
        ctx.me.pid().as_u64() as i64,
        "parent of a guest the harness spawned"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::ARGS)).await?.data,
        b"parent-args".to_vec(),
        "args"
    );
    let r = ctx
        .run(
            g,
            Cmd::new(op::SPAWN)
                .s1(ctx.module())
                .s2(b"child \x00\xffargs"),
        )
        .await?;
    check!(r.r > 0, "spawn returned {}", r.r);
    check_eq!(r.x, 0, "the monitor reference without the monitor flag");
    let child = ctx.adopt(Pid(r.r as u64));
    check_eq!(
        ctx.run(child, Cmd::new(op::SELF)).await?.r,
        r.r,
        "the child's self"
    );
    check_eq!(
        ctx.run(child, Cmd::new(op::PARENT)).await?.r,
        g.as_u64() as i64,
        "the child's parent"
    );
    check_eq!(
        ctx.run(child, Cmd::new(op::ARGS)).await?.data,
        b"child \x00\xffargs".to_vec(),
        "the child's args"
    );
    let bad = ctx.run(g, Cmd::new(op::SPAWN).s1("")).await?;
    check_eq!(bad.r, -9, "spawn with an empty module name (bad_name)");
    Ok(())
}

async fn spawn_link(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?.r,
        0,
        "trap_exit(1)"
    );
    let r = ctx
        .run(g, Cmd::new(op::SPAWN).a(1).s1(ctx.module()))
        .await?;
    check!(r.r > 0, "spawn_link returned {}", r.r);
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("bye"));
    let e = ctx.run(g, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(e.r, 0, "an EXIT message within 30 s");
    check_eq!((e.x, e.y), (1, r.r), "kind and sender of the EXIT message");
    check_eq!(e.data, custom("bye"), "the EXIT message's reason");
    // Not trapping: the child's abnormal exit ends the parent with the same reason.
    let g2 = ctx.guest(b"")?;
    let r = ctx
        .run(g2, Cmd::new(op::SPAWN).a(1).s1(ctx.module()))
        .await?;
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("boom"));
    check_eq!(
        ctx.ended(g2).await?,
        ExitReason::custom("boom"),
        "the linked parent's reason"
    );
    Ok(())
}

async fn spawn_monitor(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let r = ctx
        .run(g, Cmd::new(op::SPAWN).a(2).s1(ctx.module()))
        .await?;
    check!(
        r.r > 0 && r.x > 0,
        "spawn_monitor returned pid {} ref {}",
        r.r,
        r.x
    );
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(0));
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(30_000)).await?;
    check_eq!(d.r, 0, "a DOWN message within 30 s");
    check_eq!((d.x, d.y), (2, r.r), "kind and sender of the DOWN message");
    check_eq!(
        d.data,
        down_data(r.x, &ExitReason::Normal),
        "the DOWN message's reference and reason"
    );
    // A module that is not loaded: still a pid, then DOWN with undef.
    let r = ctx
        .run(g, Cmd::new(op::SPAWN).a(2).s1("no_such_module"))
        .await?;
    check!(
        r.r > 0,
        "spawn of an unknown module returned {} (it must still give a pid)",
        r.r
    );
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(30_000)).await?;
    check_eq!(d.r, 0, "the DOWN of the unknown module's child");
    check!(
        d.data.len() > 9 && d.data[..8] == r.x.to_le_bytes() && d.data[8] == 8,
        "DOWN with reason undef, got {:?}",
        d.data
    );
    Ok(())
}

async fn send(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let me = ctx.me.pid();
    let bytes = b"hello \x00\xff\x01 world".to_vec();
    check_eq!(
        ctx.run(g, Cmd::new(op::SEND).pid(me).s1(&bytes)).await?.r,
        0,
        "send"
    );
    check_eq!(ctx.user_from(g).await?, bytes, "the bytes sent");
    let empty = ctx.run(g, Cmd::new(op::SEND).pid(me)).await?;
    check_eq!(empty.r, 0, "sending an empty message");
    check_eq!(
        ctx.user_from(g).await?,
        Vec::<u8>::new(),
        "the empty message"
    );
    let dead = ctx.dead_pid().await?;
    let before = ctx
        .node
        .stats()
        .dropped_dead
        .load(std::sync::atomic::Ordering::Relaxed);
    check_eq!(
        ctx.run(g, Cmd::new(op::SEND).pid(dead).s1("x")).await?.r,
        0,
        "send to a dead pid"
    );
    let after = ctx
        .node
        .stats()
        .dropped_dead
        .load(std::sync::atomic::Ordering::Relaxed);
    check!(after > before, "a send to a dead pid is counted as dropped");
    // From the harness to the guest: exactly the bytes, with the harness as sender.
    ctx.me.send(g, bytes.clone());
    let r = ctx.run(g, Cmd::new(op::RECV).a(0).b(30_000)).await?;
    check_eq!(
        (r.r, r.x, r.y),
        (bytes.len() as i64, 0, me.as_u64() as i64),
        "recv: size, kind, sender"
    );
    check_eq!(r.data, bytes, "the bytes received");
    Ok(())
}

async fn send_named(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let name = ctx.name("harness");
    ctx.node
        .register(&name, ctx.me.pid())
        .map_err(|e| format!("registering the harness: {e:?}"))?;
    let r = ctx
        .run(g, Cmd::new(op::SEND_NAMED).s1(&name).s2("by name"))
        .await?;
    check_eq!(r.r, 0, "send_named");
    check_eq!(
        ctx.user_from(g).await?,
        b"by name".to_vec(),
        "the bytes sent by name"
    );
    let r = ctx
        .run(g, Cmd::new(op::SEND_NAMED).s1(ctx.name("nobody")).s2("x"))
        .await?;
    check_eq!(r.r, err::NOT_REGISTERED, "send_named to a free name");
    let r = ctx.run(g, Cmd::new(op::SEND_NAMED).s1("").s2("x")).await?;
    check_eq!(r.r, err::BAD_NAME, "send_named to an empty name");
    Ok(())
}

/// A `send_named_at` command: `s1` is the name then the node, `a` the name's length.
fn named_at(name: &str, node: &str, bytes: &str) -> Cmd {
    Cmd::new(op::SEND_NAMED_AT)
        .a(name.len() as i64)
        .s1(format!("{name}{node}"))
        .s2(bytes)
}

/// The test nodes run alone, and a node alone is called `nonode`.
const HERE: &str = "nonode";

async fn send_named_at(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let r = ctx.run(g, Cmd::new(op::NODE_NAME)).await?;
    check_eq!(r.text(), HERE, "node_name");
    check_eq!(r.r, HERE.len() as i64, "node_name's size");
    let name = ctx.name("harness");
    ctx.node
        .register(&name, ctx.me.pid())
        .map_err(|e| format!("registering the harness: {e:?}"))?;
    let r = ctx.run(g, named_at(&name, HERE, "by name here")).await?;
    check_eq!(r.r, 0, "send_named_at to this node");
    check_eq!(
        ctx.user_from(g).await?,
        b"by name here".to_vec(),
        "the bytes sent by name to this node"
    );
    let r = ctx.run(g, named_at(&ctx.name("nobody"), HERE, "x")).await?;
    check_eq!(
        r.r,
        err::NOT_REGISTERED,
        "send_named_at to a free name on this node"
    );
    let dropped = || {
        ctx.node
            .stats()
            .dropped_dead
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = dropped();
    let r = ctx.run(g, named_at(&name, "elsewhere", "lost")).await?;
    check_eq!(r.r, 0, "send_named_at to another node (not connected)");
    check!(
        dropped() > before,
        "a send to a node that is not connected is counted as dropped"
    );
    let r = ctx.run(g, named_at("", HERE, "x")).await?;
    check_eq!(r.r, err::BAD_NAME, "send_named_at to an empty name");
    let r = ctx.run(g, named_at(&name, "", "x")).await?;
    check_eq!(r.r, err::BAD_NAME, "send_named_at to an empty node name");
    // Only the first message reached the harness: the one to another node is gone.
    let r = ctx
        .run(g, Cmd::new(op::SEND).pid(ctx.me.pid()).s1("marker"))
        .await?;
    check_eq!(r.r, 0, "send");
    check_eq!(
        ctx.user_from(g).await?,
        b"marker".to_vec(),
        "nothing but the first send by name arrived"
    );
    Ok(())
}

async fn nodes(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let r = ctx.run(g, Cmd::new(op::NODES)).await?;
    check_eq!((r.r, r.text()), (0, String::new()), "nodes of a node alone");
    let r = ctx.run(g, Cmd::new(op::PID_NODE).pid(g)).await?;
    check_eq!(
        (r.r, r.text()),
        (HERE.len() as i64, HERE.to_string()),
        "pid_node of its own pid"
    );
    let r = ctx.run(g, Cmd::new(op::PID_NODE).pid(ctx.me.pid())).await?;
    check_eq!(r.text(), HERE, "pid_node of another process of the node");
    let never = (1..)
        .map(|n| Pid(g.as_u64() + n))
        .find(|p| !ctx.node.issued(*p))
        .expect("a number the node never handed out");
    let r = ctx.run(g, Cmd::new(op::PID_NODE).pid(never)).await?;
    check_eq!(r.text(), HERE, "pid_node of a number never handed out");
    for (pid, what) in [(g, "its own pid"), (ctx.me.pid(), "the harness's pid")] {
        let r = ctx.run(g, Cmd::new(op::PID_STRING).pid(pid)).await?;
        let want = format!("<0.{}>", pid.as_u64());
        check_eq!(r.text(), want, format!("the printed form of {what}"));
        check_eq!(
            r.r,
            want.len() as i64,
            format!("the size of {what}'s printed form")
        );
        check_eq!(
            r.text(),
            pid.to_string(),
            "the printed form, as the host prints it"
        );
    }
    Ok(())
}

/// A `monitor_node` command.
fn monitor_node_cmd(node: &str, flag: i64) -> Cmd {
    Cmd::new(op::MONITOR_NODE).s1(node).a(flag)
}

async fn monitor_node(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let r = ctx.run(g, monitor_node_cmd("elsewhere", 1)).await?;
    check_eq!(r.r, 0, "monitor_node of a node that is not connected");
    let r = ctx.run(g, Cmd::new(op::RECV).a(0).b(30_000)).await?;
    check_eq!(
        (r.r, r.x, r.y, r.text()),
        (9, kind::NODEDOWN, 0, "elsewhere".to_string()),
        "recv: the NODEDOWN's size, kind, sender and node"
    );
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(0).b(0)).await?;
    check_eq!(
        r.r,
        err::TIMEOUT,
        "a receive of user messages leaves the NODEDOWN"
    );
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(-1).b(0)).await?;
    check_eq!(
        (r.r, r.x, r.y, r.text()),
        (0, kind::NODEDOWN, 0, "elsewhere".to_string()),
        "a receive of any message takes the NODEDOWN"
    );
    // Each call is one monitor, and its message uses it up.
    for _ in 0..2 {
        let r = ctx.run(g, monitor_node_cmd("elsewhere", 1)).await?;
        check_eq!(r.r, 0, "monitor_node again");
    }
    for n in ["first", "second"] {
        let d = ctx
            .run(g, Cmd::new(op::RECEIVE).a(kind::NODEDOWN).b(30_000))
            .await?;
        check_eq!(
            (d.r, d.x, d.text()),
            (0, kind::NODEDOWN, "elsewhere".to_string()),
            format!("the {n} NODEDOWN of two monitors")
        );
    }
    // This node's own name never fires, and taking monitors away sends nothing.
    let r = ctx.run(g, monitor_node_cmd(HERE, 1)).await?;
    check_eq!(r.r, 0, "monitor_node of the node's own name");
    let r = ctx.run(g, monitor_node_cmd(HERE, 0)).await?;
    check_eq!(r.r, 0, "monitor_node off, of the node's own name");
    let r = ctx.run(g, monitor_node_cmd("elsewhere", 0)).await?;
    check_eq!(r.r, 0, "monitor_node off, with no monitor left");
    let r = ctx
        .run(g, Cmd::new(op::RECEIVE).a(kind::NODEDOWN).b(200))
        .await?;
    check_eq!(
        (r.r, r.text()),
        (err::TIMEOUT, String::new()),
        "no NODEDOWN for the node's own name or a monitor taken away"
    );
    let r = ctx.run(g, monitor_node_cmd("", 1)).await?;
    check_eq!(r.r, err::BAD_NAME, "monitor_node of an empty name");
    let r = ctx.run(g, monitor_node_cmd(&"x".repeat(256), 1)).await?;
    check_eq!(r.r, err::BAD_NAME, "monitor_node of a 256-byte name");
    let r = ctx.run(g, monitor_node_cmd("elsewhere", 2)).await?;
    check_eq!(r.r, err::BAD_ARG, "monitor_node with flag 2");
    // monitor_nodes: on a node alone no node comes or goes.
    let r = ctx.run(g, Cmd::new(op::MONITOR_NODES).a(1)).await?;
    check_eq!(r.r, 0, "monitor_nodes(1)");
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(-1).b(100)).await?;
    check_eq!(r.r, err::TIMEOUT, "no NODEUP or NODEDOWN on a node alone");
    let r = ctx.run(g, Cmd::new(op::MONITOR_NODES).a(0)).await?;
    check_eq!(r.r, 0, "monitor_nodes(0)");
    let r = ctx.run(g, Cmd::new(op::MONITOR_NODES).a(7)).await?;
    check_eq!(r.r, err::BAD_ARG, "monitor_nodes(7)");
    check_eq!(
        ctx.run(g, Cmd::new(op::MAILBOX_LEN)).await?.r,
        0,
        "the mailbox at the end"
    );
    Ok(())
}

/// A `spawn_at` command: `s1` is the node then the module, `a` the node's length.
fn spawn_at_cmd(node: &str, module: &str, flags: i64, args: &str) -> Cmd {
    Cmd::new(op::SPAWN_AT)
        .a(node.len() as i64)
        .b(flags)
        .s1(format!("{node}{module}"))
        .s2(args)
}

async fn spawn_at(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let module = ctx.module();
    let r = ctx
        .run(g, spawn_at_cmd(HERE, &module, 0, "child \u{1F331} args"))
        .await?;
    check!(r.r > 0, "spawn_at on the node's own name returned {}", r.r);
    check_eq!(r.x, 0, "the monitor reference without the monitor flag");
    let child = ctx.adopt(Pid(r.r as u64));
    check!(
        ctx.node.process(child).is_some() || ctx.node.exit_record(child).is_some(),
        "the child {child} is a process of this node"
    );
    check_eq!(
        ctx.run(child, Cmd::new(op::ARGS)).await?.data,
        "child \u{1F331} args".as_bytes().to_vec(),
        "the child's args"
    );
    check_eq!(
        ctx.run(child, Cmd::new(op::PARENT)).await?.r,
        g.as_u64() as i64,
        "the child's parent"
    );
    // Monitored: the DOWN carries the reference spawn_at gave.
    let r = ctx.run(g, spawn_at_cmd(HERE, &module, 2, "")).await?;
    check!(
        r.r > 0 && r.x > 0,
        "a monitored spawn_at returned pid {} ref {}",
        r.r,
        r.x
    );
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("away"));
    let d = ctx
        .run(g, Cmd::new(op::RECEIVE).a(kind::DOWN).b(30_000))
        .await?;
    check_eq!(
        (d.r, d.x, d.y),
        (0, kind::DOWN, r.r),
        "kind and sender of the DOWN message"
    );
    check_eq!(
        d.data,
        down_data(r.x, &ExitReason::custom("away")),
        "the DOWN message's reference and reason"
    );
    // Linked: the child's exit reaches a parent that traps exits as EXIT.
    ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?;
    let r = ctx.run(g, spawn_at_cmd(HERE, &module, 1, "")).await?;
    check!(r.r > 0, "a linked spawn_at returned {}", r.r);
    check_eq!(r.x, 0, "no monitor reference for a link");
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("linked"));
    let e = ctx
        .run(g, Cmd::new(op::RECEIVE).a(kind::EXIT).b(30_000))
        .await?;
    check_eq!(
        (e.r, e.x, e.y, e.data.clone()),
        (0, kind::EXIT, r.r, custom("linked")),
        "the EXIT of the linked child"
    );
    // Another node: none is connected.
    for flags in [0, 3] {
        let r = ctx
            .run(g, spawn_at_cmd("elsewhere", &module, flags, ""))
            .await?;
        check_eq!(
            (r.r, r.x),
            (err::NOPROC, 0),
            format!("spawn_at with flags {flags} to a node that is not connected")
        );
    }
    let r = ctx.run(g, spawn_at_cmd("", &module, 0, "")).await?;
    check_eq!(r.r, err::BAD_NAME, "spawn_at to an empty node name");
    let r = ctx.run(g, spawn_at_cmd(HERE, "", 0, "")).await?;
    check_eq!(r.r, err::BAD_NAME, "spawn_at of an empty module name");
    Ok(())
}

async fn selective_receive(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let me = ctx.me.pid().as_u64() as i64;
    for m in ["a1", "b1", "a2", "b2"] {
        ctx.me.send(g, m.as_bytes().to_vec());
    }
    // Wait until all four are queued (the commands themselves are taken first).
    let r = ctx.run(g, Cmd::new(op::RECV).a(3).b(30_000)).await?;
    check_eq!(r.data, b"b2".to_vec(), "recv at index 3");
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(0).b(0).s1("b")).await?;
    check_eq!(
        (r.r, r.x, r.y, r.data.clone()),
        (0, 0, me, b"b1".to_vec()),
        "receive of the first b"
    );
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(-1).b(0).s1("b")).await?;
    check_eq!(r.data, b"b2".to_vec(), "receive of the second b");
    check_eq!(
        ctx.run(g, Cmd::new(op::MAILBOX_LEN)).await?.r,
        2,
        "mailbox_len after two receives"
    );
    let r = ctx.run(g, Cmd::new(op::RECV).a(0).b(0)).await?;
    check_eq!(
        (r.r, r.data.clone()),
        (2, b"a1".to_vec()),
        "recv at index 0: the a's stayed in order"
    );
    let r = ctx.run(g, Cmd::new(op::RECV).a(1).b(0)).await?;
    check_eq!(r.data, b"a2".to_vec(), "recv at index 1");
    let r = ctx.run(g, Cmd::new(op::RECV).a(2).b(0)).await?;
    check_eq!(r.r, err::TIMEOUT, "recv past the end with timeout 0");
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(0).b(0)).await?;
    check_eq!(
        r.data,
        b"a1".to_vec(),
        "receive of any user message takes the oldest"
    );
    check_eq!(ctx.run(g, Cmd::new(op::TAKE).a(0)).await?.r, 0, "take(0)");
    check_eq!(
        ctx.run(g, Cmd::new(op::TAKE).a(0)).await?.r,
        err::NO_MESSAGE,
        "take(0) of an empty mailbox"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::MAILBOX_LEN)).await?.r,
        0,
        "mailbox_len at the end"
    );
    // A bigger message than any receive buffer starts with.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let mut tagged = b"c".to_vec();
    tagged.extend_from_slice(&big);
    ctx.me.send(g, tagged.clone());
    let r = ctx
        .run(g, Cmd::new(op::RECEIVE).a(0).b(30_000).s1("c"))
        .await?;
    check!(
        r.data == tagged,
        "a 200 KB message came back with {} bytes",
        r.data.len()
    );
    Ok(())
}

async fn timeouts(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let r = ctx.run(g, Cmd::new(op::RECEIVE).a(-1).b(0).s1("z")).await?;
    check_eq!(
        r.r,
        err::TIMEOUT,
        "receive with timeout 0 and nothing queued"
    );
    let began = Instant::now();
    let r = ctx
        .run(g, Cmd::new(op::RECEIVE).a(-1).b(150).s1("z"))
        .await?;
    check_eq!(
        r.r,
        err::TIMEOUT,
        "receive with a 150 ms timeout and nothing sent"
    );
    check!(
        began.elapsed() >= Duration::from_millis(150),
        "a 150 ms timeout returned after {:?}",
        began.elapsed()
    );
    // A finite wait that a message ends.
    ctx.start(g, Cmd::new(op::RECEIVE).a(0).b(60_000).s1("y"));
    ctx.me.send(g, b"n-ignored".to_vec());
    ctx.me.send(g, b"y1".to_vec());
    let r = ctx.reply(g, op::RECEIVE).await?;
    check_eq!(
        (r.r, r.data.clone()),
        (0, b"y1".to_vec()),
        "a finite receive ended by a message"
    );
    // Forever: no reply while nothing matches.
    ctx.start(g, Cmd::new(op::RECEIVE).a(0).b(-1).s1("z"));
    let early = ctx
        .reply_within(g, op::RECEIVE, Duration::from_millis(300))
        .await?;
    check!(
        early.is_none(),
        "an infinite receive returned {early:?} with nothing matching"
    );
    ctx.me.send(g, b"z1".to_vec());
    let r = ctx.reply(g, op::RECEIVE).await?;
    check_eq!(
        (r.r, r.data.clone()),
        (0, b"z1".to_vec()),
        "an infinite receive ended by a message"
    );
    let r = ctx.run(g, Cmd::new(op::RECV).a(0).b(0)).await?;
    check_eq!(
        r.data,
        b"n-ignored".to_vec(),
        "the unmatched message stayed queued"
    );
    Ok(())
}

async fn links(ctx: &Ctx) -> Outcome {
    // A link both ways: the child's abnormal exit ends the (not trapping) guest.
    let g = ctx.guest(b"")?;
    let child = ctx.guest(b"")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::LINK).pid(child)).await?.r,
        0,
        "link to a live process"
    );
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("linked"));
    check_eq!(
        ctx.ended(g).await?,
        ExitReason::custom("linked"),
        "reason of the linked guest"
    );
    // A normal exit does not end a linked process that does not trap exits.
    let g = ctx.guest(b"")?;
    let child = ctx.guest(b"")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::LINK).pid(child)).await?.r,
        0,
        "link"
    );
    ctx.start(child, Cmd::new(op::EXIT).a(0));
    ctx.ended(child).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::SELF)).await?.r,
        g.as_u64() as i64,
        "alive after a linked normal exit"
    );
    // Unlink: the child's exit no longer reaches it.
    let child = ctx.guest(b"")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::LINK).pid(child)).await?.r,
        0,
        "link"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::UNLINK).pid(child)).await?.r,
        0,
        "unlink"
    );
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("x"));
    ctx.ended(child).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::SELF)).await?.r,
        g.as_u64() as i64,
        "alive after an unlinked exit"
    );
    // Trapping: linking a dead pid returns noproc and delivers EXIT noproc.
    let dead = ctx.dead_pid().await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?.r,
        0,
        "trap_exit"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::LINK).pid(dead)).await?.r,
        err::NOPROC,
        "link to a dead pid while trapping"
    );
    let e = ctx.run(g, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(
        (e.r, e.y, e.data.clone()),
        (0, dead.as_u64() as i64, vec![2]),
        "EXIT noproc from the dead pid"
    );
    // Not trapping: linking a dead pid ends the caller with noproc.
    let g = ctx.guest(b"")?;
    ctx.start(g, Cmd::new(op::LINK).pid(dead));
    check_eq!(
        ctx.ended(g).await?,
        ExitReason::NoProc,
        "reason after linking a dead pid"
    );
    Ok(())
}

async fn trap_exit(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    check_eq!(
        ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?.r,
        0,
        "the first trap_exit(1) returns false"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?.r,
        1,
        "the second returns true"
    );
    let r = ctx
        .run(g, Cmd::new(op::SPAWN).a(1).s1(ctx.module()))
        .await?;
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(0));
    let e = ctx.run(g, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(
        (e.r, e.x, e.y, e.data.clone()),
        (0, 1, r.r, vec![0]),
        "EXIT normal from the linked child"
    );
    let r = ctx
        .run(g, Cmd::new(op::SPAWN).a(1).s1(ctx.module()))
        .await?;
    let child = ctx.adopt(Pid(r.r as u64));
    ctx.start(child, Cmd::new(op::EXIT).a(4));
    let e = ctx.run(g, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(
        (e.y, e.data.clone()),
        (r.r, vec![4]),
        "EXIT shutdown from the linked child"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::TRAP_EXIT).a(0)).await?.r,
        1,
        "trap_exit(0) returns true"
    );
    Ok(())
}

async fn kill(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    // kill ends even a process that traps exits.
    let t = ctx.guest(b"")?;
    ctx.run(t, Cmd::new(op::TRAP_EXIT).a(1)).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(t).b(1)).await?.r,
        0,
        "exit_signal kill"
    );
    check_eq!(
        ctx.ended(t).await?,
        ExitReason::Killed,
        "reason of the killed guest"
    );
    let dead = ctx.dead_pid().await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(dead).b(7).s1("x"))
            .await?
            .r,
        err::NOPROC,
        "exit_signal to a dead pid"
    );
    // A custom reason reaches a trapping process as an EXIT message from the sender.
    let t = ctx.guest(b"")?;
    ctx.run(t, Cmd::new(op::TRAP_EXIT).a(1)).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(t).b(7).s1("sig"))
            .await?
            .r,
        0,
        "exit_signal custom"
    );
    let e = ctx.run(t, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(
        (e.r, e.y, e.data.clone()),
        (0, g.as_u64() as i64, custom("sig")),
        "the trapped exit signal"
    );
    // ... and ends a process that does not trap.
    let t = ctx.guest(b"")?;
    ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(t).b(7).s1("sig"))
        .await?;
    check_eq!(
        ctx.ended(t).await?,
        ExitReason::custom("sig"),
        "reason after an untrapped exit signal"
    );
    // normal is ignored by a process that does not trap exits.
    let t = ctx.guest(b"")?;
    ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(t).b(0)).await?;
    check_eq!(
        ctx.run(t, Cmd::new(op::SELF)).await?.r,
        t.as_u64() as i64,
        "alive after exit_signal normal"
    );
    // A killed process's links see `killed`.
    let watcher = ctx.guest(b"")?;
    ctx.run(watcher, Cmd::new(op::TRAP_EXIT).a(1)).await?;
    ctx.run(watcher, Cmd::new(op::LINK).pid(t)).await?;
    ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(t).b(1)).await?;
    let e = ctx
        .run(watcher, Cmd::new(op::RECEIVE).a(1).b(30_000))
        .await?;
    check_eq!(
        (e.y, e.data.clone()),
        (t.as_u64() as i64, vec![1]),
        "the link of a killed process sees killed"
    );
    Ok(())
}

/// A pid a guest was never given: the number after a real one, as a guest that counts
/// would guess. The calls answer as for a dead pid (so a guess learns nothing), and each is
/// counted as a forgery and said on the guest's standard error.
async fn forged_pids(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let guess = (1..)
        .map(|n| Pid(g.as_u64() + n))
        .find(|p| !ctx.node.issued(*p))
        .expect("a number the node never handed out");
    let forged = || {
        ctx.node
            .stats()
            .refused
            .forged_pids
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = forged();
    check_eq!(
        ctx.run(g, Cmd::new(op::SEND).pid(guess).s1("x")).await?.r,
        0,
        "send to a forged pid"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::EXIT_SIGNAL).pid(guess).b(1))
            .await?
            .r,
        err::NOPROC,
        "kill of a forged pid"
    );
    ctx.run(g, Cmd::new(op::TRAP_EXIT).a(1)).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::LINK).pid(guess)).await?.r,
        err::NOPROC,
        "link to a forged pid while trapping"
    );
    let e = ctx.run(g, Cmd::new(op::RECEIVE).a(1).b(30_000)).await?;
    check_eq!(
        (e.y, e.data.clone()),
        (guess.as_u64() as i64, ExitReason::NoProc.encode()),
        "EXIT noproc from the forged pid"
    );
    let m = ctx.run(g, Cmd::new(op::MONITOR).pid(guess)).await?.r;
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(30_000)).await?;
    check_eq!(
        (d.y, d.data.clone()),
        (guess.as_u64() as i64, down_data(m, &ExitReason::NoProc)),
        "DOWN noproc for a forged pid"
    );
    let counted = forged() - before;
    check!(counted >= 4, "{counted} forgeries counted, not 4");
    let told = ctx.node.process(g).map_or(0, |p| {
        p.output()
            .iter()
            .filter(|l| l.text.contains("is not a pid this node handed out"))
            .count()
    });
    check_eq!(told, 4, "forgeries said on the guest's stderr");
    Ok(())
}

async fn monitors(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let child = ctx.guest(b"")?;
    let m = ctx.run(g, Cmd::new(op::MONITOR).pid(child)).await?.r;
    check!(m > 0, "monitor returned {m}");
    ctx.start(child, Cmd::new(op::EXIT).a(7).s1("watched"));
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(30_000)).await?;
    check_eq!(
        (d.r, d.x, d.y),
        (0, 2, child.as_u64() as i64),
        "the DOWN message"
    );
    check_eq!(
        d.data,
        down_data(m, &ExitReason::custom("watched")),
        "DOWN's reference and reason"
    );
    let dead = ctx.dead_pid().await?;
    let m = ctx.run(g, Cmd::new(op::MONITOR).pid(dead)).await?.r;
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(30_000)).await?;
    check_eq!(
        (d.y, d.data.clone()),
        (dead.as_u64() as i64, down_data(m, &ExitReason::NoProc)),
        "DOWN noproc for a dead pid"
    );
    // demonitor: no DOWN afterwards; a second demonitor finds nothing.
    let child = ctx.guest(b"")?;
    let m = ctx.run(g, Cmd::new(op::MONITOR).pid(child)).await?.r;
    check_eq!(
        ctx.run(g, Cmd::new(op::DEMONITOR).a(m)).await?.r,
        0,
        "demonitor"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::DEMONITOR).a(m)).await?.r,
        err::NOT_FOUND,
        "a second demonitor"
    );
    ctx.start(child, Cmd::new(op::EXIT).a(0));
    ctx.ended(child).await?;
    let d = ctx.run(g, Cmd::new(op::RECEIVE).a(2).b(200)).await?;
    check_eq!(d.r, err::TIMEOUT, "no DOWN after demonitor");
    // demonitor with flush removes a DOWN that was already queued.
    let child = ctx.guest(b"")?;
    let m = ctx.run(g, Cmd::new(op::MONITOR).pid(child)).await?.r;
    ctx.start(child, Cmd::new(op::EXIT).a(0));
    ctx.ended(child).await?;
    let r = ctx.run(g, Cmd::new(op::RECV).a(0).b(30_000)).await?;
    check_eq!(r.x, 2, "the DOWN is queued");
    check_eq!(
        ctx.run(g, Cmd::new(op::DEMONITOR).a(m).b(1)).await?.r,
        err::NOT_FOUND,
        "demonitor flush after DOWN"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::MAILBOX_LEN)).await?.r,
        0,
        "the flushed DOWN is gone"
    );
    Ok(())
}

async fn names(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let other = ctx.guest(b"")?;
    let name = ctx.name("reg");
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(g).s1(&name)).await?.r,
        0,
        "register"
    );
    check_eq!(
        ctx.run(other, Cmd::new(op::WHEREIS).s1(&name)).await?.r,
        g.as_u64() as i64,
        "whereis"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(g).s1(ctx.name("second")))
            .await?
            .r,
        err::ALREADY_REGISTERED,
        "a second name"
    );
    check_eq!(
        ctx.run(other, Cmd::new(op::REGISTER).pid(other).s1(&name))
            .await?
            .r,
        err::NAME_TAKEN,
        "a taken name"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(g).s1("")).await?.r,
        err::BAD_NAME,
        "an empty name"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(g).s1("x".repeat(256)))
            .await?
            .r,
        err::BAD_NAME,
        "a 256-byte name"
    );
    let dead = ctx.dead_pid().await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(dead).s1(ctx.name("dead")))
            .await?
            .r,
        err::NOPROC,
        "registering a dead pid"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::UNREGISTER).s1(&name)).await?.r,
        0,
        "unregister"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::WHEREIS).s1(&name)).await?.r,
        0,
        "whereis of a free name"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::UNREGISTER).s1(&name)).await?.r,
        err::NOT_REGISTERED,
        "unregister of a free name"
    );
    // Another process can be registered; its name goes when it ends.
    check_eq!(
        ctx.run(g, Cmd::new(op::REGISTER).pid(other).s1(&name))
            .await?
            .r,
        0,
        "registering another process"
    );
    check_eq!(
        ctx.node.whereis(&name),
        Some(other),
        "the host's view of the name"
    );
    ctx.start(other, Cmd::new(op::EXIT).a(0));
    ctx.ended(other).await?;
    check_eq!(
        ctx.run(g, Cmd::new(op::WHEREIS).s1(&name)).await?.r,
        0,
        "whereis after the owner ended"
    );
    Ok(())
}

async fn timers(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    let me = ctx.me.pid();
    let t = ctx
        .run(g, Cmd::new(op::SEND_AFTER).pid(me).b(30).s1("tick"))
        .await?
        .r;
    check!(t > 0, "send_after returned {t}");
    check_eq!(
        ctx.user_from(g).await?,
        b"tick".to_vec(),
        "the timer's message, from the guest"
    );
    let t = ctx
        .run(g, Cmd::new(op::SEND_AFTER).pid(me).b(600_000).s1("late"))
        .await?
        .r;
    let left = ctx.run(g, Cmd::new(op::CANCEL_TIMER).a(t)).await?.r;
    check!(
        left > 0 && left <= 600_000,
        "cancel_timer returned {left} ms left"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::CANCEL_TIMER).a(t)).await?.r,
        err::NOT_FOUND,
        "a second cancel"
    );
    // A timer to itself: a user message whose sender is the guest.
    ctx.run(g, Cmd::new(op::SEND_AFTER).pid(g).b(10).s1("self-tick"))
        .await?;
    let r = ctx
        .run(g, Cmd::new(op::RECEIVE).a(0).b(30_000).s1("self-tick"))
        .await?;
    check_eq!(
        (r.r, r.y),
        (0, g.as_u64() as i64),
        "a timer message to itself"
    );
    let a = ctx.run(g, Cmd::new(op::MAKE_REF)).await?.r;
    let b = ctx.run(g, Cmd::new(op::MAKE_REF)).await?.r;
    check!(a > 0 && b > 0 && a != b, "make_ref gave {a} and {b}");
    let t0 = ctx.run(g, Cmd::new(op::NOW_MS)).await?.r;
    let t1 = ctx.run(g, Cmd::new(op::NOW_MS)).await?.r;
    check!(t0 >= 0 && t1 >= t0, "now_ms went from {t0} to {t1}");
    Ok(())
}

async fn exit(ctx: &Ctx) -> Outcome {
    for (kind, detail, want) in [
        (0, "", ExitReason::Normal),
        (4, "", ExitReason::Shutdown),
        (7, "bye \u{1F44B}", ExitReason::custom("bye \u{1F44B}")),
    ] {
        let g = ctx.guest(b"")?;
        ctx.start(g, Cmd::new(op::EXIT).a(kind).s1(detail));
        check_eq!(ctx.ended(g).await?, want, format!("exit with kind {kind}"));
    }
    Ok(())
}

async fn call_cast(ctx: &Ctx) -> Outcome {
    let server = ctx.server(&ctx.server_module())?;
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(0),
        "call get after init"
    );
    ctx.cast(server, json!(5));
    ctx.cast(server, json!(7));
    ctx.me.send(server, b"plain info".to_vec());
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(12),
        "call get after two casts"
    );
    check_eq!(
        ctx.call(server, json!("infos")).await?,
        json!(1),
        "call infos"
    );
    check_eq!(
        ctx.call(server, json!("version")).await?,
        json!(1),
        "call version"
    );
    // Key order and white space do not matter (ABI.md, "Calls and casts"), and an object
    // without `$call` or `$cast` is an info message.
    ctx.me.send(server, b" { \"$cast\" : 0 } ".to_vec());
    ctx.me
        .send(server, b"{\"req\": \"get\", \"ref\": 4242}".to_vec());
    ctx.me.send(server, Vec::new());
    let spaced = b"{ \"$call\" : { \"req\" : \"get\" ,\n \"ref\" : 77 } }";
    ctx.me.send(server, spaced.to_vec());
    let reply = ctx
        .me
        .recv_match(Some(crate::driver::REPLY_WAIT), |m| {
            let v: Value = serde_json::from_slice(&m.data).ok()?;
            (m.sender == server && v["$reply"]["ref"] == json!(77))
                .then(|| v["$reply"]["value"].clone())
        })
        .await
        .map_err(|e| format!("{e:?}"))?;
    check_eq!(
        reply,
        Some(json!(12)),
        "a call with its keys in another order and spaced out"
    );
    check_eq!(
        ctx.call(server, json!("infos")).await?,
        json!(3),
        "infos after an object without $call and an empty message"
    );
    // The SDK as a client: call and cast from a guest.
    let g = ctx.guest(b"")?;
    let r = ctx
        .run(g, Cmd::new(op::CALL).pid(server).b(30_000).s1("\"get\""))
        .await?;
    check_eq!(r.r, 0, "the guest's call");
    check_eq!(
        serde_json::from_slice::<Value>(&r.data).ok(),
        Some(json!(12)),
        "the guest's call reply"
    );
    check_eq!(
        ctx.run(g, Cmd::new(op::CAST).pid(server).s1("3")).await?.r,
        0,
        "the guest's cast"
    );
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(15),
        "get after the guest's cast"
    );
    let dead = ctx.dead_pid().await?;
    let r = ctx
        .run(g, Cmd::new(op::CALL).pid(dead).b(30_000).s1("\"get\""))
        .await?;
    check_eq!(
        (r.r, r.data.clone()),
        (err::NOPROC, vec![2]),
        "a call to a dead server"
    );
    let r = ctx
        .run(g, Cmd::new(op::CALL).pid(ctx.me.pid()).b(100).s1("\"get\""))
        .await?;
    check_eq!(
        r.r,
        err::TIMEOUT,
        "a call nobody answers, with a 100 ms timeout"
    );
    check_eq!(ctx.process_alive(server), true, "the server is alive");
    // A NODEDOWN (a node monitor fired) is an info message too.
    ctx.node
        .monitor_node(server, "elsewhere", true)
        .map_err(|e| format!("monitor_node for the server: {e}"))?;
    check_eq!(
        ctx.call(server, json!("infos")).await?,
        json!(4),
        "infos after a NODEDOWN"
    );
    Ok(())
}

async fn upgrade(ctx: &Ctx) -> Outcome {
    let (Some(v1), Some(v2)) = (
        ctx.lang.file(&ctx.server_module()),
        ctx.lang.file(&format!("{}_v2", ctx.server_module())),
    ) else {
        return Err("the server modules are not built".into());
    };
    let ext = v1
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("wasm")
        .to_string();
    let name = ctx.name("upgrade");
    let file = ctx.dir.join(format!("{name}.{ext}"));
    std::fs::copy(&v1, &file).map_err(|e| format!("copy {}: {e}", v1.display()))?;
    ctx.node
        .load_module_file(&file)
        .map_err(|e| format!("loading v1: {e}"))?;
    let server = ctx.server(&name)?;
    ctx.cast(server, json!(40));
    ctx.cast(server, json!(2));
    ctx.me.send(server, b"info".to_vec());
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(42),
        "get on v1"
    );
    std::fs::copy(&v2, &file).map_err(|e| format!("copy {}: {e}", v2.display()))?;
    let record = ctx
        .node
        .reload(&file, LoadCause::Manual)
        .await
        .map_err(|e| format!("loading v2: {e}"))?
        .ok_or("v2 has the same bytes as v1")?;
    check!(
        record.upgraded == 1 && record.failed == 0,
        "the swap: {record:?}"
    );
    check_eq!(
        ctx.call(server, json!("version")).await?,
        json!(2),
        "version after the swap"
    );
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(42),
        "count kept across the swap"
    );
    check_eq!(
        ctx.call(server, json!("infos")).await?,
        json!(1),
        "infos kept across the swap"
    );
    ctx.cast(server, json!(1));
    check_eq!(
        ctx.call(server, json!("get")).await?,
        json!(43),
        "a cast on v2"
    );
    Ok(())
}

async fn bad_pointer(ctx: &Ctx) -> Outcome {
    let bystander = ctx.guest(b"")?;
    let g = ctx.guest(b"")?;
    ctx.start(g, Cmd::new(op::BAD_POINTER));
    match ctx.ended(g).await? {
        ExitReason::Trap(t) if t.contains("outside memory") => {}
        other => return Err(format!("reason after a bad pointer: {other}")),
    }
    check_eq!(
        ctx.run(bystander, Cmd::new(op::SELF)).await?.r,
        bystander.as_u64() as i64,
        "a bystander still answers"
    );
    Ok(())
}

async fn crash(ctx: &Ctx) -> Outcome {
    let g = ctx.guest(b"")?;
    ctx.start(g, Cmd::new(op::CRASH));
    match ctx.ended(g).await? {
        ExitReason::Trap(_) => Ok(()),
        other => Err(format!("reason after a crash: {other} (want trap)")),
    }
}

async fn output(ctx: &Ctx) -> Outcome {
    let mut events = ctx.node.subscribe();
    let g = ctx.guest(b"")?;
    let text = format!("hello from {}", ctx.lang.name);
    check_eq!(
        ctx.run(g, Cmd::new(op::PRINT).s1(&text)).await?.r,
        0,
        "print"
    );
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(NodeEvent::Output { pid, line, .. })) if pid == g && line.text == text => {
                return Ok(());
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("event stream: {e}")),
            Err(_) => return Err(format!("no output line {text:?} from {g}")),
        }
    }
}
