//! Checked access to a guest's linear memory. A range outside the memory is a fault that
//! ends the calling process (ABI.md §2); it never touches host memory.

use wasmtime::{Caller, Extern, Memory};

use crate::runtime::state::ProcessState;

fn memory(caller: &mut Caller<'_, ProcessState>, func: &str) -> wasmtime::Result<Memory> {
    if let Some(m) = caller.data().memory {
        return Ok(m);
    }
    match caller.get_export("memory") {
        Some(Extern::Memory(m)) => Ok(m),
        _ => Err(wasmtime::Error::msg(format!(
            "hatchery_v1.{func}: the guest exports no memory"
        ))),
    }
}

fn range(func: &str, ptr: i32, len: i32, size: usize) -> wasmtime::Result<std::ops::Range<usize>> {
    let (p, l) = (ptr as u32 as usize, len as u32 as usize);
    match p.checked_add(l) {
        Some(end) if end <= size => Ok(p..end),
        _ => Err(wasmtime::Error::msg(format!(
            "hatchery_v1.{func}: guest range {p:#x}+{l} is outside memory ({size} bytes)"
        ))),
    }
}

/// Runs `f` on the guest bytes at `ptr..ptr+len`.
pub(super) fn with_bytes<R>(
    caller: &mut Caller<'_, ProcessState>,
    func: &str,
    ptr: i32,
    len: i32,
    f: impl FnOnce(&[u8], &ProcessState) -> R,
) -> wasmtime::Result<R> {
    let mem = memory(caller, func)?;
    let (data, state) = mem.data_and_store_mut(caller);
    let r = range(func, ptr, len, data.len())?;
    Ok(f(&data[r], state))
}

/// A copy of the guest bytes at `ptr..ptr+len`.
pub(super) fn read(
    caller: &mut Caller<'_, ProcessState>,
    func: &str,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<Vec<u8>> {
    with_bytes(caller, func, ptr, len, |b, _| b.to_vec())
}

/// Writes `bytes` at `ptr`.
pub(super) fn write(
    caller: &mut Caller<'_, ProcessState>,
    func: &str,
    ptr: i32,
    bytes: &[u8],
) -> wasmtime::Result<()> {
    let mem = memory(caller, func)?;
    let data = mem.data_mut(caller);
    let r = range(func, ptr, bytes.len() as i32, data.len())?;
    data[r].copy_from_slice(bytes);
    Ok(())
}

/// Gives `f` mutable access to the guest's memory and the store data at once.
pub(super) fn with_memory_mut<R>(
    caller: &mut Caller<'_, ProcessState>,
    func: &str,
    f: impl FnOnce(&mut [u8], &mut ProcessState) -> wasmtime::Result<R>,
) -> wasmtime::Result<R> {
    let mem = memory(caller, func)?;
    let (data, state) = mem.data_and_store_mut(caller);
    f(data, state)
}

/// Checks that `ptr..ptr+len` lies in a memory of `size` bytes.
pub(super) fn checked_range(
    func: &str,
    ptr: i32,
    len: usize,
    size: usize,
) -> wasmtime::Result<std::ops::Range<usize>> {
    let len = i32::try_from(len)
        .map_err(|_| wasmtime::Error::msg(format!("hatchery_v1.{func}: length too large")))?;
    range(func, ptr, len, size)
}

/// The bytes of a name from the guest: at most one byte more than a name may have, so a
/// long name is refused (`ERR_BAD_NAME`) without being copied. The whole range is still
/// checked: a bad pointer is a fault whatever its length.
pub(super) fn read_name_bytes(
    caller: &mut Caller<'_, ProcessState>,
    func: &str,
    ptr: i32,
    len: i32,
) -> wasmtime::Result<Vec<u8>> {
    with_bytes(caller, func, ptr, len, |b, _| {
        b[..b.len().min(crate::registry::MAX_NAME_BYTES + 1)].to_vec()
    })
}

/// Copies `min(cap, len)` bytes of `bytes` to `ptr` and returns the full length, as
/// `node_name` does.
pub(super) fn copy_out(
    caller: &mut Caller<'_, ProcessState>,
    f: &str,
    ptr: i32,
    cap: i32,
    bytes: &[u8],
) -> wasmtime::Result<i32> {
    let n = bytes.len().min(cap as u32 as usize);
    with_memory_mut(caller, f, |mem, _| {
        let r = checked_range(f, ptr, n, mem.len())?;
        mem[r].copy_from_slice(&bytes[..n]);
        Ok(i32::try_from(bytes.len()).unwrap_or(i32::MAX))
    })
}
