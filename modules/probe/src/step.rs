//! The step language and its interpreter.

use hatchery_sdk::{
    Error, ExitReason, Message, MonitorRef, Pid, SpawnOpts, Timeout, TimerRef, sys,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{describe, is_do};

/// One step. Externally tagged, snake_case: `{"link": 5}`, `{"mailbox": null}`, ...
/// Steps without an argument also accept the bare string form (`"mailbox"`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Step {
    TrapExit(bool),
    Link(Pid),
    Unlink(Pid),
    Monitor(Pid),
    Demonitor {
        #[serde(rename = "ref")]
        reference: u64,
        #[serde(default)]
        flush: bool,
    },
    Register(String),
    RegisterPid {
        name: String,
        pid: Pid,
    },
    Unregister(String),
    Whereis(String),
    /// The current version of a module.
    ModuleVersion(String),
    /// Rolls a module back to its previous version.
    ModuleRollback(String),
    Send {
        to: Pid,
        msg: Value,
    },
    SendBytes {
        to: Pid,
        hex: String,
    },
    SendSize {
        to: Pid,
        bytes: usize,
    },
    SendNamed {
        to: String,
        msg: Value,
    },
    SendNamedAt {
        to: String,
        node: String,
        msg: Value,
    },
    Call {
        to: Pid,
        req: Value,
        #[serde(default)]
        timeout_ms: Option<u64>,
    },
    Cast {
        to: Pid,
        msg: Value,
    },
    StartChild {
        sup: Pid,
        spec: Value,
    },
    TerminateChild {
        sup: Pid,
        id: String,
    },
    WhichChildren {
        sup: Pid,
    },
    ReadFile(String),
    WriteFile {
        path: String,
        text: String,
    },
    Env(String),
    Spawn {
        module: String,
        /// Another node of the cluster to spawn on (`spawn_at`).
        #[serde(default)]
        node: Option<String>,
        #[serde(default)]
        args: Value,
        #[serde(default)]
        link: bool,
        #[serde(default)]
        monitor: bool,
    },
    Recv {
        #[serde(default)]
        timeout_ms: Option<u64>,
        #[serde(default)]
        kind: Option<Kind>,
        #[serde(default)]
        equals: Option<Value>,
    },
    Mailbox,
    MailboxLen,
    Take(i32),
    Exit(Reason),
    ExitSignal {
        to: Pid,
        reason: Reason,
    },
    SendAfter {
        to: Pid,
        ms: u64,
        msg: Value,
    },
    CancelTimer(u64),
    Panic(String),
    Unreachable,
    LoopForever,
    Alloc(usize),
    TryAlloc(usize),
    Free,
    BadPointer,
    Print(String),
    Eprint(String),
    Report(Value),
    Sleep(u64),
    #[serde(rename = "self")]
    SelfPid,
    MakeRef,
    NowMs,
    /// The other connected nodes.
    Nodes,
    /// How a pid prints here, and its node (`pid_node`).
    ShowPid(Pid),
    MonitorNode {
        node: String,
        #[serde(default = "yes")]
        on: bool,
    },
    MonitorNodes(bool),
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Kind {
    User,
    Exit,
    Down,
    Nodeup,
    Nodedown,
}

/// An exit reason as steps spell it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Reason {
    Normal,
    #[serde(alias = "killed")]
    Kill,
    Shutdown,
    Custom(String),
    /// Any kind byte and detail text, passed to the host unchecked.
    Raw {
        kind: i32,
        #[serde(default)]
        detail: String,
    },
}

impl Reason {
    fn kind_and_detail(&self) -> (i32, &[u8]) {
        match self {
            Reason::Normal => (i32::from(sys::REASON_NORMAL), &[]),
            Reason::Kill => (i32::from(sys::REASON_KILLED), &[]),
            Reason::Shutdown => (i32::from(sys::REASON_SHUTDOWN), &[]),
            Reason::Custom(text) => (i32::from(sys::REASON_CUSTOM), text.as_bytes()),
            Reason::Raw { kind, detail } => (*kind, detail.as_bytes()),
        }
    }
}

/// The probe's state: who to report to, and memory kept alive by `alloc`.
pub struct Probe {
    me: Pid,
    report_to: Option<Pid>,
    kept: Vec<Vec<u8>>,
}

impl Probe {
    pub fn new(me: Pid, report_to: Option<Pid>) -> Probe {
        Probe {
            me,
            report_to,
            kept: Vec::new(),
        }
    }

