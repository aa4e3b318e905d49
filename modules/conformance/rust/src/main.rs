//! `conf_rust`: the conformance suite's command interpreter, written with the Rust SDK
//! (modules/conformance/PROTOCOL.md).

use hatchery_sdk::server::{self, CallError};
use hatchery_sdk::{
    Error, ExitReason, Message, MonitorRef, Pid, SpawnOpts, Timeout, TimerRef, sys,
};

use conf_rust::{Command, reply};

fn main() {
    loop {
        let Some((from, data)) = hatchery_sdk::receive_match(Timeout::Infinity, |m| match m {
            Message::User { from, data } if data.first() == Some(&Command::MAGIC) => {
                Some((*from, data.clone()))
            }
            _ => None,
        }) else {
            continue;
        };
        let op = data.get(1).copied().unwrap_or(0);
        match Command::parse(&data) {
            Some(cmd) => run(from, &cmd),
            None => reply(from, op, i64::from(sys::ERR_BAD_ARG), 0, 0, &[]),
        }
    }
}

/// The ABI code of an SDK result.
fn code<T>(r: Result<T, Error>) -> i64 {
    match r {
        Ok(_) => 0,
        Err(e) => e.code().unwrap_or(i64::from(sys::ERR_BAD_ARG)),
    }
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or("\u{fffd}")
}

fn timeout(ms: i64) -> Timeout {
    u64::try_from(ms).map_or(Timeout::Infinity, Timeout::ms)
}

fn run(from: Pid, cmd: &Command) {
    let Command { op, a, b, .. } = *cmd;
    let (s1, s2) = (cmd.s1.as_slice(), cmd.s2.as_slice());
    let done = |r: i64| reply(from, op, r, 0, 0, &[]);
    match op {
        1 => done(hatchery_sdk::self_pid().0 as i64),
        2 => done(sys::parent()),
        3 => reply(from, op, 0, 0, 0, &hatchery_sdk::args()),
        4 => {
            let opts = SpawnOpts {
                link: a & 1 != 0,
                monitor: a & 2 != 0,
            };
            match hatchery_sdk::spawn_bytes(text(s1), s2, opts) {
                Ok((pid, monitor)) => {
                    let m = monitor.map_or(0, |m| m.0 as i64);
                    reply(from, op, pid.0 as i64, m, 0, &[]);
                }
                Err(e) => done(code::<()>(Err(e))),
            }
        }
        5 => done(code(Pid(a as u64).send_bytes(s1))),
        6 => done(code(hatchery_sdk::send_named_bytes(text(s1), s2))),
        7 => {
            // One raw recv: the message stays queued.
            let mut buf = Vec::with_capacity(256);
            let mut info = sys::RecvInfo::default();
            let mut n = sys::recv(a as i32, b, &mut buf, &mut info);
            if n > buf.len() as i32 {
                buf.reserve(n as usize);
                n = sys::recv(a as i32, 0, &mut buf, &mut info);
            }
            let data = if n >= 0 { buf.as_slice() } else { &[] };
            reply(
                from,
                op,
                i64::from(n),
                i64::from(info.kind),
                info.sender,
                data,
            );
        }
        8 => done(i64::from(sys::take(a as i32))),
        9 => done(hatchery_sdk::mailbox_len() as i64),
        10 => done(code(hatchery_sdk::link(Pid(a as u64)))),
        11 => {
            hatchery_sdk::unlink(Pid(a as u64));
            done(0)
        }
        12 => done(i64::from(hatchery_sdk::trap_exit(a != 0))),
        13 => hatchery_sdk::exit(ExitReason::decode(&reason_bytes(a, s1))),
        14 => {
            let reason = ExitReason::decode(&reason_bytes(b, s1));
            done(code(hatchery_sdk::exit_signal(Pid(a as u64), reason)))
        }
        15 => done(hatchery_sdk::monitor(Pid(a as u64)).0 as i64),
        16 => done(code(hatchery_sdk::demonitor(
            MonitorRef(a as u64),
            b & 1 != 0,
        ))),
        17 => done(code(hatchery_sdk::register(text(s1), Pid(a as u64)))),
        18 => done(code(hatchery_sdk::unregister(text(s1)))),
        19 => done(hatchery_sdk::whereis(text(s1)).map_or(0, |p| p.0 as i64)),
        20 => match hatchery_sdk::send_after_bytes(Pid(a as u64), b.max(0) as u64, s1) {
            Ok(t) => done(t.0 as i64),
            Err(e) => done(code::<()>(Err(e))),
        },
        21 => done(
            hatchery_sdk::cancel_timer(TimerRef(a as u64))
                .map_or(i64::from(sys::ERR_NOT_FOUND), |left| left as i64),
        ),
        22 => done(hatchery_sdk::make_ref() as i64),
        23 => done(hatchery_sdk::now_ms()),
        24 => receive(from, op, a, b, s1),
        25 => {
            let request: serde_json::Value = match serde_json::from_slice(s1) {
                Ok(v) => v,
                Err(_) => return done(i64::from(sys::ERR_BAD_ARG)),
            };
            match server::call::<_, serde_json::Value>(Pid(a as u64), &request, timeout(b)) {
                Ok(v) => reply(from, op, 0, 0, 0, v.to_string().as_bytes()),
                Err(CallError::Timeout) => done(i64::from(sys::ERR_TIMEOUT)),
                Err(CallError::Exit(reason)) => {
                    reply(from, op, i64::from(sys::ERR_NOPROC), 0, 0, &reason.encode())
                }
                Err(_) => done(i64::from(sys::ERR_BAD_ARG)),
            }
        }
        26 => {
            let msg: serde_json::Value = serde_json::from_slice(s1).unwrap_or_default();
            done(code(server::cast(Pid(a as u64), &msg)))
        }
        27 => {
            sys::send_raw(hatchery_sdk::self_pid().0 as i64, 0x7fff_0000, 64);
            done(0)
        }
        28 => panic!("conf_rust: crash requested"),
        29 => {
            println!("{}", text(s1));
            done(0)
        }
        30 => {
            // `s1` is the name then the node; `a` is the name's length.
            let Some((name, node)) = usize::try_from(a)
                .ok()
                .filter(|&at| at <= s1.len())
                .map(|at| s1.split_at(at))
            else {
                return done(i64::from(sys::ERR_BAD_ARG));
            };
            done(code(hatchery_sdk::send_named_at_bytes(
                text(name),
                text(node),
                s2,
            )))
        }
        31 => {
            let name = hatchery_sdk::node();
            reply(from, op, name.len() as i64, 0, 0, name.as_bytes())
        }
        32 => {
            let list: String = hatchery_sdk::nodes()
                .iter()
                .map(|name| format!("{name}\n"))
                .collect();
            reply(from, op, list.len() as i64, 0, 0, list.as_bytes())
        }
        33 => {
            let name = hatchery_sdk::pid_node(Pid(a as u64));
            reply(from, op, name.len() as i64, 0, 0, name.as_bytes())
        }
        // The SDK's flag is a `bool`: another flag is answered here.
        34 => match a {
            0 | 1 => done(code(hatchery_sdk::monitor_node(text(s1), a == 1))),
            _ => done(i64::from(sys::ERR_BAD_ARG)),
        },
        35 => match a {
            0 | 1 => {
                hatchery_sdk::monitor_nodes(a == 1);
                done(0)
            }
            _ => done(i64::from(sys::ERR_BAD_ARG)),
        },
        36 => {
            // `s1` is the node then the module; `a` is the node's length.
            let Some((node, module)) = usize::try_from(a)
                .ok()
                .filter(|&at| at <= s1.len())
                .map(|at| s1.split_at(at))
            else {
                return done(i64::from(sys::ERR_BAD_ARG));
            };
            let opts = SpawnOpts {
                link: b & 1 != 0,
                monitor: b & 2 != 0,
            };
            match hatchery_sdk::spawn_at_bytes(text(node), text(module), s2, opts) {
                Ok((pid, monitor)) => {
                    let m = monitor.map_or(0, |m| m.0 as i64);
                    reply(from, op, pid.0 as i64, m, 0, &[]);
                }
                Err(e) => done(code::<()>(Err(e))),
            }
        }
        37 => {
            let printed = Pid(a as u64).to_string();
            reply(from, op, printed.len() as i64, 0, 0, printed.as_bytes())
        }
        _ => done(i64::from(sys::ERR_BAD_ARG)),
    }
}

