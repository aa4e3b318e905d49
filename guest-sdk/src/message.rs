//! Messages: sending, and selective receive over the mailbox (ABI section 4).

use std::cell::Cell;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::check;
use crate::timeout::remaining;
use crate::{Error, ExitReason, MonitorRef, Pid, Timeout, sys};

/// A message taken from (or looked at in) the mailbox.
///
/// ```no_run
/// use hatchery_sdk::{Message, Timeout, receive};
///
/// match receive(Timeout::ms(1000)) {
///     Some(Message::User { from, data }) => println!("{} bytes from {from}", data.len()),
///     Some(Message::Exit { from, reason }) => println!("{from} exited: {reason}"),
///     Some(Message::Down { pid, reason, .. }) => println!("{pid} is down: {reason}"),
///     Some(Message::NodeUp { node }) => println!("{node} connected"),
///     Some(Message::NodeDown { node }) => println!("{node} disconnected"),
///     None => println!("nothing within a second"),
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A message sent with `send`, `send_named` or a timer. `from` is `Pid(0)` when the
    /// message came from outside the node (the HTTP API).
    User {
        /// The sending process.
        from: Pid,
        /// The bytes exactly as sent (JSON in the typed layer).
        data: Vec<u8>,
    },
    /// An exit signal from a linked process, received because this process traps exits.
    Exit {
        /// The process whose exit signal this is.
        from: Pid,
        /// Its exit reason.
        reason: ExitReason,
    },
    /// A monitor this process created fired.
    Down {
        /// The monitor reference.
        monitor: MonitorRef,
        /// The monitored process.
        pid: Pid,
        /// Its exit reason (`noproc` if it was already dead).
        reason: ExitReason,
    },
    /// A node connected ([`monitor_nodes`](crate::monitor_nodes)).
    NodeUp {
        /// Its name.
        node: String,
    },
    /// A node disconnected ([`monitor_node`](crate::monitor_node),
    /// [`monitor_nodes`](crate::monitor_nodes)).
    NodeDown {
        /// Its name.
        node: String,
    },
}

impl Message {
    /// Builds a message from what `recv` reports: the kind and sender of the metadata block
    /// and the message bytes. `None` for an unknown kind or a malformed `DOWN`.
    pub fn from_raw(kind: u32, sender: i64, bytes: &[u8]) -> Option<Message> {
        match kind {
            sys::KIND_USER => Some(Message::User {
                from: Pid(sender as u64),
                data: bytes.to_vec(),
            }),
            _ => Self::from_signal(kind, sender, bytes),
        }
    }

    /// The `EXIT`, `DOWN` and node kinds, which never keep the buffer.
    fn from_signal(kind: u32, sender: i64, bytes: &[u8]) -> Option<Message> {
        match kind {
            sys::KIND_EXIT => Some(Message::Exit {
                from: Pid(sender as u64),
                reason: ExitReason::decode(bytes),
            }),
            sys::KIND_DOWN => {
                let (reference, reason) = bytes.split_first_chunk::<8>()?;
                Some(Message::Down {
                    monitor: MonitorRef(i64::from_le_bytes(*reference) as u64),
                    pid: Pid(sender as u64),
                    reason: ExitReason::decode(reason),
                })
            }
            sys::KIND_NODEUP => Some(Message::NodeUp {
                node: String::from_utf8_lossy(bytes).into_owned(),
            }),
            sys::KIND_NODEDOWN => Some(Message::NodeDown {
                node: String::from_utf8_lossy(bytes).into_owned(),
            }),
            _ => None,
        }
    }

    /// The sender: the sending process, the exited process, or the monitored process
    /// (`Pid(0)` for the node messages).
    pub fn sender(&self) -> Pid {
        match self {
            Message::User { from, .. } | Message::Exit { from, .. } => *from,
            Message::Down { pid, .. } => *pid,
            Message::NodeUp { .. } | Message::NodeDown { .. } => Pid(0),
        }
    }

    /// The JSON payload of a user message decoded as `T`; `None` for an `EXIT`/`DOWN`
    /// message or data that does not decode as `T`.
    ///
    /// ```
    /// use hatchery_sdk::{Message, Pid};
    ///
    /// let msg = Message::User { from: Pid(3), data: br#""stop""#.to_vec() };
    /// assert_eq!(msg.decode::<String>().as_deref(), Some("stop"));
    /// assert_eq!(msg.decode::<u32>(), None);
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Option<T> {
        match self {
            Message::User { data, .. } => serde_json::from_slice(data).ok(),
            _ => None,
        }
    }
}

