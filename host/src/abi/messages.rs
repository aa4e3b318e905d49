//! Sending, and the mailbox scan of selective receive.

use std::sync::atomic::Ordering;
use std::time::Duration;

use wasmtime::{Caller, Linker};

use super::{MODULE, err, memory};
use crate::message::Message;
use crate::pid::Pid;
use crate::runtime::state::ProcessState;
use crate::trace::child;

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
            if len as u32 as usize > caller.data().node.config().max_message_bytes {
                return Ok(err::TOO_BIG);
            }
            memory::with_bytes(&mut caller, "send", ptr, len, |bytes, state| {
                state.proc.counters.sent.fetch_add(1, Ordering::Relaxed);
                let msg = Message::user(state.proc.pid(), bytes).traced(child(state.trace));
                state.node.deliver(Pid(pid as u64), msg);
                0
            })
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
            let Some(name) = memory::read_name(&mut caller, "send_named", name_ptr, name_len)?
            else {
                return Ok(err::BAD_NAME);
            };
            if len as u32 as usize > caller.data().node.config().max_message_bytes {
                return Ok(err::TOO_BIG);
            }
            memory::with_bytes(
                &mut caller,
                "send_named",
                ptr,
                len,
                |bytes, state| match state.node.send_named_traced(
                    state.proc.pid(),
                    &name,
                    bytes,
                    child(state.trace),
                ) {
                    Ok(()) => {
                        state.proc.counters.sent.fetch_add(1, Ordering::Relaxed);
                        0
                    }
                    Err(_) => err::NOT_REGISTERED,
                },
            )
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
                if proc.mailbox.len() <= index {
                    let timeout = match timeout_ms {
                        t if t < 0 => None,
                        0 => return Ok(err::TIMEOUT),
                        t => Some(Duration::from_millis(t as u64)),
                    };
                    proc.set_waiting(true);
                    let arrived = proc.mailbox.wait_for(index, timeout).await;
                    proc.set_waiting(false);
                    if !arrived {
                        return Ok(err::TIMEOUT);
                    }
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
            match usize::try_from(index)
                .ok()
                .and_then(|i| caller.data().proc.mailbox.take(i))
            {
                Some(m) => {
                    // What a main-style process sends next is a consequence of this one.
                    // Inside a behaviour's callback the message being handled stays the
                    // cause (a nested receive, such as a call's reply, does not replace it).
                    if caller.data().current.is_none() {
                        caller.data_mut().trace = m.trace;
                    }
                    0
                }
                None => err::NO_MESSAGE,
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
            i32::try_from(caller.data().proc.mailbox.len()).unwrap_or(i32::MAX)
        },
    )?;
    Ok(())
}
