//! Links, trap_exit, exit, exit signals and monitors.

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::exit::{ExitReason, kind};
use crate::pid::Pid;
use crate::runtime::state::{GuestExit, ProcessState};

const DEMONITOR_FLUSH: i32 = 1;

/// Ends the guest call at once when a signal has asked this process to stop (for example
/// `link` to a dead pid without trap_exit, or an exit signal sent to itself).
fn stop_if_asked(caller: &Caller<'_, ProcessState>) -> wasmtime::Result<()> {
    match caller.data().proc.signals.lock().stop_reason.clone() {
        Some(reason) => Err(wasmtime::Error::new(GuestExit(reason))),
        None => Ok(()),
    }
}

/// The ABI result of an operation that fails only when its target is not alive.
fn code(result: Result<(), crate::process::signals::NoProc>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(_) => err::NOPROC,
    }
}

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "link",
        |caller: Caller<'_, ProcessState>, pid: i64| -> wasmtime::Result<i32> {
            let state = caller.data();
            let code = code(state.node.link(&state.proc, Pid(pid as u64)));
            stop_if_asked(&caller)?;
            Ok(code)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "unlink",
        |caller: Caller<'_, ProcessState>, pid: i64| -> i32 {
            let state = caller.data();
            state.node.unlink(&state.proc, Pid(pid as u64));
            0
        },
    )?;
    linker.func_wrap(
        MODULE,
        "trap_exit",
        |caller: Caller<'_, ProcessState>, flag: i32| -> i32 {
            i32::from(caller.data().proc.set_trap_exit(flag != 0))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "exit",
        |mut caller: Caller<'_, ProcessState>, kind: i32, ptr: i32, len: i32| -> wasmtime::Result<()> {
            let detail = memory::read(&mut caller, "exit", ptr, len)?;
            let reason = match ExitReason::from_parts(kind, &detail) {
                Some(r @ (ExitReason::Normal | ExitReason::Shutdown | ExitReason::Custom(_))) => r,
                _ => {
                    return Err(wasmtime::Error::msg(format!(
                        "hatchery_v1.exit: reason kind {kind} is not allowed (use normal, shutdown or custom)"
                    )));
                }
            };
            Err(wasmtime::Error::new(GuestExit(reason)))
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
            let kill = kind == i32::from(kind::KILLED);
            let state = caller.data();
            let code = code(state.node.exit_signal(
                state.proc.pid(),
                Pid(pid as u64),
                &reason,
                kill,
            ));
            stop_if_asked(&caller)?;
            Ok(code)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "monitor",
        |caller: Caller<'_, ProcessState>, pid: i64| -> i64 {
            let state = caller.data();
            state.node.monitor(&state.proc, Pid(pid as u64)) as i64
        },
    )?;
    linker.func_wrap(
        MODULE,
        "demonitor",
        |caller: Caller<'_, ProcessState>, r: i64, flags: i32| -> i32 {
            if flags & !DEMONITOR_FLUSH != 0 {
                return err::BAD_ARG;
            }
            let state = caller.data();
            if state
                .node
                .demonitor(&state.proc, r as u64, flags & DEMONITOR_FLUSH != 0)
            {
                0
            } else {
                err::NOT_FOUND
            }
        },
    )?;
    Ok(())
}
