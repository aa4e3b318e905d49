//! Process identifiers and the references the host hands out.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A process identifier, unique within the node and never reused while the node runs.
///
/// Serializes as a plain JSON number, so pids can travel inside JSON messages and arguments.
/// Displays like Erlang's pids: `<0.42>` for a pid of this node, `<NODE.42>` for one of
/// another node of the cluster (ABI section 1; the node is asked with `pid_node`).
///
/// ```
/// use hatchery_sdk::Pid;
///
/// let pid = Pid(42);
/// assert_eq!(pid.to_string(), "<0.42>");
/// assert_eq!(serde_json::to_string(&pid).unwrap(), "42");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pid(pub u64);

impl Pid {
    /// The pid as the ABI's `i64`.
    pub const fn as_raw(self) -> i64 {
        self.0 as i64
    }

    /// A pid from an ABI value; `None` for 0 or a negative number (no process).
    pub const fn from_raw(raw: i64) -> Option<Pid> {
        if raw > 0 { Some(Pid(raw as u64)) } else { None }
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(target_arch = "wasm32")]
        if self.0 != 0 {
            return f.write_str(&crate::node::show(*self));
        }
        write!(f, "<0.{}>", self.0)
    }
}

/// A monitor reference, returned by [`monitor`](crate::monitor) and
/// [`spawn_monitor`](crate::spawn_monitor) and carried by the matching
/// [`Message::Down`](crate::Message::Down).
///
/// Serializes as a plain JSON number; displays as `#Ref<0.N>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MonitorRef(pub u64);

impl fmt::Display for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<0.{}>", self.0)
    }
}

/// A timer reference, returned by [`send_after`](crate::send_after).
///
/// Serializes as a plain JSON number; displays as `#Timer<0.N>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimerRef(pub u64);

impl fmt::Display for TimerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Timer<0.{}>", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pid_displays_like_erlang() {
        assert_eq!(Pid(7).to_string(), "<0.7>");
        assert_eq!(MonitorRef(3).to_string(), "#Ref<0.3>");
        assert_eq!(TimerRef(9).to_string(), "#Timer<0.9>");
    }

    #[test]
    fn ids_serialize_as_plain_numbers() {
        assert_eq!(serde_json::to_string(&Pid(12)).unwrap(), "12");
        assert_eq!(serde_json::from_str::<Pid>("12").unwrap(), Pid(12));
        assert_eq!(serde_json::to_string(&MonitorRef(5)).unwrap(), "5");
        assert_eq!(serde_json::from_str::<TimerRef>("6").unwrap(), TimerRef(6));
        let v: Vec<Pid> = serde_json::from_str("[1,2]").unwrap();
        assert_eq!(v, vec![Pid(1), Pid(2)]);
        assert!(serde_json::from_str::<Pid>("\"<0.1>\"").is_err());
        assert!(serde_json::from_str::<Pid>("-1").is_err());
    }

    #[test]
    fn raw_conversion_rejects_non_positive() {
        assert_eq!(Pid::from_raw(0), None);
        assert_eq!(Pid::from_raw(-2), None);
        assert_eq!(Pid::from_raw(5), Some(Pid(5)));
        assert_eq!(Pid(5).as_raw(), 5);
    }
}
