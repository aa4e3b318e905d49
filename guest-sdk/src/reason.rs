//! Exit reasons and their byte encoding (ABI section 3).

use std::fmt;

use crate::sys;

/// Why a process ended. Carried by [`Message::Exit`](crate::Message::Exit) and
/// [`Message::Down`](crate::Message::Down), and passed to [`exit`](crate::exit) and
/// [`exit_signal`](crate::exit_signal).
///
/// On the wire a reason is one kind byte followed by a detail (ABI section 3):
///
/// ```
/// use hatchery_sdk::ExitReason;
///
/// let reason = ExitReason::Custom(b"timeout".to_vec());
/// assert_eq!(reason.encode(), b"\x07timeout");
/// assert_eq!(ExitReason::decode(b"\x07timeout"), reason);
/// assert_eq!(reason.to_string(), "custom: timeout");
/// assert!(ExitReason::decode(&[0]).is_normal());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// Kind 0: the entry returned, `exit(normal)`, or WASI `proc_exit(0)`.
    Normal,
    /// Kind 1: the process received the untrappable `kill` signal.
    Killed,
    /// Kind 2: a link or monitor named a process that was already dead.
    NoProc,
    /// Kind 3: the process's node became unreachable (reserved for multi-node).
    NoConnection,
    /// Kind 4: an orderly stop requested by a supervisor or the node.
    Shutdown,
    /// Kind 5: the guest trapped; the trap message, a newline, then the Wasm backtrace.
    Trap(String),
    /// Kind 6: a per-process cap was hit: `memory` or `mailbox`.
    Limit(String),
    /// Kind 7: a reason of the guest's choosing (any bytes).
    Custom(Vec<u8>),
    /// Kind 8: the process could not start; what was missing.
    Undef(String),
}

impl ExitReason {
    /// A [`ExitReason::Custom`] reason from text or bytes.
    pub fn custom(detail: impl Into<Vec<u8>>) -> ExitReason {
        ExitReason::Custom(detail.into())
    }

    /// Whether this is [`ExitReason::Normal`].
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal)
    }

    /// The kind byte (ABI section 3).
    pub fn kind(&self) -> u8 {
        match self {
            ExitReason::Normal => sys::REASON_NORMAL,
            ExitReason::Killed => sys::REASON_KILLED,
            ExitReason::NoProc => sys::REASON_NOPROC,
            ExitReason::NoConnection => sys::REASON_NOCONNECTION,
            ExitReason::Shutdown => sys::REASON_SHUTDOWN,
            ExitReason::Trap(_) => sys::REASON_TRAP,
            ExitReason::Limit(_) => sys::REASON_LIMIT,
            ExitReason::Custom(_) => sys::REASON_CUSTOM,
            ExitReason::Undef(_) => sys::REASON_UNDEF,
        }
    }

    /// The detail bytes (empty for kinds 0–4).
    pub fn detail(&self) -> &[u8] {
        match self {
            ExitReason::Trap(text) | ExitReason::Limit(text) | ExitReason::Undef(text) => {
                text.as_bytes()
            }
            ExitReason::Custom(bytes) => bytes,
            _ => &[],
        }
    }

    /// The wire form: the kind byte, then the detail.
    pub fn encode(&self) -> Vec<u8> {
        let detail = self.detail();
        let mut out = Vec::with_capacity(1 + detail.len());
        out.push(self.kind());
        out.extend_from_slice(detail);
        out
    }

    /// Reads the wire form. Detail bytes of kinds 0–4 are ignored; text details that are not
    /// UTF-8 are converted lossily. Bytes that are not a valid reason (empty, or an unknown
    /// kind from a newer host) become [`ExitReason::Custom`] holding all of them, so nothing
    /// is lost.
    pub fn decode(bytes: &[u8]) -> ExitReason {
        let Some((&kind, detail)) = bytes.split_first() else {
            return ExitReason::Custom(Vec::new());
        };
        let text = || String::from_utf8_lossy(detail).into_owned();
        match kind {
            sys::REASON_NORMAL => ExitReason::Normal,
            sys::REASON_KILLED => ExitReason::Killed,
            sys::REASON_NOPROC => ExitReason::NoProc,
            sys::REASON_NOCONNECTION => ExitReason::NoConnection,
            sys::REASON_SHUTDOWN => ExitReason::Shutdown,
            sys::REASON_TRAP => ExitReason::Trap(text()),
            sys::REASON_LIMIT => ExitReason::Limit(text()),
            sys::REASON_CUSTOM => ExitReason::Custom(detail.to_vec()),
            sys::REASON_UNDEF => ExitReason::Undef(text()),
            _ => ExitReason::Custom(bytes.to_vec()),
        }
    }

    /// The reason `exit` can actually pass: `normal`, `shutdown` and `custom` go through as
    /// they are; any other reason becomes `custom` with its display text as detail.
    pub(crate) fn for_self_exit(self) -> ExitReason {
        match self {
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::Custom(_) => self,
            other => ExitReason::Custom(other.to_string().into_bytes()),
        }
    }
}

