//! Messages as they sit in a mailbox.

use crate::exit::ExitReason;
use crate::pid::Pid;

/// What kind of message this is (ABI.md section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageKind {
    /// Bytes sent by a process, a timer or the HTTP API.
    User = 0,
    /// An exit signal turned into a message because the receiver traps exits.
    Exit = 1,
    /// A monitored process ended.
    Down = 2,
    /// A node connected (`Node::monitor_nodes`); the bytes are its name.
    NodeUp = 3,
    /// A node disconnected (`Node::monitor_node`, `Node::monitor_nodes`); the bytes are its
    /// name.
    NodeDown = 4,
}

/// One queued message: bytes plus who sent it and what kind it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The kind.
    pub kind: MessageKind,
    /// The sender: the sending pid for user messages, the dead or signalling pid for
    /// `Exit` and `Down`; `Pid(0)` for messages from outside the node.
    pub sender: Pid,
    /// The bytes, laid out as ABI.md section 4 says for the kind.
    pub data: Box<[u8]>,
    /// Set on a followed message and on every message sent while handling one.
    pub trace: Option<TraceTag>,
}

/// Marks a message as part of a followed flow (see `crate::trace`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceTag {
    /// The trace.
    pub id: u64,
    /// 0 for the injected message, 1 for what its handler sent, and so on.
    pub depth: u8,
    /// The span of the hop its sender was handling, when that hop is on another node
    /// (a message that came from there); `None` to find it among this node's hops.
    pub parent: Option<u64>,
}

impl Message {
    /// A user message.
    pub fn user(sender: Pid, data: impl Into<Box<[u8]>>) -> Self {
        Message {
            kind: MessageKind::User,
            sender,
            data: data.into(),
            trace: None,
        }
    }

    /// The same message, marked as part of a followed flow.
    pub fn traced(mut self, trace: Option<TraceTag>) -> Self {
        self.trace = trace;
        self
    }

    /// An `EXIT` message for a process that traps exits.
    pub fn exit(from: Pid, reason: &ExitReason) -> Self {
        Message {
            kind: MessageKind::Exit,
            sender: from,
            data: reason.encode().into(),
            trace: None,
        }
    }

    /// A `DOWN` message: the monitor reference, then the reason.
    pub fn down(monitor: u64, pid: Pid, reason: &ExitReason) -> Self {
        let mut data = monitor.to_le_bytes().to_vec();
        reason.encode_into(&mut data);
        Message {
            kind: MessageKind::Down,
            sender: pid,
            data: data.into(),
            trace: None,
        }
    }

    /// A `NODEUP` or `NODEDOWN` message for the node called `name`.
    pub fn node(up: bool, name: &str) -> Self {
        Message {
            kind: if up {
                MessageKind::NodeUp
            } else {
                MessageKind::NodeDown
            },
            sender: Pid(0),
            data: name.as_bytes().into(),
            trace: None,
        }
    }

    /// The exit reason carried by an `Exit` or `Down` message.
    pub fn reason(&self) -> Option<ExitReason> {
        match self.kind {
            MessageKind::User | MessageKind::NodeUp | MessageKind::NodeDown => None,
            MessageKind::Exit => ExitReason::decode(&self.data),
            MessageKind::Down => ExitReason::decode(self.data.get(8..)?),
        }
    }

    /// The monitor reference of a `Down` message.
    pub fn monitor_ref(&self) -> Option<u64> {
        match self.kind {
            MessageKind::Down => Some(u64::from_le_bytes(self.data.get(..8)?.try_into().ok()?)),
            _ => None,
        }
    }

    /// The bytes the mailbox caps count.
    pub fn size(&self) -> usize {
        self.data.len()
    }
}
