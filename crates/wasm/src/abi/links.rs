//! Links, trap_exit, exit, exit signals and monitors.

use wasmtime::{Caller, Linker};

use super::calls::{self, as_i32};
use super::{MODULE, err, memory};
use crate::exit::ExitReason;
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

const DEMONITOR_FLUSH: i32 = 1;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "link",
        |caller: Caller<'_, ProcessState>, pid: i64| -> wasmtime::Result<i32> {
            Ok(as_i32(calls::link(caller.data(), Pid(pid as u64))?))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "unlink",
        |caller: Caller<'_, ProcessState>, pid: i64| -> i32 {
            calls::unlink(caller.data(), Pid(pid as u64));
            0
        },
    )?;
    linker.func_wrap(
        MODULE,
        "trap_exit",
        |caller: Caller<'_, ProcessState>, flag: i32| -> i32 {
            i32::from(calls::trap_exit(caller.data(), flag != 0))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "exit",
        |mut caller: Caller<'_, ProcessState>, kind: i32, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let detail = memory::read(&mut caller, "exit", ptr, len)?;
            Err(match ExitReason::from_parts(kind, &detail) {
                Some(reason) => calls::exit(reason),
                None => wasmtime::Error::msg(format!(
                    "hatchery_v1.exit: reason kind {kind} is not allowed (use normal, shutdown or custom)"
                )),
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "panic",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            Err(memory::with_bytes(
                &mut caller,
                "panic",
                ptr,
                len,
                |text, state| calls::panic(state, text),
            )?)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "exit_signal",
        |mut caller: Caller<'_, ProcessState>,
         pid: i64,
         kind: i32,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            let detail = memory::read(&mut caller, "exit_signal", ptr, len)?;
            let Some(reason) = ExitReason::from_parts(kind, &detail) else {
                return Ok(err::BAD_ARG);
            };
            Ok(as_i32(calls::exit_signal(
                caller.data(),
                Pid(pid as u64),
                &reason,
            )?))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "monitor",
        |caller: Caller<'_, ProcessState>, pid: i64| -> wasmtime::Result<i64> {
            Ok(calls::monitor(caller.data(), Pid(pid as u64))? as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "demonitor",
        |caller: Caller<'_, ProcessState>, r: i64, flags: i32| -> i32 {
            if flags & !DEMONITOR_FLUSH != 0 {
                return err::BAD_ARG;
            }
            as_i32(calls::demonitor(
                caller.data(),
                r as u64,
                flags & DEMONITOR_FLUSH != 0,
            ))
        },
    )?;
    Ok(())
}