/// A reason in ABI form from a kind and a detail.
fn reason_bytes(kind: i64, detail: &[u8]) -> Vec<u8> {
    let mut bytes = vec![kind as u8];
    bytes.extend_from_slice(detail);
    bytes
}

/// The SDK's selective receive, with the protocol's filter.
fn receive(from: Pid, op: u8, kind: i64, ms: i64, prefix: &[u8]) {
    let got = hatchery_sdk::receive_match(timeout(ms), |m| {
        let (k, sender, bytes) = match m {
            Message::User { data, .. } if data.first() == Some(&Command::MAGIC) => return None,
            Message::User { from, data } if data.starts_with(prefix) => {
                (sys::KIND_USER, from.0, data.clone())
            }
            Message::User { .. } => return None,
            Message::Exit { from, reason } => (sys::KIND_EXIT, from.0, reason.encode()),
            Message::Down {
                monitor,
                pid,
                reason,
            } => {
                let mut b = (monitor.0 as i64).to_le_bytes().to_vec();
                b.extend_from_slice(&reason.encode());
                (sys::KIND_DOWN, pid.0, b)
            }
            Message::NodeUp { node } => (sys::KIND_NODEUP, 0, node.clone().into_bytes()),
            Message::NodeDown { node } => (sys::KIND_NODEDOWN, 0, node.clone().into_bytes()),
        };
        (kind < 0 || i64::from(k) == kind).then_some((k, sender, bytes))
    });
    match got {
        Some((k, sender, bytes)) => reply(from, op, 0, i64::from(k), sender as i64, &bytes),
        None => reply(from, op, i64::from(sys::ERR_TIMEOUT), 0, 0, &[]),
    }
}