    /// Runs one step given as JSON and reports its result (a step that does not parse
    /// reports `{"error": ...}`).
    pub fn run(&mut self, step: Value) {
        let result = match serde_json::from_value::<Step>(step) {
            Ok(step) => self.execute(step),
            Err(err) => json!({"error": format!("bad step: {err}")}),
        };
        if let Some(to) = self.report_to {
            let _ = to.send(&json!({"probe": self.me, "result": result}));
        }
    }

    fn execute(&mut self, step: Step) -> Value {
        match step {
            Step::TrapExit(flag) => json!(hatchery_sdk::trap_exit(flag)),
            Step::Link(pid) => unit(hatchery_sdk::link(pid)),
            Step::Unlink(pid) => {
                hatchery_sdk::unlink(pid);
                json!("ok")
            }
            Step::Monitor(pid) => json!(hatchery_sdk::monitor(pid)),
            Step::Demonitor { reference, flush } => {
                unit(hatchery_sdk::demonitor(MonitorRef(reference), flush))
            }
            Step::Register(name) => unit(hatchery_sdk::register(&name, self.me)),
            Step::RegisterPid { name, pid } => unit(hatchery_sdk::register(&name, pid)),
            Step::Unregister(name) => unit(hatchery_sdk::unregister(&name)),
            Step::Whereis(name) => json!(hatchery_sdk::whereis(&name)),
            Step::ModuleVersion(name) => json!(hatchery_sdk::module_version(&name)),
            Step::ModuleRollback(name) => match hatchery_sdk::module_rollback(&name) {
                Ok(v) => json!(v),
                Err(e) => json!(e.name()),
            },
            Step::Send { to, msg } => unit(to.send(&msg)),
            Step::SendBytes { to, hex } => match unhex(&hex) {
                Some(bytes) => unit(to.send_bytes(&bytes)),
                None => json!({"error": "bad hex"}),
            },
            Step::SendSize { to, bytes } => unit(to.send_bytes(&vec![0u8; bytes])),
            Step::SendNamed { to, msg } => unit(hatchery_sdk::send_named(&to, &msg)),
            Step::SendNamedAt { to, node, msg } => {
                unit(hatchery_sdk::send_named_at(&to, &node, &msg))
            }
            Step::Call {
                to,
                req,
                timeout_ms,
            } => {
                let timeout =
                    timeout_ms.map_or(hatchery_sdk::Timeout::Infinity, hatchery_sdk::Timeout::ms);
                match hatchery_sdk::server::call::<Value, Value>(to, &req, timeout) {
                    Ok(v) => json!({"ok": v}),
                    Err(hatchery_sdk::server::CallError::Timeout) => json!("timeout"),
                    Err(hatchery_sdk::server::CallError::Exit(r)) => json!({"exit": r.to_string()}),
                    Err(e) => json!({"error": e.to_string()}),
                }
            }
            Step::Cast { to, msg } => unit(hatchery_sdk::server::cast(to, &msg)),
            Step::StartChild { sup, spec } => match hatchery_sdk::server::start_child(sup, &spec) {
                Ok(pid) => json!({"pid": pid}),
                Err(e) => json!(e.name()),
            },
            Step::TerminateChild { sup, id } => {
                unit(hatchery_sdk::server::terminate_child(sup, &id))
            }
            Step::WhichChildren { sup } => match hatchery_sdk::server::which_children(sup) {
                Ok(list) => list,
                Err(e) => json!(e.name()),
            },
            Step::ReadFile(path) => match std::fs::read_to_string(&path) {
                Ok(text) => json!({"ok": text}),
                Err(e) => json!({"error": e.to_string()}),
            },
            Step::WriteFile { path, text } => match std::fs::write(&path, text) {
                Ok(()) => json!("ok"),
                Err(e) => json!({"error": e.to_string()}),
            },
            Step::Env(key) => json!(std::env::var(&key).ok()),
            Step::Spawn {
                module,
                node,
                args,
                link,
                monitor,
            } => {
                let args = match args {
                    Value::Null => Vec::new(),
                    other => other.to_string().into_bytes(),
                };
                let opts = SpawnOpts { link, monitor };
                let spawned = match &node {
                    Some(n) => hatchery_sdk::spawn_at_bytes(n, &module, &args, opts),
                    None => hatchery_sdk::spawn_bytes(&module, &args, opts),
                };
                match spawned {
                    Ok((pid, monitor)) => json!({"pid": pid, "monitor": monitor}),
                    Err(err) => json!(err.name()),
                }
            }
            Step::Recv {
                timeout_ms,
                kind,
                equals,
            } => recv(Timeout::from(timeout_ms), kind, equals.as_ref()),
            Step::Mailbox => {
                let mut all = Vec::new();
                hatchery_sdk::receive_match(Timeout::Now, |msg| {
                    if !matches!(msg, Message::User { data, .. } if is_do(data)) {
                        all.push(describe(msg));
                    }
                    None::<()>
                });
                Value::Array(all)
            }
            Step::MailboxLen => json!(hatchery_sdk::mailbox_len()),
            Step::Take(index) => code(sys::take(index)),
            Step::Exit(reason) => match reason {
                Reason::Normal => hatchery_sdk::exit(ExitReason::Normal),
                Reason::Shutdown => hatchery_sdk::exit(ExitReason::Shutdown),
                other => {
                    let (kind, detail) = other.kind_and_detail();
                    sys::exit(kind, detail)
                }
            },
            Step::ExitSignal { to, reason } => {
                let (kind, detail) = reason.kind_and_detail();
                code(sys::exit_signal(to.as_raw(), kind, detail))
            }
            Step::SendAfter { to, ms, msg } => match hatchery_sdk::send_after(to, ms, &msg) {
                Ok(timer) => json!(timer),
                Err(err) => json!(err.name()),
            },
            Step::CancelTimer(reference) => json!(hatchery_sdk::cancel_timer(TimerRef(reference))),
            Step::Panic(msg) => panic!("{msg}"),
            Step::Unreachable => trap(),
            Step::LoopForever => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Step::Alloc(bytes) => {
                let block = vec![0xa5u8; bytes];
                self.kept.push(std::hint::black_box(block));
                json!("ok")
            }
            Step::TryAlloc(bytes) => {
                let mut block = Vec::new();
                if block.try_reserve_exact(bytes).is_err() {
                    return json!("alloc_failed");
                }
                block.resize(bytes, 0xa5);
                self.kept.push(std::hint::black_box(block));
                json!("ok")
            }
            Step::Free => {
                self.kept = Vec::new();
                json!("ok")
            }
            Step::BadPointer => code(sys::send_raw(self.me.as_raw(), 0x7fff_0000, 64)),
            Step::Print(text) => {
                println!("{text}");
                json!("ok")
            }
            Step::Eprint(text) => {
                eprintln!("{text}");
                json!("ok")
            }
            Step::Report(value) => value,
            Step::Sleep(ms) => {
                // Wait without taking anything: no message matches.
                hatchery_sdk::receive_match(Timeout::ms(ms), |_| None::<()>);
                json!("ok")
            }
            Step::SelfPid => json!(self.me),
            Step::Nodes => json!(hatchery_sdk::nodes()),
            Step::ShowPid(pid) => {
                json!({"shown": pid.to_string(), "node": hatchery_sdk::pid_node(pid)})
            }
            Step::MonitorNode { node, on } => unit(hatchery_sdk::monitor_node(&node, on)),
            Step::MonitorNodes(on) => {
                hatchery_sdk::monitor_nodes(on);
                json!("ok")
            }
            Step::MakeRef => json!(hatchery_sdk::make_ref()),
            Step::NowMs => json!(hatchery_sdk::now_ms()),
        }
    }
}

