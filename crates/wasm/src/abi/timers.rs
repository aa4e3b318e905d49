//! Timers.

use wasmtime::{Caller, Linker};

use super::{MODULE, calls, err, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

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
            let Ok(delay) = u64::try_from(delay_ms) else {
                return Ok(i64::from(err::BAD_ARG));
            };
            if delay > calls::MAX_DELAY_MS {
                return Ok(i64::from(err::BAD_ARG));
            }
            if calls::too_big(caller.data(), len as u32 as usize) {
                return Ok(i64::from(err::TOO_BIG));
            }
            let data = memory::read(&mut caller, "send_after", ptr, len)?;
            Ok(
                match calls::send_after(caller.data(), Pid(pid as u64), delay, data)? {
                    Ok(r) => r as i64,
                    Err(code) => i64::from(code),
                },
            )
        },
    )?;
    linker.func_wrap(
        MODULE,
        "cancel_timer",
        |caller: Caller<'_, ProcessState>, r: i64| -> i64 {
            match calls::cancel_timer(caller.data(), r as u64) {
                Some(left) => i64::try_from(left).unwrap_or(i64::MAX),
                None => i64::from(err::NOT_FOUND),
            }
        },
    )?;
    Ok(())
}
