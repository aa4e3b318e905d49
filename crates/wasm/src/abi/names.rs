//! Registered names.

use wasmtime::{Caller, Linker};

use super::calls::{self, as_i32};
use super::{MODULE, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "register",
        |mut caller: Caller<'_, ProcessState>,
         ptr: i32,
         len: i32,
         pid: i64|
         -> wasmtime::Result<i32> {
            let name = memory::read_name_bytes(&mut caller, "register", ptr, len)?;
            Ok(as_i32(calls::register(
                caller.data(),
                &name,
                Pid(pid as u64),
            )?))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "unregister",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let name = memory::read_name_bytes(&mut caller, "unregister", ptr, len)?;
            Ok(as_i32(calls::unregister(caller.data(), &name)))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "whereis",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i64> {
            let name = memory::read_name_bytes(&mut caller, "whereis", ptr, len)?;
            Ok(match calls::whereis(caller.data(), &name) {
                Ok(pid) => pid.map_or(0, |p| p.as_u64() as i64),
                Err(code) => i64::from(code),
            })
        },
    )?;
    Ok(())
}
