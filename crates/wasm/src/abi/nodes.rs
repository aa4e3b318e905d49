//! The other nodes: `nodes`, `pid_node`, `monitor_node`, `monitor_nodes` (ABI.md §5, Nodes).

use wasmtime::{Caller, Linker};

use super::calls::{self, as_i32};
use super::{MODULE, memory};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

pub(super) fn register(linker: &mut Linker<ProcessState>) -> wasmtime::Result<()> {
    linker.func_wrap(
        MODULE,
        "nodes",
        |mut caller: Caller<'_, ProcessState>, ptr: i32, cap: i32| -> wasmtime::Result<i32> {
            let names = calls::nodes(caller.data());
            memory::copy_out(&mut caller, "nodes", ptr, cap, &names)
        },
    )?;
    linker.func_wrap(
        MODULE,
        "pid_node",
        |mut caller: Caller<'_, ProcessState>,
         pid: i64,
         ptr: i32,
         cap: i32|
         -> wasmtime::Result<i32> {
            let name = caller.data().node.pid_node(Pid(pid as u64));
            memory::copy_out(&mut caller, "pid_node", ptr, cap, name.as_bytes())
        },
    )?;
    linker.func_wrap(
        MODULE,
        "monitor_node",
        |mut caller: Caller<'_, ProcessState>,
         ptr: i32,
         len: i32,
         flag: i32|
         -> wasmtime::Result<i32> {
            let node = memory::read_name_bytes(&mut caller, "monitor_node", ptr, len)?;
            Ok(as_i32(calls::monitor_node(caller.data(), &node, flag)))
        },
    )?;
    linker.func_wrap(
        MODULE,
        "monitor_nodes",
        |caller: Caller<'_, ProcessState>, flag: i32| -> wasmtime::Result<i32> {
            Ok(as_i32(calls::monitor_nodes(caller.data(), flag)))
        },
    )?;
    Ok(())
}
