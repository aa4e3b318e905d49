//! The code server: module versions and rollback.

use wasmtime::{Caller, Linker};

use super::{MODULE, calls, memory};
use crate::runtime::state::ProcessState;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "module_version",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let name = memory::read_name_bytes(&mut caller, "module_version", ptr, len)?;
            Ok(match calls::module_version(caller.data(), &name) {
                Ok(v) => i32::try_from(v).unwrap_or(i32::MAX),
                Err(code) => code,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "module_rollback",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let name = memory::read_name_bytes(&mut caller, "module_rollback", ptr, len)?;
            Ok(match calls::module_rollback(caller.data(), &name) {
                Ok(v) => i32::try_from(v).unwrap_or(i32::MAX),
                Err(code) => code,
            })
        },
    )?;
    Ok(())
}
