//! Process identifiers and references.

use std::fmt;
use std::str::FromStr;

/// A process identifier, unique within a node for the node's lifetime.
///
/// A node hands pids out through a [`crate::mint::Mint`]: positive numbers below 2^53 that
/// are never reused, so a stale pid can never reach a newer process, and that cannot be
/// guessed, so a guest can use only the pids it was given (thesis §2.4.2). On the wire
/// (the ABI, JSON) a pid is that number; it displays as `<0.N>` in the manner of Erlang.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pid(pub u64);

impl Pid {
    /// The raw number, as guests see it.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}>", self.0)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The error returned when a string is not a pid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a pid (expected a number such as 42 or <0.42>)")]
pub struct ParsePidError(String);

impl FromStr for Pid {
    type Err = ParsePidError;

    /// Accepts `42`, `<0.42>`, `0.42` and another node's `<NODE.42>` (the number alone
    /// names the pid on every node).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let t = match t.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            // `<0.N>`, or `<NODE.N>` (a node's name may hold dots; N is after the last).
            Some(inner) => inner.rsplit_once('.').map_or(inner, |(_, n)| n),
            None => t.strip_prefix("0.").unwrap_or(t),
        };
        match t.parse::<u64>() {
            Ok(n) if n > 0 => Ok(Pid(n)),
            _ => Err(ParsePidError(s.to_string())),
        }
    }
}

impl serde::Serialize for Pid {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Pid {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        u64::deserialize(d).map(Pid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_users_type() {
        assert_eq!("42".parse::<Pid>(), Ok(Pid(42)));
        assert_eq!("<0.42>".parse::<Pid>(), Ok(Pid(42)));
        assert_eq!("<messenger.42>".parse::<Pid>(), Ok(Pid(42)));
        assert_eq!("<a.b.42>".parse::<Pid>(), Ok(Pid(42)));
        assert_eq!("0.42".parse::<Pid>(), Ok(Pid(42)));
        assert!(
            "v1.2".parse::<Pid>().is_err(),
            "a name with a dot is no pid"
        );
        assert!("0".parse::<Pid>().is_err());
        assert!("abc".parse::<Pid>().is_err());
        assert_eq!(Pid(7).to_string(), "<0.7>");
    }
}
