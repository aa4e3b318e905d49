//! Native processes: a pid and a mailbox driven by host code.
//!
//! Host code (the tests and the benchmarks today; supervisors and the HTTP API later) takes
//! part in the process world through these: it can send, receive selectively, link,
//! monitor and trap exits exactly like a guest.

use std::sync::Arc;
use std::time::Duration;

use crate::exit::ExitReason;
use crate::message::Message;
use crate::node::{Node, SpawnError, SpawnOpts, Spawned};
use crate::pid::Pid;
use crate::process::Process;
use crate::process::signals::NoProc;

/// The native process has exited (it was killed or got a non-normal exit signal).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the process exited: {0}")]
pub struct Exited(pub ExitReason);

/// A host-side process. Dropping it ends the process with reason `normal`.
pub struct NativeProcess {
    node: Node,
    proc: Arc<Process>,
}

impl NativeProcess {
    pub(crate) fn new(node: Node, proc: Arc<Process>) -> Self {
        NativeProcess { node, proc }
    }

    /// Its pid.
    pub fn pid(&self) -> Pid {
        self.proc.pid()
    }

    /// The node.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Sends bytes.
    pub fn send(&self, to: Pid, data: impl Into<Box<[u8]>>) {
        self.node.send(self.pid(), to, data);
    }

    /// Sends a value as JSON.
    pub fn send_json(&self, to: Pid, value: &impl serde::Serialize) {
        self.send(to, serde_json::to_vec(value).unwrap_or_default());
    }

    /// Spawns a child with this process as parent.
    ///
    /// # Errors
    ///
    /// At the process cap.
    pub fn spawn(
        &self,
        module: &str,
        args: Vec<u8>,
        link: bool,
        monitor: bool,
    ) -> Result<Spawned, SpawnError> {
        let opts = SpawnOpts {
            link,
            monitor,
            ..SpawnOpts::default()
        };
        self.spawn_granted(module, args, opts)
    }

    /// Spawns a child with this process as parent and `opts`'s grants and caps (what
    /// supervisors do for their workers); `opts.parent` is set here.
    ///
    /// # Errors
    ///
    /// At the process cap.
    pub fn spawn_granted(
        &self,
        module: &str,
        args: Vec<u8>,
        opts: SpawnOpts,
    ) -> Result<Spawned, SpawnError> {
        let opts = SpawnOpts {
            parent: Some(self.pid()),
            ..opts
        };
        self.node.spawn(module, args, opts)
    }

    /// Spawns a child with JSON arguments.
    ///
    /// # Errors
    ///
    /// At the process cap.
    pub fn spawn_json(
        &self,
        module: &str,
        args: &serde_json::Value,
        link: bool,
        monitor: bool,
    ) -> Result<Spawned, SpawnError> {
        self.spawn(
            module,
            serde_json::to_vec(args).unwrap_or_default(),
            link,
            monitor,
        )
    }

    /// Sets trap_exit; returns the previous value.
    pub fn trap_exit(&self, on: bool) -> bool {
        self.proc.set_trap_exit(on)
    }

    /// Links to `pid`.
    ///
    /// # Errors
    ///
    /// [`NoProc`] when `pid` is not alive.
    pub fn link(&self, pid: Pid) -> Result<(), NoProc> {
        self.node.link(&self.proc, pid)
    }

    /// Monitors `pid`.
    pub fn monitor(&self, pid: Pid) -> u64 {
        self.node.monitor(&self.proc, pid)
    }

    /// Removes a monitor (with `flush`, also its queued `DOWN`). False when it had fired.
    pub fn demonitor(&self, monitor: u64, flush: bool) -> bool {
        self.node.demonitor(&self.proc, monitor, flush)
    }

    /// Waits for the first message for which `select` returns `Some`, leaving the others
    /// queued in order. `None` on timeout (`timeout: None` waits forever).
    ///
    /// # Errors
    ///
    /// [`Exited`] when this process was made to exit while waiting.
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: a message is taken only when the call returns it.
    pub async fn recv_match<R>(
        &self,
        timeout: Option<Duration>,
        mut select: impl FnMut(&Message) -> Option<R>,
    ) -> Result<Option<R>, Exited> {
        let deadline = timeout.and_then(|t| tokio::time::Instant::now().checked_add(t));
        let mut index = 0;
        loop {
            if let Some(reason) = self.proc.signals.lock().stop_reason.clone() {
                return Err(Exited(reason));
            }
            let left = deadline.map(|d| d.saturating_duration_since(tokio::time::Instant::now()));
            let arrived = tokio::select! {
                ok = self.proc.mailbox.wait_for(index, left) => ok,
                reason = self.proc.stop_requested() => return Err(Exited(reason)),
            };
            if !arrived {
                return Ok(None);
            }
            if let Some(Some(r)) = self.proc.mailbox.peek(index, &mut select) {
                self.proc.mailbox.take(index);
                return Ok(Some(r));
            }
            index += 1;
        }
    }

    /// Waits for any message.
    ///
    /// # Errors
    ///
    /// [`Exited`] when this process was made to exit while waiting.
    pub async fn recv(&self, timeout: Option<Duration>) -> Result<Option<Message>, Exited> {
        self.recv_match(timeout, |m| Some(m.clone())).await
    }

    /// Waits for the first user message that decodes as JSON into `T`.
    ///
    /// # Errors
    ///
    /// [`Exited`] when this process was made to exit while waiting.
    pub async fn recv_json<T: serde::de::DeserializeOwned>(
        &self,
        timeout: Option<Duration>,
    ) -> Result<Option<(Pid, T)>, Exited> {
        self.recv_match(timeout, |m| match m.kind {
            crate::message::MessageKind::User => {
                serde_json::from_slice(&m.data).ok().map(|v| (m.sender, v))
            }
            _ => None,
        })
        .await
    }

    /// The number of queued messages.
    pub fn mailbox_len(&self) -> usize {
        self.proc.mailbox.len()
    }

    /// Ends the process with `reason`.
    pub fn exit(self, reason: ExitReason) {
        self.proc.request_stop(reason);
    }
}

impl Drop for NativeProcess {
    fn drop(&mut self) {
        self.proc.request_stop(ExitReason::Normal);
    }
}
