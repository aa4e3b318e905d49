//! The harness side of the conformance protocol (modules/conformance/PROTOCOL.md):
//! commands to a guest, and its replies.

use std::time::Duration;

use hatchery::{ExitReason, MessageKind, NativeProcess, Pid};

/// Operation numbers of the protocol.
pub mod op {
    pub const SELF: u8 = 1;
    pub const PARENT: u8 = 2;
    pub const ARGS: u8 = 3;
    pub const SPAWN: u8 = 4;
    pub const SEND: u8 = 5;
    pub const SEND_NAMED: u8 = 6;
    pub const RECV: u8 = 7;
    pub const TAKE: u8 = 8;
    pub const MAILBOX_LEN: u8 = 9;
    pub const LINK: u8 = 10;
    pub const UNLINK: u8 = 11;
    pub const TRAP_EXIT: u8 = 12;
    pub const EXIT: u8 = 13;
    pub const EXIT_SIGNAL: u8 = 14;
    pub const MONITOR: u8 = 15;
    pub const DEMONITOR: u8 = 16;
    pub const REGISTER: u8 = 17;
    pub const UNREGISTER: u8 = 18;
    pub const WHEREIS: u8 = 19;
    pub const SEND_AFTER: u8 = 20;
    pub const CANCEL_TIMER: u8 = 21;
    pub const MAKE_REF: u8 = 22;
    pub const NOW_MS: u8 = 23;
    pub const RECEIVE: u8 = 24;
    pub const CALL: u8 = 25;
    pub const CAST: u8 = 26;
    pub const BAD_POINTER: u8 = 27;
    pub const CRASH: u8 = 28;
    pub const PRINT: u8 = 29;
    pub const SEND_NAMED_AT: u8 = 30;
    pub const NODE_NAME: u8 = 31;
    pub const NODES: u8 = 32;
    pub const PID_NODE: u8 = 33;
    pub const MONITOR_NODE: u8 = 34;
    pub const MONITOR_NODES: u8 = 35;
    pub const SPAWN_AT: u8 = 36;
    pub const PID_STRING: u8 = 37;
}

/// Message kinds as the protocol's `receive` (op 24) numbers them (guest-sdk/ABI.md §4).
pub mod kind {
    pub const EXIT: i64 = 1;
    pub const DOWN: i64 = 2;
    pub const NODEDOWN: i64 = 4;
}

/// ABI error codes (guest-sdk/ABI.md §2).
pub mod err {
    pub const TIMEOUT: i64 = -1;
    pub const NOPROC: i64 = -2;
    pub const NOT_REGISTERED: i64 = -3;
    pub const NAME_TAKEN: i64 = -4;
    pub const ALREADY_REGISTERED: i64 = -5;
    pub const NO_MESSAGE: i64 = -8;
    pub const BAD_NAME: i64 = -9;
    pub const NOT_FOUND: i64 = -10;
    pub const BAD_ARG: i64 = -11;
}

/// A command to a `conf_<lang>` guest.
#[derive(Clone, Debug, Default)]
pub struct Cmd {
    pub op: u8,
    pub a: i64,
    pub b: i64,
    pub c: i64,
    pub s1: Vec<u8>,
    pub s2: Vec<u8>,
}

impl Cmd {
    pub fn new(op: u8) -> Cmd {
        Cmd {
            op,
            ..Cmd::default()
        }
    }
    pub fn a(mut self, a: i64) -> Cmd {
        self.a = a;
        self
    }
    pub fn b(mut self, b: i64) -> Cmd {
        self.b = b;
        self
    }
    pub fn pid(self, pid: Pid) -> Cmd {
        self.a(pid.as_u64() as i64)
    }
    pub fn s1(mut self, s: impl AsRef<[u8]>) -> Cmd {
        self.s1 = s.as_ref().to_vec();
        self
    }
    pub fn s2(mut self, s: impl AsRef<[u8]>) -> Cmd {
        self.s2 = s.as_ref().to_vec();
        self
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0xC0, self.op, 0, 0, 0, 0, 0, 0];
        for v in [self.a, self.b, self.c] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.s1.len() as u32).to_le_bytes());
        out.extend_from_slice(&(self.s2.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.s1);
        out.extend_from_slice(&self.s2);
        out
    }
}

/// A guest's reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub r: i64,
    pub x: i64,
    pub y: i64,
    pub data: Vec<u8>,
}

impl Reply {
    fn parse(op: u8, data: &[u8]) -> Option<Reply> {
        if data.len() < 40 || data[0] != 0xC1 || data[1] != op {
            return None;
        }
        let i64_at = |at: usize| i64::from_le_bytes(data[at..at + 8].try_into().expect("8"));
        let len = u32::from_le_bytes(data[32..36].try_into().expect("4")) as usize;
        Some(Reply {
            r: i64_at(8),
            x: i64_at(16),
            y: i64_at(24),
            data: data.get(40..40 + len)?.to_vec(),
        })
    }

    /// The reply's data as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

/// How long the harness waits for one reply: generous, tests run on slow machines.
pub const REPLY_WAIT: Duration = Duration::from_secs(30);

/// Sends a command without waiting for the reply.
pub fn start(me: &NativeProcess, guest: Pid, cmd: &Cmd) {
    me.send(guest, cmd.encode());
}

/// The reply to `op` from `guest`, within `wait`. `Ok(None)` when none came in time; an
/// error when the guest ended first (the harness monitors every guest it spawns).
pub async fn reply_within(
    me: &NativeProcess,
    guest: Pid,
    op: u8,
    wait: Duration,
) -> Result<Option<Reply>, String> {
    enum Got {
        Reply(Reply),
        Down(ExitReason),
    }
    let got = me
        .recv_match(Some(wait), |m| {
            if m.sender != guest {
                return None;
            }
            match m.kind {
                MessageKind::User => Reply::parse(op, &m.data).map(Got::Reply),
                MessageKind::Down => m.reason().map(Got::Down),
                _ => None,
            }
        })
        .await
        .map_err(|e| format!("the harness process ended: {e:?}"))?;
    match got {
        Some(Got::Reply(r)) => Ok(Some(r)),
        Some(Got::Down(reason)) => Err(format!("the guest {guest} ended: {reason}")),
        None => Ok(None),
    }
}

/// The reply to `op` from `guest`.
pub async fn reply(me: &NativeProcess, guest: Pid, op: u8) -> Result<Reply, String> {
    reply_within(me, guest, op, REPLY_WAIT)
        .await?
        .ok_or_else(|| format!("no reply to op {op} from {guest} within {REPLY_WAIT:?}"))
}

/// Sends a command and waits for its reply.
pub async fn run(me: &NativeProcess, guest: Pid, cmd: Cmd) -> Result<Reply, String> {
    start(me, guest, &cmd);
    reply(me, guest, cmd.op).await
}