/// `recv`: the first message of `kind` (any kind when `None`) that is not a `do` command,
/// and, with `equals`, a user message whose JSON equals it.
fn recv(timeout: Timeout, kind: Option<Kind>, equals: Option<&Value>) -> Value {
    let got = hatchery_sdk::receive_match(timeout, |msg| {
        let wanted = match msg {
            Message::User { data, .. } => {
                matches!(kind, None | Some(Kind::User))
                    && !is_do(data)
                    && equals.is_none_or(|e| {
                        serde_json::from_slice::<Value>(data).is_ok_and(|v| v == *e)
                    })
            }
            Message::Exit { .. } => matches!(kind, None | Some(Kind::Exit)) && equals.is_none(),
            Message::Down { .. } => matches!(kind, None | Some(Kind::Down)) && equals.is_none(),
            Message::NodeUp { .. } => matches!(kind, None | Some(Kind::Nodeup)) && equals.is_none(),
            Message::NodeDown { .. } => {
                matches!(kind, None | Some(Kind::Nodedown)) && equals.is_none()
            }
        };
        wanted.then(|| describe(msg))
    });
    got.unwrap_or_else(|| json!("timeout"))
}

/// `"ok"` or the error's snake_case name.
fn unit(result: Result<(), Error>) -> Value {
    match result {
        Ok(()) => json!("ok"),
        Err(err) => json!(err.name()),
    }
}

