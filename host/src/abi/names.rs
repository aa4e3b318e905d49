//! Registered names.

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::pid::Pid;
use crate::registry::RegisterError;
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
            let Some(name) = memory::read_name(&mut caller, "register", ptr, len)? else {
                return Ok(err::BAD_NAME);
            };
            Ok(match caller.data().node.register(&name, Pid(pid as u64)) {
                Ok(()) => 0,
                Err(RegisterError::NameTaken) => err::NAME_TAKEN,
                Err(RegisterError::AlreadyRegistered) => err::ALREADY_REGISTERED,
                Err(RegisterError::NoProc) => err::NOPROC,
                Err(RegisterError::BadName) => err::BAD_NAME,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "unregister",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            let Some(name) = memory::read_name(&mut caller, "unregister", ptr, len)? else {
                return Ok(err::BAD_NAME);
            };
            Ok(match caller.data().node.unregister(&name) {
                Ok(()) => 0,
                Err(_) => err::NOT_REGISTERED,
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "whereis",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i64> {
            let Some(name) = memory::read_name(&mut caller, "whereis", ptr, len)? else {
                return Ok(i64::from(err::BAD_NAME));
            };
            Ok(caller
                .data()
                .node
                .whereis(&name)
                .map_or(0, |p| p.as_u64() as i64))
        },
    )?;
    Ok(())
}
