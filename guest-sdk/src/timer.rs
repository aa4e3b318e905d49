//! Timers: messages delivered later.

use serde::Serialize;

use crate::error::check64;
use crate::message::with_json;
use crate::{Error, Pid, TimerRef, sys};

/// Sends `msg`, encoded as JSON, to `pid` after `delay_ms` milliseconds (Erlang's
/// `erlang:send_after/3`). The message is a user message whose sender is the caller; it is
/// dropped if `pid` is dead by then.
///
/// # Errors
///
/// [`Error::TooBig`] when the message is over the node's size limit, [`Error::Decode`] when
/// `msg` cannot be encoded.
///
/// ```no_run
/// use hatchery_sdk::{cancel_timer, self_pid, send_after};
///
/// let timer = send_after(self_pid(), 1000, "tick")?;
/// if let Some(left) = cancel_timer(timer) {
///     println!("cancelled with {left} ms to go");
/// }
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn send_after<T: Serialize + ?Sized>(
    pid: Pid,
    delay_ms: u64,
    msg: &T,
) -> Result<TimerRef, Error> {
    with_json(msg, |bytes| send_after_bytes(pid, delay_ms, bytes))
}

/// Sends raw bytes to `pid` after `delay_ms` milliseconds.
///
/// # Errors
///
/// [`Error::TooBig`] when the message is over the node's size limit.
pub fn send_after_bytes(pid: Pid, delay_ms: u64, bytes: &[u8]) -> Result<TimerRef, Error> {
    let delay = i64::try_from(delay_ms).unwrap_or(i64::MAX);
    check64(sys::send_after(pid.as_raw(), delay, bytes)).map(TimerRef)
}

/// Cancels a timer. Returns the milliseconds that were left, or `None` when the timer
/// already fired or was cancelled.
pub fn cancel_timer(timer: TimerRef) -> Option<u64> {
    let left = sys::cancel_timer(timer.0 as i64);
    u64::try_from(left).ok()
}