impl fmt::Display for ExitReason {
    /// `normal`, `killed`, `noproc`, `noconnection`, `shutdown`, `trap: <message>`,
    /// `limit: <what>`, `custom: <detail>` (the detail as text when it is UTF-8, otherwise
    /// `0x` and lowercase hex), `undef: <what>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::NoProc => f.write_str("noproc"),
            ExitReason::NoConnection => f.write_str("noconnection"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Trap(text) => write!(f, "trap: {text}"),
            ExitReason::Limit(text) => write!(f, "limit: {text}"),
            ExitReason::Undef(text) => write!(f, "undef: {text}"),
            ExitReason::Custom(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => write!(f, "custom: {text}"),
                Err(_) => {
                    f.write_str("custom: 0x")?;
                    bytes.iter().try_for_each(|b| write!(f, "{b:02x}"))
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<ExitReason> {
        vec![
            ExitReason::Normal,
            ExitReason::Killed,
            ExitReason::NoProc,
            ExitReason::NoConnection,
            ExitReason::Shutdown,
            ExitReason::Trap("wasm trap: unreachable\n0: main".into()),
            ExitReason::Limit("memory".into()),
            ExitReason::Custom(vec![0xff, 0, 1]),
            ExitReason::Custom(Vec::new()),
            ExitReason::Undef("module nope is not loaded".into()),
        ]
    }

    #[test]
    fn encode_decode_round_trip() {
        for reason in all() {
            assert_eq!(ExitReason::decode(&reason.encode()), reason, "{reason}");
        }
    }

    #[test]
    fn encoding_follows_the_abi_table() {
        assert_eq!(ExitReason::Normal.encode(), [0]);
        assert_eq!(ExitReason::Killed.encode(), [1]);
        assert_eq!(ExitReason::NoProc.encode(), [2]);
        assert_eq!(ExitReason::NoConnection.encode(), [3]);
        assert_eq!(ExitReason::Shutdown.encode(), [4]);
        assert_eq!(ExitReason::Trap("x".into()).encode(), b"\x05x");
        assert_eq!(ExitReason::Limit("mailbox".into()).encode(), b"\x06mailbox");
        assert_eq!(
            ExitReason::custom("exit status 3").encode(),
            b"\x07exit status 3"
        );
        assert_eq!(ExitReason::Undef("m".into()).encode(), b"\x08m");
    }

    #[test]
    fn decode_is_total() {
        assert_eq!(ExitReason::decode(&[]), ExitReason::Custom(vec![]));
        assert_eq!(ExitReason::decode(&[9, 1]), ExitReason::Custom(vec![9, 1]));
        // Detail bytes after a detail-less kind are ignored.
        assert_eq!(ExitReason::decode(&[4, 1, 2]), ExitReason::Shutdown);
        assert_eq!(
            ExitReason::decode(&[5, 0xff, b'a']),
            ExitReason::Trap("\u{fffd}a".into())
        );
    }

    #[test]
    fn display() {
        let shown: Vec<String> = all().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "normal",
                "killed",
                "noproc",
                "noconnection",
                "shutdown",
                "trap: wasm trap: unreachable\n0: main",
                "limit: memory",
                "custom: 0xff0001",
                "custom: ",
                "undef: module nope is not loaded",
            ]
        );
        assert_eq!(ExitReason::custom("timeout").to_string(), "custom: timeout");
    }

    #[test]
    fn only_normal_is_normal() {
        assert!(ExitReason::Normal.is_normal());
        assert!(all().iter().skip(1).all(|r| !r.is_normal()));
    }

    #[test]
    fn self_exit_maps_disallowed_kinds_to_custom() {
        assert_eq!(ExitReason::Normal.for_self_exit(), ExitReason::Normal);
        assert_eq!(ExitReason::Shutdown.for_self_exit(), ExitReason::Shutdown);
        assert_eq!(
            ExitReason::custom("x").for_self_exit(),
            ExitReason::custom("x")
        );
        assert_eq!(
            ExitReason::Killed.for_self_exit(),
            ExitReason::custom("killed")
        );
        assert_eq!(
            ExitReason::Limit("memory".into()).for_self_exit(),
            ExitReason::custom("limit: memory")
        );
    }
}