impl Pid {
    /// Sends `msg`, encoded as JSON, to this process.
    ///
    /// Like Erlang's `!`, this does not tell whether the message arrived: a message to a dead
    /// process is dropped silently.
    ///
    /// # Errors
    ///
    /// [`Error::TooBig`] when the encoded message is over the node's size limit;
    /// [`Error::Decode`] when `msg` cannot be encoded as JSON.
    ///
    /// ```no_run
    /// # let server = hatchery_sdk::Pid(1);
    /// server.send(&serde_json::json!({"logon": {"from": hatchery_sdk::self_pid(), "name": "alice"}}))?;
    /// # Ok::<(), hatchery_sdk::Error>(())
    /// ```
    pub fn send<T: Serialize + ?Sized>(&self, msg: &T) -> Result<(), Error> {
        with_json(msg, |bytes| self.send_bytes(bytes))
    }

    /// Sends raw bytes to this process.
    ///
    /// # Errors
    ///
    /// [`Error::TooBig`] when `bytes` is over the node's message size limit.
    pub fn send_bytes(&self, bytes: &[u8]) -> Result<(), Error> {
        check(sys::send(self.as_raw(), bytes)).map(drop)
    }
}

/// Sends `msg`, encoded as JSON, to the process registered as `name`.
///
/// # Errors
///
/// [`Error::NotRegistered`] when no process has the name, [`Error::BadName`],
/// [`Error::TooBig`], or [`Error::Decode`] when `msg` cannot be encoded.
///
/// ```no_run
/// hatchery_sdk::send_named("mess_client@a", "logoff")?;
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn send_named<T: Serialize + ?Sized>(name: &str, msg: &T) -> Result<(), Error> {
    with_json(msg, |bytes| send_named_bytes(name, bytes))
}

/// Sends raw bytes to the process registered as `name`.
///
/// # Errors
///
/// [`Error::NotRegistered`], [`Error::BadName`] or [`Error::TooBig`].
pub fn send_named_bytes(name: &str, bytes: &[u8]) -> Result<(), Error> {
    check(sys::send_named(name.as_bytes(), bytes)).map(drop)
}

/// Sends `msg`, encoded as JSON, to the process registered as `name` on the node called
/// `node` (Erlang's `{Name, Node} ! Msg`); this node's own name sends here. A message to a
/// node that is not connected, or to a name nobody there holds, is dropped.
///
/// # Errors
///
/// [`Error::NotRegistered`] only when `node` is this node and nobody has `name`;
/// [`Error::BadName`], [`Error::TooBig`], or [`Error::Decode`].
///
/// ```no_run
/// hatchery_sdk::send_named_at("messenger", "server", "hello")?;
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn send_named_at<T: Serialize + ?Sized>(name: &str, node: &str, msg: &T) -> Result<(), Error> {
    with_json(msg, |bytes| send_named_at_bytes(name, node, bytes))
}

/// Sends raw bytes to `name` on the node called `node`.
///
/// # Errors
///
/// As [`send_named_at`].
pub fn send_named_at_bytes(name: &str, node: &str, bytes: &[u8]) -> Result<(), Error> {
    check(sys::send_named_at(name.as_bytes(), node.as_bytes(), bytes)).map(drop)
}

/// This node's name in its cluster (`nonode` for a node alone), as Erlang's `node()`.
pub fn node() -> String {
    crate::node::read_name(sys::node_name)
}

