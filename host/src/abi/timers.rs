//! Timers.

use std::time::Duration;

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

/// The longest timer, as in Erlang: 2^32 - 1 ms (about 49.7 days).
const MAX_DELAY_MS: i64 = u32::MAX as i64;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "send_after",
        |mut caller: Caller<'_, ProcessState>,
         pid: i64,
         delay_ms: i64,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i64> {
            if !(0..=MAX_DELAY_MS).contains(&delay_ms) {
                return Ok(i64::from(err::BAD_ARG));
            }
            if len as u32 as usize > caller.data().node.config().max_message_bytes {
                return Ok(i64::from(err::TOO_BIG));
            }
            let data = memory::read(&mut caller, "send_after", ptr, len)?;
            let state = caller.data();
            let r = state.node.send_after(
                state.proc.pid(),
                Pid(pid as u64),
                Duration::from_millis(delay_ms as u64),
                data,
            );
            Ok(r as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "cancel_timer",
        |caller: Caller<'_, ProcessState>, r: i64| -> i64 {
            match caller.data().node.cancel_timer(r as u64) {
                Some(left) => i64::try_from(left.as_millis()).unwrap_or(i64::MAX),
                None => i64::from(err::NOT_FOUND),
            }
        },
    )?;
    Ok(())
}
