//! How long a receive may wait.

use std::time::Duration;

/// How long a receive waits for a matching message: Erlang's `after` clause.
///
/// ```
/// use hatchery_sdk::Timeout;
///
/// assert_eq!(Timeout::Infinity.as_abi(), -1);
/// assert_eq!(Timeout::Now.as_abi(), 0);
/// assert_eq!(Timeout::ms(5000).as_abi(), 5000);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timeout {
    /// Only look at what is already queued (`after 0`).
    Now,
    /// Wait at most this many milliseconds.
    After(u64),
    /// Wait forever.
    Infinity,
}

impl Timeout {
    /// A timeout of `ms` milliseconds (`Timeout::Now` for 0).
    pub const fn ms(ms: u64) -> Timeout {
        if ms == 0 {
            Timeout::Now
        } else {
            Timeout::After(ms)
        }
    }

    /// The ABI's `timeout_ms`: `-1` forever, `0` no wait, else the milliseconds (capped at
    /// `i64::MAX`).
    pub const fn as_abi(self) -> i64 {
        match self {
            Timeout::Now => 0,
            Timeout::After(ms) => {
                if ms > i64::MAX as u64 {
                    i64::MAX
                } else {
                    ms as i64
                }
            }
            Timeout::Infinity => -1,
        }
    }

    /// The absolute deadline on the node clock when the wait starts at `now_ms`; `None`
    /// for [`Timeout::Infinity`].
    pub(crate) fn deadline(self, now_ms: i64) -> Option<i64> {
        match self {
            Timeout::Infinity => None,
            other => Some(now_ms.saturating_add(other.as_abi())),
        }
    }
}

/// What is left of a wait: `-1` for no deadline, else the milliseconds until it (never
/// negative).
pub(crate) fn remaining(deadline: Option<i64>, now_ms: i64) -> i64 {
    match deadline {
        None => -1,
        Some(at) => at.saturating_sub(now_ms).max(0),
    }
}

impl From<Duration> for Timeout {
    /// Whole milliseconds, rounded up so a short non-zero duration still waits.
    fn from(d: Duration) -> Timeout {
        let ms = d.as_nanos().div_ceil(1_000_000);
        Timeout::ms(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

impl From<Option<u64>> for Timeout {
    /// `None` is [`Timeout::Infinity`], `Some(ms)` is [`Timeout::ms`].
    fn from(ms: Option<u64>) -> Timeout {
        ms.map_or(Timeout::Infinity, Timeout::ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_values() {
        assert_eq!(Timeout::Now.as_abi(), 0);
        assert_eq!(Timeout::ms(0), Timeout::Now);
        assert_eq!(Timeout::After(0).as_abi(), 0);
        assert_eq!(Timeout::ms(1).as_abi(), 1);
        assert_eq!(Timeout::Infinity.as_abi(), -1);
        assert_eq!(Timeout::ms(u64::MAX).as_abi(), i64::MAX);
    }

    #[test]
    fn conversions() {
        assert_eq!(Timeout::from(None), Timeout::Infinity);
        assert_eq!(Timeout::from(Some(0)), Timeout::Now);
        assert_eq!(Timeout::from(Some(20)), Timeout::After(20));
        assert_eq!(Timeout::from(Duration::from_micros(1)), Timeout::After(1));
        assert_eq!(Timeout::from(Duration::from_secs(2)), Timeout::After(2000));
        assert_eq!(Timeout::from(Duration::ZERO), Timeout::Now);
        assert_eq!(Timeout::from(Duration::MAX).as_abi(), i64::MAX);
    }

    #[test]
    fn deadlines() {
        assert_eq!(Timeout::Infinity.deadline(100), None);
        assert_eq!(Timeout::Now.deadline(100), Some(100));
        assert_eq!(Timeout::ms(50).deadline(100), Some(150));
        assert_eq!(Timeout::ms(u64::MAX).deadline(100), Some(i64::MAX));
        assert_eq!(remaining(None, 5), -1);
        assert_eq!(remaining(Some(150), 120), 30);
        assert_eq!(remaining(Some(150), 200), 0);
    }
}
