//! The other nodes of the cluster (ABI section 5, Nodes): Erlang's `nodes()`, `node(Pid)`,
//! `monitor_node/2` and `net_kernel:monitor_nodes/1`.

use crate::error::check;
use crate::{Error, Pid, sys};

/// Reads a name the host copies out as `node_name` does: grows the buffer once if needed.
pub(crate) fn read_name(mut call: impl FnMut(&mut [u8]) -> i32) -> String {
    let mut buf = vec![0u8; 64];
    let n = usize::try_from(call(&mut buf)).unwrap_or(0);
    if n > buf.len() {
        buf.resize(n, 0);
        call(&mut buf);
    }
    buf.truncate(n);
    String::from_utf8_lossy(&buf).into_owned()
}

/// The other nodes connected now, in the order they connected (empty for a node alone).
pub fn nodes() -> Vec<String> {
    read_name(sys::nodes)
        .split_terminator('\n')
        .map(str::to_owned)
        .collect()
}

/// The name of the node `pid` belongs to: [`node`](crate::node) for this node's own pids.
pub fn pid_node(pid: Pid) -> String {
    read_name(|buf| sys::pid_node(pid.0 as i64, buf))
}

/// With `on`, the process receives one [`Message::NodeDown`](crate::Message::NodeDown)
/// when the node called `name` disconnects, or at once when it is not connected now; each
/// call adds one. Without `on`, removes this process's monitors of that node.
///
/// # Errors
///
/// [`Error::BadName`] for an empty name or one longer than 255 bytes.
///
/// ```no_run
/// use hatchery_sdk::{Message, Timeout, monitor_node, receive_match};
///
/// monitor_node("messenger", true)?;
/// receive_match(Timeout::Infinity, |m| match m {
///     Message::NodeDown { node } if node == "messenger" => Some(()),
///     _ => None,
/// });
/// # Ok::<(), hatchery_sdk::Error>(())
/// ```
pub fn monitor_node(name: &str, on: bool) -> Result<(), Error> {
    check(sys::monitor_node(name.as_bytes(), i32::from(on))).map(drop)
}

/// Whether the process receives [`Message::NodeUp`](crate::Message::NodeUp) and
/// [`Message::NodeDown`](crate::Message::NodeDown) for every node, from now on.
pub fn monitor_nodes(on: bool) {
    sys::monitor_nodes(i32::from(on));
}

/// Prints `pid` as ABI section 1 says: `<0.N>` for this node's pids, `<NODE.N>` for
/// another node's.
#[cfg(target_arch = "wasm32")]
pub(crate) fn show(pid: Pid) -> String {
    let node = pid_node(pid);
    if node == crate::node() {
        format!("<0.{}>", pid.0)
    } else {
        format!("<{node}.{}>", pid.0)
    }
}
