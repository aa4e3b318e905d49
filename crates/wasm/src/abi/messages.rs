//! Sending, and the mailbox scan of selective receive.

use std::time::Duration;

use wasmtime::{AsContextMut, Caller, Linker};

use super::calls::{self, as_i32};
use super::{MODULE, err, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

/// Size of the metadata block `recv` writes.
const INFO_BYTES: usize = 16;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "send",
        |mut caller: Caller<'_, ProcessState>,
         pid: i64,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            // Refuse an oversized message before touching memory: its range may not exist.
            if calls::too_big(caller.data(), len as u32 as usize) {
                return Ok(err::TOO_BIG);
            }
            memory::with_bytes(&mut caller, "send", ptr, len, |bytes, state| {
                calls::send(state, Pid(pid as u64), bytes).map(as_i32)
            })?
        },
    )?;
    linker.func_wrap(
        MODULE,
        "send_named",
        |mut caller: Caller<'_, ProcessState>,
         name_ptr: i32,
         name_len: i32,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            let name = memory::read_name_bytes(&mut caller, "send_named", name_ptr, name_len)?;
            if calls::name(&name).is_ok() && calls::too_big(caller.data(), len as u32 as usize) {
                return Ok(err::TOO_BIG);
            }
            memory::with_bytes(&mut caller, "send_named", ptr, len, |bytes, state| {
                as_i32(calls::send_named(state, &name, bytes))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "send_named_at",
        |mut caller: Caller<'_, ProcessState>,
         name_ptr: i32,
         name_len: i32,
         node_ptr: i32,
         node_len: i32,
         ptr: i32,
         len: i32|
         -> wasmtime::Result<i32> {
            let f = "send_named_at";
            let name = memory::read_name_bytes(&mut caller, f, name_ptr, name_len)?;
            let node = memory::read_name_bytes(&mut caller, f, node_ptr, node_len)?;
            if calls::too_big(caller.data(), len as u32 as usize) {
                return Ok(err::TOO_BIG);
            }
            memory::with_bytes(&mut caller, f, ptr, len, |bytes, state| {
                as_i32(calls::send_named_at(state, &name, &node, bytes))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "node_name",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, cap: i32| -> wasmtime::Result<i32> {
            let name = caller.data().node.name().to_owned();
            memory::copy_out(&mut caller, "node_name", ptr, cap, name.as_bytes())
        },
    )?;
    linker.func_wrap_async(
        MODULE,
        "recv",
        |mut caller: Caller<'_, ProcessState>,
         (index, timeout_ms, buf, cap, info): (i32, i64, i32, i32, i32)| {
            Box::new(async move {
                let Ok(index) = usize::try_from(index) else {
                    return Ok(err::BAD_ARG);
                };
                let proc = caller.data().proc.clone();
                let timeout = u64::try_from(timeout_ms).ok().map(Duration::from_millis);
                match calls::wait_for(&proc, index, timeout).await {
                    Err(code) => return Ok(code),
                    Ok(calls::Waited::Yes) => caller.as_context_mut().set_epoch_deadline(1),
                    Ok(calls::Waited::No) => {}
                }
                memory::with_memory_mut(&mut caller, "recv", |mem, _| {
                    let copied = proc.mailbox.peek(index, |m| -> wasmtime::Result<i32> {
                        let info_range =
                            memory::checked_range("recv", info, INFO_BYTES, mem.len())?;
                        let mut block = [0u8; INFO_BYTES];
                        block[..4].copy_from_slice(&(m.kind as u32).to_le_bytes());
                        block[8..].copy_from_slice(&m.sender.as_u64().to_le_bytes());
                        let n = m.data.len().min(cap as u32 as usize);
                        let buf_range = memory::checked_range("recv", buf, n, mem.len())?;
                        mem[info_range].copy_from_slice(&block);
                        mem[buf_range].copy_from_slice(&m.data[..n]);
                        Ok(i32::try_from(m.data.len()).unwrap_or(i32::MAX))
                    });
                    copied.unwrap_or(Ok(err::NO_MESSAGE))
                })
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "take",
        |mut caller: Caller<'_, ProcessState>, index: i32| -> i32 {
            match usize::try_from(index) {
                Ok(i) => as_i32(calls::take(caller.data_mut(), i)),
                Err(_) => err::NO_MESSAGE,
            }
        },
    )?;
    linker.func_wrap(
        MODULE,
        "message_read",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, len: i32| -> wasmtime::Result<i32> {
            memory::with_memory_mut(&mut caller, "message_read", |mem, state| {
                let Some(m) = &state.current else {
                    return Ok(err::NO_MESSAGE);
                };
                let n = m.data.len().min(len as u32 as usize);
                let r = memory::checked_range("message_read", ptr, n, mem.len())?;
                mem[r].copy_from_slice(&m.data[..n]);
                Ok(i32::try_from(m.data.len()).unwrap_or(i32::MAX))
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "mailbox_len",
        |caller: Caller<'_, ProcessState>| -> i32 {
            i32::try_from(calls::mailbox_len(caller.data())).unwrap_or(i32::MAX)
        },
    )?;
    Ok(())
}