/// A raw ABI result: `"ok"` for 0, the error name for a negative code, else the number.
fn code(code: i32) -> Value {
    match Error::from_code(i64::from(code)) {
        Some(err) => json!(err.name()),
        None if code == 0 => json!("ok"),
        None => json!(code),
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A raw Wasm `unreachable` trap.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::unreachable()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::process::abort()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Step {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    #[test]
    fn documented_steps_parse() {
        let examples = [
            json!({"self": null}),
            json!("self"),
            json!({"trap_exit": true}),
            json!({"link": 5}),
            json!({"unlink": 5}),
            json!({"monitor": 5}),
            json!({"demonitor": {"ref": 9, "flush": true}}),
            json!({"demonitor": {"ref": 9}}),
            json!({"register": "name"}),
            json!({"register_pid": {"name": "n", "pid": 5}}),
            json!({"unregister": "n"}),
            json!({"whereis": "n"}),
            json!({"module_version": "m"}),
            json!({"module_rollback": "m"}),
            json!({"send": {"to": 5, "msg": {"a": [1]}}}),
            json!({"send_bytes": {"to": 5, "hex": "00ff"}}),
            json!({"send_size": {"to": 5, "bytes": 1_048_576}}),
            json!({"send_named": {"to": "name", "msg": null}}),
            json!({"send_named_at": {"to": "name", "node": "b", "msg": 1}}),
            json!({"spawn": {"module": "m", "args": {"x": 1}, "link": false, "monitor": true}}),
            json!({"spawn": {"module": "noop"}}),
            json!({"spawn": {"module": "noop", "node": "b", "link": true}}),
            json!({"recv": {"timeout_ms": 1000, "kind": "user", "equals": {"hello": 1}}}),
            json!({"recv": {"timeout_ms": null, "kind": null, "equals": null}}),
            json!({"recv": {}}),
            json!({"mailbox": null}),
            json!("mailbox"),
            json!({"mailbox_len": null}),
            json!({"take": 0}),
            json!({"exit": "normal"}),
            json!({"exit": "shutdown"}),
            json!({"exit": {"custom": "text"}}),
            json!({"exit": "kill"}),
            json!({"exit": {"raw": {"kind": 5, "detail": "x"}}}),
            json!({"exit_signal": {"to": 5, "reason": "killed"}}),
            json!({"exit_signal": {"to": 5, "reason": {"custom": "t"}}}),
            json!({"exit_signal": {"to": 5, "reason": {"raw": {"kind": 2}}}}),
            json!({"send_after": {"to": 5, "ms": 100, "msg": "tick"}}),
            json!({"cancel_timer": 10}),
            json!({"sleep": 100}),
            json!({"now_ms": null}),
            json!({"make_ref": null}),
            json!({"print": "text"}),
            json!({"eprint": "text"}),
            json!({"report": [1, 2]}),
            json!({"alloc": 1_048_576}),
            json!({"try_alloc": 1_048_576}),
            json!({"free": null}),
            json!({"panic": "msg"}),
            json!({"unreachable": null}),
            json!({"loop_forever": null}),
            json!({"bad_pointer": null}),
        ];
        for example in examples {
            parse(example);
        }
    }

    #[test]
    fn recv_defaults_to_any_kind_forever() {
        match parse(json!({"recv": {}})) {
            Step::Recv {
                timeout_ms: None,
                kind: None,
                equals: None,
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_steps_and_fields_are_rejected() {
        assert!(serde_json::from_value::<Step>(json!({"bogus": 1})).is_err());
        assert!(serde_json::from_value::<Step>(json!({"link": 5, "unlink": 6})).is_err());
        assert!(serde_json::from_value::<Step>(json!({"send": {"to": 5}})).is_err());
    }

    #[test]
    fn helpers() {
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(code(0), json!("ok"));
        assert_eq!(code(-2), json!("noproc"));
        assert_eq!(code(3), json!(3));
        assert_eq!(unit(Err(Error::NameTaken)), json!("name_taken"));
    }

    #[test]
    fn messages_are_described_as_documented() {
        let user = Message::User {
            from: Pid(5),
            data: br#"{"a":1}"#.to_vec(),
        };
        assert_eq!(
            describe(&user),
            json!({"kind": "user", "from": 5, "data": {"a": 1}})
        );
        let raw = Message::User {
            from: Pid(0),
            data: vec![0, 255],
        };
        assert_eq!(describe(&raw)["data"], json!("00ff"));
        let down = Message::Down {
            monitor: MonitorRef(9),
            pid: Pid(5),
            reason: ExitReason::custom("bye"),
        };
        assert_eq!(
            describe(&down),
            json!({"kind": "down", "ref": 9, "pid": 5, "reason": "custom: bye"})
        );
        assert!(is_do(br#"{"do": "self"}"#));
        assert!(!is_do(br#"{"done": 1}"#));
        assert!(!is_do(b"\x00"));
    }
}
