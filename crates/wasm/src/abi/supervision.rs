//! Supervisor operations from guests: start_child, terminate_child, which_children.

use wasmtime::{Caller, Linker};

use super::{MODULE, calls, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap_async(
        MODULE,
        "sup_start_child",
        |mut caller: Caller<'_, ProcessState>, (sup, ptr, len): (i64, i32, i32)| {
            Box::new(async move {
                let spec = memory::read(&mut caller, "sup_start_child", ptr, len)?;
                let sup = Pid(sup as u64);
                let node = match calls::supervising(caller.data(), "sup_start_child", sup)? {
                    Ok(node) => node,
                    Err(code) => return Ok(i64::from(code)),
                };
                let spec = match calls::child_spec(caller.data(), "sup_start_child", &spec) {
                    Ok(spec) => spec,
                    Err(code) => return Ok(i64::from(code)),
                };
                Ok(match calls::sup_start_child(node, sup, spec).await {
                    Ok(pid) => pid.map_or(0, |p| p.as_u64() as i64),
                    Err(code) => i64::from(code),
                })
            })
        },
    )?;
    linker.func_wrap_async(
        MODULE,
        "sup_terminate_child",
        |mut caller: Caller<'_, ProcessState>, (sup, ptr, len): (i64, i32, i32)| {
            Box::new(async move {
                let id = memory::read(&mut caller, "sup_terminate_child", ptr, len)?;
                let sup = Pid(sup as u64);
                let node = match calls::supervising(caller.data(), "sup_terminate_child", sup)? {
                    Ok(node) => node,
                    Err(code) => return Ok(code),
                };
                Ok(calls::as_i32(
                    calls::sup_terminate_child(node, sup, &id).await,
                ))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "sup_which_children",
        |mut caller: Caller<'_, ProcessState>,
         sup: i64,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            let json = match calls::sup_which_children(caller.data(), Pid(sup as u64))? {
                Ok(json) => json,
                Err(code) => return Ok(code),
            };
            let n = json.len().min(len as u32 as usize);
            memory::write(&mut caller, "sup_which_children", ptr, &json[..n])?;
            Ok(i32::try_from(json.len()).unwrap_or(i32::MAX))
        },
    )?;
    Ok(())
}