thread_local! {
    /// The receive buffer, reused across receives so that looking at small messages does
    /// not allocate. It grows to the largest message seen (up to [`KEEP_AT_MOST`]).
    static RECV_BUF: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    /// The JSON encoding buffer of the typed send functions.
    static SEND_BUF: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The receive buffer's starting capacity.
const INITIAL_CAPACITY: usize = 1024;
/// A buffer grown past this is dropped after the receive instead of being kept.
const KEEP_AT_MOST: usize = 1 << 20;

/// Encodes `msg` into the reused send buffer and hands the bytes to `f`.
pub(crate) fn with_json<T: Serialize + ?Sized, R>(
    msg: &T,
    f: impl FnOnce(&[u8]) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut buf = SEND_BUF.take();
    buf.clear();
    let result = match serde_json::to_writer(&mut buf, msg) {
        Ok(()) => f(&buf),
        Err(err) => Err(err.into()),
    };
    if buf.capacity() <= KEEP_AT_MOST {
        SEND_BUF.set(buf);
    }
    result
}

/// The mailbox as the receive loop sees it: the real host, or a fake in unit tests.
pub(crate) trait Mailbox {
    fn recv(
        &mut self,
        index: i32,
        timeout_ms: i64,
        buf: &mut Vec<u8>,
        info: &mut sys::RecvInfo,
    ) -> i32;
    fn take(&mut self, index: i32) -> i32;
    fn now_ms(&mut self) -> i64;
}

/// This process's mailbox, through the `hatchery_v1` imports.
struct HostMailbox;

impl Mailbox for HostMailbox {
    fn recv(
        &mut self,
        index: i32,
        timeout_ms: i64,
        buf: &mut Vec<u8>,
        info: &mut sys::RecvInfo,
    ) -> i32 {
        sys::recv(index, timeout_ms, buf, info)
    }
    fn take(&mut self, index: i32) -> i32 {
        sys::take(index)
    }
    fn now_ms(&mut self) -> i64 {
        sys::now_ms()
    }
}

/// Selective receive: waits for the first message, oldest first, for which `f` returns
/// `Some`, removes it from the mailbox and returns what `f` returned. Messages for which `f`
/// returns `None` stay queued, in order. Returns `None` when no message matched before the
/// timeout (Erlang's `after` branch).
///
/// `f` may be called several times on the same message (once per receive that looks at
/// it), so it should not have side effects it cannot repeat.
///
/// This is the loop of ABI section 4: scan by index, grow the buffer when a message is
/// bigger, wait with the time that is left, take on match.
///
/// ```no_run
/// use hatchery_sdk::{Message, Timeout, receive_match};
///
/// // Wait up to 5 s for {"messenger": ...}; everything else stays queued.
/// let reply = receive_match(Timeout::ms(5000), |msg| {
///     let value: serde_json::Value = msg.decode()?;
///     value.get("messenger").cloned()
/// });
/// match reply {
///     Some(what) => println!("{what}"),
///     None => println!("No response from server"),
/// }
/// ```
pub fn receive_match<R>(timeout: Timeout, f: impl FnMut(&Message) -> Option<R>) -> Option<R> {
    let mut buf = RECV_BUF.take();
    let result = receive_in(&mut HostMailbox, &mut buf, timeout, f);
    if buf.capacity() <= KEEP_AT_MOST {
        RECV_BUF.set(buf);
    }
    result
}

/// The receive loop over any [`Mailbox`], using `buf` as the receive buffer.
pub(crate) fn receive_in<R>(
    mailbox: &mut impl Mailbox,
    buf: &mut Vec<u8>,
    timeout: Timeout,
    mut f: impl FnMut(&Message) -> Option<R>,
) -> Option<R> {
    if buf.capacity() < INITIAL_CAPACITY {
        buf.reserve(INITIAL_CAPACITY);
    }
    let deadline = match timeout {
        Timeout::After(_) => timeout.deadline(mailbox.now_ms()),
        Timeout::Now | Timeout::Infinity => None,
    };
    let mut index = 0;
    loop {
        let wait = match timeout {
            Timeout::Now => 0,
            Timeout::Infinity => -1,
            Timeout::After(_) => remaining(deadline, mailbox.now_ms()),
        };
        let mut info = sys::RecvInfo::default();
        let size = mailbox.recv(index, wait, buf, &mut info);
        if size < 0 {
            // ERR_TIMEOUT is the `after` branch; any other code means the mailbox cannot be
            // read at this index, which ends the receive the same way.
            return None;
        }
        let size = size as usize;
        if size > buf.len() {
            buf.clear();
            buf.reserve(size);
            // The message is still at `index`: only this process removes messages.
            if mailbox.recv(index, 0, buf, &mut info) < 0 {
                return None;
            }
        }
        let message = if info.kind == sys::KIND_USER {
            Some(Message::User {
                from: Pid(info.sender as u64),
                data: std::mem::take(buf),
            })
        } else {
            Message::from_signal(info.kind, info.sender, buf)
        };
        if let Some(message) = message {
            let matched = f(&message);
            if let Message::User { data, .. } = message {
                *buf = data;
            }
            if matched.is_some() {
                mailbox.take(index);
                return matched;
            }
        }
        index += 1;
    }
}

/// Receives the oldest message of any kind, waiting at most `timeout`.
///
/// ```no_run
/// use hatchery_sdk::{Timeout, receive};
///
/// // Block until anything arrives, like `receive _ -> ok end`.
/// let _first = receive(Timeout::Infinity);
/// ```
pub fn receive(timeout: Timeout) -> Option<Message> {
    receive_match(timeout, |msg| Some(msg.clone()))
}

/// Receives the oldest user message whose JSON decodes as `T`, with its sender. Messages
/// that do not decode as `T` (and `EXIT`/`DOWN` messages) stay queued.
///
/// ```no_run
/// use hatchery_sdk::{Timeout, receive_json};
///
/// #[derive(serde::Deserialize)]
/// struct Ping { seq: u32 }
///
/// if let Some((from, ping)) = receive_json::<Ping>(Timeout::Infinity) {
///     from.send(&serde_json::json!({"pong": ping.seq}))?;
/// }
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn receive_json<T: DeserializeOwned>(timeout: Timeout) -> Option<(Pid, T)> {
    receive_match(timeout, |msg| match msg {
        Message::User { from, data } => serde_json::from_slice(data).ok().map(|v| (*from, v)),
        _ => None,
    })
}

/// The number of messages queued in this process's mailbox.
pub fn mailbox_len() -> usize {
    sys::mailbox_len().max(0) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// A mailbox held in memory. `recv` past the end "waits" by advancing the clock by the
    /// whole timeout, then delivers the next of `arriving`, if any.
    #[derive(Default)]
    struct FakeMailbox {
        queue: Vec<(u32, i64, Vec<u8>)>,
        arriving: VecDeque<(u32, i64, Vec<u8>)>,
        clock: i64,
        recv_calls: usize,
        buffer_caps: Vec<usize>,
    }

    impl FakeMailbox {
        fn with(messages: &[(u32, i64, &[u8])]) -> FakeMailbox {
            FakeMailbox {
                queue: messages
                    .iter()
                    .map(|(k, s, b)| (*k, *s, b.to_vec()))
                    .collect(),
                ..FakeMailbox::default()
            }
        }
    }

    impl Mailbox for FakeMailbox {
        fn recv(
            &mut self,
            index: i32,
            timeout_ms: i64,
            buf: &mut Vec<u8>,
            info: &mut sys::RecvInfo,
        ) -> i32 {
            self.recv_calls += 1;
            self.buffer_caps.push(buf.capacity());
            let index = index as usize;
            if index >= self.queue.len() {
                if timeout_ms == 0 {
                    return sys::ERR_TIMEOUT;
                }
                match self.arriving.pop_front() {
                    Some(m) => {
                        self.clock += 1;
                        self.queue.push(m);
                    }
                    None => {
                        assert!(timeout_ms > 0, "the fake cannot wait forever");
                        self.clock += timeout_ms;
                        return sys::ERR_TIMEOUT;
                    }
                }
            }
            let (kind, sender, bytes) = &self.queue[index];
            buf.clear();
            let n = bytes.len().min(buf.capacity());
            buf.extend_from_slice(&bytes[..n]);
            *info = sys::RecvInfo {
                kind: *kind,
                sender: *sender,
            };
            bytes.len() as i32
        }
        fn take(&mut self, index: i32) -> i32 {
            if (index as usize) < self.queue.len() {
                self.queue.remove(index as usize);
                0
            } else {
                sys::ERR_NO_MESSAGE
            }
        }
        fn now_ms(&mut self) -> i64 {
            self.clock
        }
    }

    fn user_text(msg: &Message) -> Option<String> {
        match msg {
            Message::User { data, .. } => Some(String::from_utf8(data.clone()).unwrap()),
            _ => None,
        }
    }

    #[test]
    fn takes_the_first_match_and_keeps_the_rest_in_order() {
        let mut mb = FakeMailbox::with(&[(0, 1, b"a"), (0, 2, b"b"), (0, 3, b"c")]);
        let mut buf = Vec::new();
        let got = receive_in(&mut mb, &mut buf, Timeout::Now, |m| {
            user_text(m).filter(|t| t == "b")
        });
        assert_eq!(got.as_deref(), Some("b"));
        let left: Vec<_> = mb.queue.iter().map(|m| m.2.clone()).collect();
        assert_eq!(left, [b"a".to_vec(), b"c".to_vec()]);
    }

    #[test]
    fn no_match_times_out_and_leaves_the_mailbox_alone() {
        let mut mb = FakeMailbox::with(&[(0, 1, b"a"), (1, 2, &[0])]);
        let mut buf = Vec::new();
        let got = receive_in(&mut mb, &mut buf, Timeout::ms(50), |_| None::<()>);
        assert_eq!(got, None);
        assert_eq!(mb.queue.len(), 2);
        assert_eq!(mb.clock, 50);
    }

    #[test]
    fn waits_for_a_later_matching_message() {
        let mut mb = FakeMailbox::with(&[(0, 1, b"noise")]);
        mb.arriving.push_back((0, 2, b"more noise".to_vec()));
        mb.arriving.push_back((0, 3, b"wanted".to_vec()));
        let mut buf = Vec::new();
        let got = receive_in(&mut mb, &mut buf, Timeout::ms(1000), |m| {
            user_text(m).filter(|t| t == "wanted").map(|_| m.sender())
        });
        assert_eq!(got, Some(Pid(3)));
        assert_eq!(mb.queue.len(), 2);
    }

    #[test]
    fn grows_the_buffer_for_a_big_message_and_reuses_it() {
        let big = vec![7u8; 5000];
        let mut mb = FakeMailbox::with(&[(0, 9, &big)]);
        let mut buf = Vec::new();
        let got = receive_in(&mut mb, &mut buf, Timeout::Now, |m| match m {
            Message::User { data, .. } => Some(data.clone()),
            _ => None,
        });
        assert_eq!(got, Some(big));
        // First look with the initial capacity, second with enough room.
        assert_eq!(mb.recv_calls, 2);
        assert!(mb.buffer_caps[0] >= INITIAL_CAPACITY && mb.buffer_caps[0] < 5000);
        assert!(mb.buffer_caps[1] >= 5000);
        // The grown buffer is handed back for the next receive.
        assert!(buf.capacity() >= 5000);
    }

    #[test]
    fn small_receives_reuse_the_same_allocation() {
        let mut mb = FakeMailbox::with(&[(0, 1, b"x"), (0, 1, b"y")]);
        let mut buf = Vec::new();
        receive_in(&mut mb, &mut buf, Timeout::Now, user_text);
        let ptr = buf.as_ptr();
        receive_in(&mut mb, &mut buf, Timeout::Now, user_text);
        assert_eq!(buf.as_ptr(), ptr);
    }

    #[test]
    fn decodes_exit_and_down_messages() {
        let mut down = 77i64.to_le_bytes().to_vec();
        down.push(sys::REASON_KILLED);
        let mut mb =
            FakeMailbox::with(&[(sys::KIND_EXIT, 4, b"\x07boom"), (sys::KIND_DOWN, 5, &down)]);
        let mut buf = Vec::new();
        let all: Vec<Message> = (0..2)
            .filter_map(|_| receive_in(&mut mb, &mut buf, Timeout::Now, |m| Some(m.clone())))
            .collect();
        assert_eq!(
            all,
            [
                Message::Exit {
                    from: Pid(4),
                    reason: ExitReason::custom("boom")
                },
                Message::Down {
                    monitor: MonitorRef(77),
                    pid: Pid(5),
                    reason: ExitReason::Killed
                },
            ]
        );
    }

    #[test]
    fn unknown_kinds_are_skipped_not_taken() {
        let mut mb = FakeMailbox::with(&[(9, 1, b"?"), (0, 2, b"ok")]);
        let mut buf = Vec::new();
        let got = receive_in(&mut mb, &mut buf, Timeout::Now, |m| Some(m.sender()));
        assert_eq!(got, Some(Pid(2)));
        assert_eq!(mb.queue.len(), 1);
    }

    #[test]
    fn from_raw_shapes() {
        assert_eq!(
            Message::from_raw(0, 0, b"{}"),
            Some(Message::User {
                from: Pid(0),
                data: b"{}".to_vec()
            })
        );
        assert_eq!(Message::from_raw(2, 1, &[1, 2, 3]), None);
        assert_eq!(
            Message::from_raw(3, 0, b"b"),
            Some(Message::NodeUp { node: "b".into() })
        );
        assert_eq!(
            Message::from_raw(4, 0, b"b"),
            Some(Message::NodeDown { node: "b".into() })
        );
        assert_eq!(Message::from_raw(5, 1, &[]), None);
    }

    #[test]
    fn decode_only_user_json() {
        let exit = Message::Exit {
            from: Pid(1),
            reason: ExitReason::Normal,
        };
        assert_eq!(exit.decode::<serde_json::Value>(), None);
        let user = Message::User {
            from: Pid(1),
            data: br#"{"a":1}"#.to_vec(),
        };
        assert_eq!(user.decode(), Some(serde_json::json!({"a": 1})));
    }

    #[test]
    fn json_is_encoded_into_a_reused_buffer() {
        let out = with_json(&serde_json::json!(["x", 1]), |b| Ok(b.to_vec())).unwrap();
        assert_eq!(out, br#"["x",1]"#);
        let out = with_json("stop", |b| Ok(b.to_vec())).unwrap();
        assert_eq!(out, br#""stop""#);
    }
}
