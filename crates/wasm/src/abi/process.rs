//! Identity, arguments, references, the clock and spawning.

use wasmtime::{Caller, Linker};

use super::{MODULE, calls, err, memory};
use crate::runtime::state::ProcessState;

const SPAWN_LINK: i32 = 1;
const SPAWN_MONITOR: i32 = 2;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "hibernate",
        |mut caller: Caller<'_, ProcessState>| -> i32 {
            calls::hibernate(caller.data_mut());
            0
        },
    )?;
    linker.func_wrap(
        MODULE,
        "write",
        |mut caller: Caller<'_, ProcessState>, stream: i32, ptr: i32, len: i32| {
            let Some(stream) = calls::stream(stream) else {
                return Ok(err::BAD_ARG);
            };
            memory::with_bytes(&mut caller, "write", ptr, len, |bytes, state| {
                calls::write(state, stream, bytes);
                0
            })
        },
    )?;
    linker.func_wrap(MODULE, "self", |caller: Caller<'_, ProcessState>| -> i64 {
        caller.data().proc.pid().as_u64() as i64
    })?;
    linker.func_wrap(
        MODULE,
        "parent",
        |caller: Caller<'_, ProcessState>| -> i64 {
            caller.data().proc.parent().map_or(0, |p| p.as_u64() as i64)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "args_size",
        |caller: Caller<'_, ProcessState>| -> i32 { caller.data().args.len() as i32 },
    )?;
    linker.func_wrap(
        MODULE,
        "args_read",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| {
            memory::with_memory_mut(&mut caller, "args_read", |mem, state| {
                let n = state.args.len().min(len as u32 as usize);
                let r = memory::checked_range("args_read", ptr, n, mem.len())?;
                mem[r].copy_from_slice(&state.args[..n]);
                Ok(n as i32)
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "make_ref",
        |caller: Caller<'_, ProcessState>| -> i64 { caller.data().node.make_ref() as i64 },
    )?;
    linker.func_wrap(
        MODULE,
        "now_ms",
        |caller: Caller<'_, ProcessState>| -> i64 { caller.data().node.now_ms() },
    )?;
    linker.func_wrap(
        MODULE,
        "spawn",
        |mut caller: Caller<'_, ProcessState>,
         name_ptr: i32,
         name_len: i32,
         args_ptr: i32,
         args_len: i32,
         flags: i32,
         ref_out: i32|
         -> wasmtime::Result<i64> {
            let name = memory::read_name_bytes(&mut caller, "spawn", name_ptr, name_len)?;
            if calls::name(&name).is_err() {
                return Ok(i64::from(err::BAD_NAME));
            }
            let args = memory::read(&mut caller, "spawn", args_ptr, args_len)?;
            if flags & !(SPAWN_LINK | SPAWN_MONITOR) != 0 {
                return Ok(i64::from(err::BAD_ARG));
            }
            let monitor = flags & SPAWN_MONITOR != 0;
            if monitor {
                // Check the output slot before spawning, so a bad pointer spawns nothing.
                memory::with_bytes(&mut caller, "spawn", ref_out, 8, |_, _| ())?;
            }
            let link = flags & SPAWN_LINK != 0;
            match calls::spawn(caller.data(), &name, args, link, monitor) {
                Ok(spawned) => {
                    if let Some(r) = spawned.monitor {
                        memory::write(&mut caller, "spawn", ref_out, &r.to_le_bytes())?;
                    }
                    Ok(spawned.pid.as_u64() as i64)
                }
                Err(code) => Ok(i64::from(code)),
            }
        },
    )?;
    linker.func_wrap_async(
        MODULE,
        "spawn_at",
        |mut caller: Caller<'_, ProcessState>,
         (node_ptr, node_len, name_ptr, name_len, args_ptr, args_len, flags, ref_out): (
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
            i32,
        )| {
            Box::new(async move {
                let f = "spawn_at";
                let node = memory::read_name_bytes(&mut caller, f, node_ptr, node_len)?;
                let name = memory::read_name_bytes(&mut caller, f, name_ptr, name_len)?;
                let (Ok(node), Ok(name)) = (calls::name(&node), calls::name(&name)) else {
                    return Ok(i64::from(err::BAD_NAME));
                };
                let (node, name) = (node.to_owned(), name.to_owned());
                let args = memory::read(&mut caller, f, args_ptr, args_len)?;
                if flags & !(SPAWN_LINK | SPAWN_MONITOR) != 0 {
                    return Ok(i64::from(err::BAD_ARG));
                }
                let monitor = flags & SPAWN_MONITOR != 0;
                if monitor {
                    memory::with_bytes(&mut caller, f, ref_out, 8, |_, _| ())?;
                }
                let link = flags & SPAWN_LINK != 0;
                let spawned =
                    calls::spawn_at(caller.data(), &node, &name, args, link, monitor).await;
                match spawned {
                    Ok(s) => {
                        if let Some(r) = s.monitor {
                            memory::write(&mut caller, f, ref_out, &r.to_le_bytes())?;
                        }
                        Ok(s.pid.as_u64() as i64)
                    }
                    Err(code) => Ok(i64::from(code)),
                }
            })
        },
    )?;
    Ok(())
}
