//! Supervisor operations from guests: start_child, terminate_child, which_children.

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;
use crate::supervisor::{ChildError, ChildInfo, ChildSpec};

fn code(e: &ChildError) -> i32 {
    match e {
        ChildError::NoSupervisor => err::NOPROC,
        ChildError::Id(_, "already exists") => err::NAME_TAKEN,
        ChildError::Id(..) => err::NOT_FOUND,
        ChildError::Start(_) => err::LIMIT,
    }
}

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap_async(
        MODULE,
        "sup_start_child",
        |mut caller: Caller<'_, ProcessState>, (sup, ptr, len): (i64, i32, i32)| {
            Box::new(async move {
                let bytes = memory::read(&mut caller, "sup_start_child", ptr, len)?;
                let Ok(spec) = ChildSpec::from_json(&bytes) else {
                    return Ok(i64::from(err::BAD_ARG));
                };
                let node = caller.data().node.clone();
                Ok(match node.start_child(Pid(sup as u64), spec).await {
                    Ok(pid) => pid.map_or(0, |p| p.as_u64() as i64),
                    Err(e) => i64::from(code(&e)),
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
                let id = String::from_utf8_lossy(&id).into_owned();
                let node = caller.data().node.clone();
                Ok(match node.terminate_child(Pid(sup as u64), &id).await {
                    Ok(()) => 0,
                    Err(e) => code(&e),
                })
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
            let Some(children) = caller.data().node.which_children(Pid(sup as u64)) else {
                return Ok(err::NOPROC);
            };
            let json = ChildInfo::to_json(&children);
            let n = json.len().min(len as u32 as usize);
            memory::write(&mut caller, "sup_which_children", ptr, &json[..n])?;
            Ok(i32::try_from(json.len()).unwrap_or(i32::MAX))
        },
    )?;
    Ok(())
}
