//! A synchronous subset of WASI preview 1, for processes that run without a fiber.
//!
//! wasmtime-wasi's preview 1 functions are all async (or block on a runtime), so a module
//! importing any of them needs a fiber for every call. What a behaviour server usually
//! imports (captured stdout and stderr, its environment, the clocks, randomness, exit) needs
//! no waiting, and is defined here as plain functions on the process's own data: no WASI
//! context is built for such a process at all. A module importing anything else from WASI
//! is linked against wasmtime-wasi as before ([`SUBSET`] decides).
//!
//! Errors follow WASI: an errno, `FAULT` for a pointer outside the guest's memory (the
//! call is refused, the process goes on, as under wasmtime-wasi).

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use wasmtime::{Caller, Linker};

use super::memory;
use crate::runtime::state::ProcessState;

/// The import module name.
pub(crate) const MODULE: &str = "wasi_snapshot_preview1";

/// The functions defined here. A module whose WASI imports are all in this list can run
/// without a fiber.
pub(crate) const SUBSET: &[&str] = &[
    "args_get",
    "args_sizes_get",
    "environ_get",
    "environ_sizes_get",
    "fd_write",
    "proc_exit",
    "clock_time_get",
    "clock_res_get",
    "random_get",
    "sched_yield",
];

/// WASI errno values (preview 1).
mod errno {
    pub const SUCCESS: i32 = 0;
    pub const BADF: i32 = 8;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
}

/// The most iovecs one `fd_write` takes (Linux's `IOV_MAX`).
const MAX_IOVS: u32 = 1024;

/// Adds the subset to a linker.
pub(crate) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    monotonic_origin();
    linker.func_wrap(
        MODULE,
        "args_sizes_get",
        |mut caller: Caller<'_, ProcessState>, argc: i32, size: i32| {
            // A process has no command-line arguments (its arguments are `args_read`'s).
            guest(&mut caller, |mem, _| {
                put(mem, argc, &0u32.to_le_bytes())?;
                put(mem, size, &0u32.to_le_bytes())
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "args_get",
        |_: Caller<'_, ProcessState>, _argv: i32, _buf: i32| errno::SUCCESS,
    )?;
    linker.func_wrap(
        MODULE,
        "environ_sizes_get",
        |mut caller: Caller<'_, ProcessState>, count: i32, size: i32| {
            guest(&mut caller, |mem, state| {
                let env = state.granted_env();
                let bytes: usize = env.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
                put(mem, count, &(env.len() as u32).to_le_bytes())?;
                put(mem, size, &(bytes as u32).to_le_bytes())
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "environ_get",
        |mut caller: Caller<'_, ProcessState>, pointers: i32, buf: i32| {
            guest(&mut caller, |mem, state| {
                let mut at = buf as u32;
                for (i, (k, v)) in state.granted_env().iter().enumerate() {
                    let entry = format!("{k}={v}\0");
                    put(mem, pointers.wrapping_add(4 * i as i32), &at.to_le_bytes())?;
                    put(mem, at as i32, entry.as_bytes())?;
                    at = at.checked_add(entry.len() as u32).ok_or(errno::FAULT)?;
                }
                Ok(())
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "fd_write",
        |mut caller: Caller<'_, ProcessState>, fd: i32, iovs: i32, n: i32, written: i32| {
            let Some(stream) = crate::abi::calls::stream(fd) else {
                return Ok(errno::BADF);
            };
            guest(&mut caller, |mem, state| {
                let n = n as u32;
                if n > MAX_IOVS {
                    return Err(errno::INVAL);
                }
                let mut total: u32 = 0;
                for i in 0..n {
                    let iov = (iovs as u32).wrapping_add(8 * i);
                    let ptr = get_u32(mem, iov)?;
                    let len = get_u32(mem, iov.wrapping_add(4))?;
                    let bytes = slice(mem, ptr, len)?;
                    crate::abi::calls::write(state, stream, bytes);
                    total = total.saturating_add(len);
                }
                put(mem, written, &total.to_le_bytes())
            })
        },
    )?;
    linker.func_wrap(
        MODULE,
        "proc_exit",
        |_: Caller<'_, ProcessState>, status: i32| -> wasmtime::Result<()> {
            Err(wasmtime::Error::new(wasmtime_wasi::I32Exit(status)))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_time_get",
        |mut caller: Caller<'_, ProcessState>, id: i32, _precision: i64, out: i32| {
            let ns = match id {
                0 => SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64),
                1 => monotonic_origin().elapsed().as_nanos() as u64,
                _ => return Ok(errno::INVAL),
            };
            guest(&mut caller, |mem, _| put(mem, out, &ns.to_le_bytes()))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "clock_res_get",
        |mut caller: Caller<'_, ProcessState>, id: i32, out: i32| {
            if !(0..=1).contains(&id) {
                return Ok(errno::INVAL);
            }
            guest(&mut caller, |mem, _| put(mem, out, &1u64.to_le_bytes()))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "random_get",
        |mut caller: Caller<'_, ProcessState>, buf: i32, len: i32| {
            guest(&mut caller, |mem, _| {
                let r = range(mem, buf as u32, len as u32)?;
                getrandom::fill(&mut mem[r]).map_err(|_| errno::INVAL)
            })
        },
    )?;
    linker.func_wrap(MODULE, "sched_yield", |_: Caller<'_, ProcessState>| {
        errno::SUCCESS
    })?;
    Ok(())
}

/// Runs `f` on the guest's memory and the process's data; its `Err` is the errno.
fn guest(
    caller: &mut Caller<'_, ProcessState>,
    f: impl FnOnce(&mut [u8], &ProcessState) -> Result<(), i32>,
) -> wasmtime::Result<i32> {
    memory::with_memory_mut(caller, "wasi", |mem, state| {
        Ok(match f(mem, state) {
            Ok(()) => errno::SUCCESS,
            Err(e) => e,
        })
    })
}

fn range(mem: &[u8], ptr: u32, len: u32) -> Result<std::ops::Range<usize>, i32> {
    let (p, l) = (ptr as usize, len as usize);
    match p.checked_add(l) {
        Some(end) if end <= mem.len() => Ok(p..end),
        _ => Err(errno::FAULT),
    }
}

fn slice(mem: &[u8], ptr: u32, len: u32) -> Result<&[u8], i32> {
    Ok(&mem[range(mem, ptr, len)?])
}

fn get_u32(mem: &[u8], ptr: u32) -> Result<u32, i32> {
    let b = slice(mem, ptr, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn put(mem: &mut [u8], ptr: i32, bytes: &[u8]) -> Result<(), i32> {
    let r = range(mem, ptr as u32, bytes.len() as u32)?;
    mem[r].copy_from_slice(bytes);
    Ok(())
}

/// The origin of the monotonic clock: when the first linker was made.
fn monotonic_origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}
