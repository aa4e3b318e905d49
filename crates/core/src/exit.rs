//! Exit reasons: why a process ended, as links, monitors and the user see it.

use std::fmt;

/// Why a process ended (or, in an exit signal, why it is asked to end).
///
/// The byte encoding (`encode` / `decode`) is the one of `guest-sdk/ABI.md` section 3: one
/// kind byte, then a detail.
#[derive(Clone, PartialEq, Eq)]
pub enum ExitReason {
    /// The entry returned, or the process called `exit(normal)`.
    Normal,
    /// The process received the untrappable `kill` signal.
    Killed,
    /// A link or monitor named a process that was already dead.
    NoProc,
    /// The process's node became unreachable.
    NoConnection,
    /// An orderly stop requested by a supervisor or the node.
    Shutdown,
    /// The guest trapped; the text holds the trap message and the Wasm backtrace.
    Trap(String),
    /// A per-process cap was hit: `memory` or `mailbox`.
    Limit(String),
    /// A reason chosen by the guest.
    Custom(Vec<u8>),
    /// The process could not start (unknown module, no entry, instantiation failure).
    Undef(String),
}

/// Kind bytes of the encoding (the `reason kind` of guest-sdk/ABI.md), one per
/// [`ExitReason`] variant.
#[allow(missing_docs)]
pub mod kind {
    pub const NORMAL: u8 = 0;
    pub const KILLED: u8 = 1;
    pub const NOPROC: u8 = 2;
    pub const NOCONNECTION: u8 = 3;
    pub const SHUTDOWN: u8 = 4;
    pub const TRAP: u8 = 5;
    pub const LIMIT: u8 = 6;
    pub const CUSTOM: u8 = 7;
    pub const UNDEF: u8 = 8;
}

impl ExitReason {
    /// Whether this is `normal`, the reason that does not kill linked processes.
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal)
    }

    /// A custom reason from text.
    pub fn custom(text: impl Into<String>) -> Self {
        ExitReason::Custom(text.into().into_bytes())
    }

    /// Builds a reason from an ABI kind and detail bytes, or `None` for an unknown kind.
    pub fn from_parts(kind: i32, detail: &[u8]) -> Option<Self> {
        let text = || String::from_utf8_lossy(detail).into_owned();
        Some(match u8::try_from(kind).ok()? {
            kind::NORMAL => ExitReason::Normal,
            kind::KILLED => ExitReason::Killed,
            kind::NOPROC => ExitReason::NoProc,
            kind::NOCONNECTION => ExitReason::NoConnection,
            kind::SHUTDOWN => ExitReason::Shutdown,
            kind::TRAP => ExitReason::Trap(text()),
            kind::LIMIT => ExitReason::Limit(text()),
            kind::CUSTOM => ExitReason::Custom(detail.to_vec()),
            kind::UNDEF => ExitReason::Undef(text()),
            _ => return None,
        })
    }

    /// The kind byte of the encoding.
    pub fn kind(&self) -> u8 {
        match self {
            ExitReason::Normal => kind::NORMAL,
            ExitReason::Killed => kind::KILLED,
            ExitReason::NoProc => kind::NOPROC,
            ExitReason::NoConnection => kind::NOCONNECTION,
            ExitReason::Shutdown => kind::SHUTDOWN,
            ExitReason::Trap(_) => kind::TRAP,
            ExitReason::Limit(_) => kind::LIMIT,
            ExitReason::Custom(_) => kind::CUSTOM,
            ExitReason::Undef(_) => kind::UNDEF,
        }
    }

    /// Appends the ABI encoding to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.kind());
        match self {
            ExitReason::Trap(t) | ExitReason::Limit(t) | ExitReason::Undef(t) => {
                out.extend_from_slice(t.as_bytes())
            }
            ExitReason::Custom(b) => out.extend_from_slice(b),
            _ => {}
        }
    }

    /// The ABI encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes the ABI encoding; `None` when the bytes are empty or the kind is unknown.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (&k, detail) = bytes.split_first()?;
        Self::from_parts(i32::from(k), detail)
    }

    /// The short name of the kind: `normal`, `killed`, `trap`, ...
    pub fn name(&self) -> &'static str {
        match self {
            ExitReason::Normal => "normal",
            ExitReason::Killed => "killed",
            ExitReason::NoProc => "noproc",
            ExitReason::NoConnection => "noconnection",
            ExitReason::Shutdown => "shutdown",
            ExitReason::Trap(_) => "trap",
            ExitReason::Limit(_) => "limit",
            ExitReason::Custom(_) => "custom",
            ExitReason::Undef(_) => "undef",
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Trap(t) | ExitReason::Limit(t) | ExitReason::Undef(t) => {
                write!(f, "{}: {t}", self.name())
            }
            ExitReason::Custom(b) => match std::str::from_utf8(b) {
                Ok(s) => write!(f, "custom: {s}"),
                Err(_) => {
                    write!(f, "custom: 0x")?;
                    b.iter().try_for_each(|x| write!(f, "{x:02x}"))
                }
            },
            _ => f.write_str(self.name()),
        }
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_round_trips_through_its_encoding() {
        let all = [
            ExitReason::Normal,
            ExitReason::Killed,
            ExitReason::NoProc,
            ExitReason::NoConnection,
            ExitReason::Shutdown,
            ExitReason::Trap("unreachable\n0: f".into()),
            ExitReason::Limit("memory".into()),
            ExitReason::Custom(vec![0xff, 0]),
            ExitReason::Undef("no module x".into()),
        ];
        for r in all {
            assert_eq!(ExitReason::decode(&r.encode()), Some(r.clone()), "{r}");
        }
        assert_eq!(ExitReason::decode(&[]), None);
        assert_eq!(ExitReason::decode(&[99]), None);
    }

    #[test]
    fn custom_reasons_display_as_the_sdk_does() {
        assert_eq!(ExitReason::custom("timeout").to_string(), "custom: timeout");
        assert_eq!(ExitReason::Custom(vec![0xff]).to_string(), "custom: 0xff");
        assert_eq!(
            ExitReason::Limit("mailbox".into()).to_string(),
            "limit: mailbox"
        );
    }
}
