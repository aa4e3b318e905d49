//! The code server: module versions and rollback.

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::runtime::modules::LoadError;
use crate::runtime::state::ProcessState;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "module_version",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let Some(name) = memory::read_name(&mut caller, "module_version", ptr, len)? else {
                return Ok(err::BAD_NAME);
            };
            Ok(match caller.data().node.inner.runtime.module(&name) {
                Some(m) => i32::try_from(m.version).unwrap_or(i32::MAX),
                None => err::NOT_FOUND,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "module_rollback",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let Some(name) = memory::read_name(&mut caller, "module_rollback", ptr, len)? else {
                return Ok(err::BAD_NAME);
            };
            Ok(match caller.data().node.rollback_in_background(&name) {
                Ok(version) => i32::try_from(version).unwrap_or(i32::MAX),
                Err(LoadError::NoPrevious(_)) => err::NO_VERSION,
                Err(_) => err::NOT_FOUND,
            })
        },
    )?;
    Ok(())
}
