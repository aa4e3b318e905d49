//! Which other nodes are connected, and who is told when that changes: Erlang's `nodes()`,
//! `node(Pid)`, `monitor_node/2` and `net_kernel:monitor_nodes/1`.
//!
//! The transport says when a node connects ([`Node::node_up`]) and when it goes
//! ([`Node::node_down`], in `remote.rs`); both come from the one thread that applies what
//! other nodes send, so the `NODEUP` / `NODEDOWN` messages follow the events in order and
//! agree with [`Node::nodes`] when each is sent.

use std::collections::HashMap;
use std::sync::Arc;

use crate::message::Message;
use crate::node::Node;
use crate::pid::Pid;
use crate::remote::Place;

/// The connected nodes and their watchers.
#[derive(Default)]
pub(crate) struct NodeWatch {
    /// The connected nodes in the order they connected: slot and name.
    up: Vec<(u16, Arc<str>)>,
    /// Processes told of every node's arrival and departure.
    all: Vec<Pid>,
    /// Processes told once of one node's departure, by node name (a pid once per call).
    one: HashMap<Arc<str>, Vec<Pid>>,
}

impl NodeWatch {
    fn forget(&mut self, pid: Pid) {
        self.all.retain(|&p| p != pid);
        self.one.retain(|_, ps| {
            ps.retain(|&p| p != pid);
            !ps.is_empty()
        });
    }
}

/// Why a node monitor was not set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a node name is 1 to 255 bytes")]
pub struct BadNodeName;

impl Node {
    /// The other nodes connected now, in the order they connected (Erlang's `nodes()`).
    pub fn nodes(&self) -> Vec<String> {
        let w = self.inner.node_watch.lock();
        w.up.iter().map(|(_, n)| n.to_string()).collect()
    }

    /// The name of the node `pid` belongs to (Erlang's `node(Pid)`): this node's for its
    /// own pids and for numbers no known node handed out.
    pub fn pid_node(&self, pid: Pid) -> String {
        let Place::There(slot) = self.place(pid) else {
            return self.name().to_string();
        };
        if let Some((_, n)) = self
            .inner
            .node_watch
            .lock()
            .up
            .iter()
            .find(|(s, _)| *s == slot)
        {
            return n.to_string();
        }
        let peer = self.peers().into_iter().find(|p| p.slot == slot);
        peer.map_or_else(|| self.name().to_string(), |p| p.name)
    }

    /// `pid` as it prints on this node: `<0.N>` for its own, `<NODE.N>` for another node's.
    pub fn show_pid(&self, pid: Pid) -> String {
        match self.place(pid) {
            Place::Here => pid.to_string(),
            Place::There(_) => format!("<{}.{}>", self.pid_node(pid), pid.0),
        }
    }

    /// `watcher` gets one `NODEDOWN` when `node` disconnects, at once when it is not
    /// connected now (`on`); or loses its monitors of `node` (not `on`). This node's own
    /// name never fires.
    ///
    /// # Errors
    ///
    /// [`BadNodeName`] for an empty name or one longer than 255 bytes.
    pub fn monitor_node(&self, watcher: Pid, node: &str, on: bool) -> Result<(), BadNodeName> {
        if node.is_empty() || node.len() > 255 {
            return Err(BadNodeName);
        }
        if on && node == self.name() {
            return Ok(());
        }
        let Some(p) = self.process(watcher) else {
            return Ok(());
        };
        let mut w = self.inner.node_watch.lock();
        if !on {
            if let Some(ps) = w.one.get_mut(node) {
                ps.retain(|&x| x != watcher);
                if ps.is_empty() {
                    w.one.remove(node);
                }
            }
            return Ok(());
        }
        if !w.up.iter().any(|(_, n)| &**n == node) {
            drop(w);
            self.deliver(watcher, Message::node(false, node));
            return Ok(());
        }
        if !self.mark_watcher(&p) {
            return Ok(());
        }
        w.one.entry(Arc::from(node)).or_default().push(watcher);
        Ok(())
    }

    /// Whether `watcher` gets `NODEUP` and `NODEDOWN` for every node from now on.
    pub fn monitor_nodes(&self, watcher: Pid, on: bool) {
        let Some(p) = self.process(watcher) else {
            return;
        };
        let mut w = self.inner.node_watch.lock();
        w.all.retain(|&x| x != watcher);
        if on && self.mark_watcher(&p) {
            w.all.push(watcher);
        }
    }

    /// Marks a live process as holding node monitors, so its end forgets them.
    fn mark_watcher(&self, p: &crate::process::Process) -> bool {
        let mut s = p.signals.lock();
        if s.alive {
            s.watches_nodes = true;
        }
        s.alive
    }

    /// A process that held node monitors ended.
    pub(crate) fn forget_node_watcher(&self, pid: Pid) {
        self.inner.node_watch.lock().forget(pid);
    }

    /// The transport's word that the node in `slot`, called `name`, is connected: every
    /// process watching all nodes gets `NODEUP`. Saying it again changes nothing.
    pub fn node_up(&self, slot: u16, name: &str) {
        let watchers = {
            let mut w = self.inner.node_watch.lock();
            if w.up.iter().any(|(s, n)| *s == slot && &**n == name) {
                return;
            }
            w.up.retain(|(s, _)| *s != slot);
            w.up.push((slot, Arc::from(name)));
            w.all.clone()
        };
        for pid in watchers {
            self.deliver(pid, Message::node(true, name));
        }
    }

    /// The node in `slot` is no longer connected: its name, and who is to be told.
    pub(crate) fn node_gone(&self, slot: u16) -> Option<(Arc<str>, Vec<Pid>)> {
        let mut w = self.inner.node_watch.lock();
        let i = w.up.iter().position(|(s, _)| *s == slot)?;
        let (_, name) = w.up.remove(i);
        let mut told = w.all.clone();
        told.extend(w.one.remove(&name).unwrap_or_default());
        Some((name, told))
    }
}

/// A link or monitor between a process of this node and one of another node.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RemoteRelation {
    /// The process here.
    pub local: Pid,
    /// The process there.
    pub remote: Pid,
    /// The other node's slot.
    pub slot: u16,
    /// `link`, `monitor` (the local process monitors the remote one) or `monitored_by`.
    pub kind: &'static str,
}

impl Node {
    /// The links and monitors between this node's processes and other nodes', in no
    /// particular order.
    pub fn remote_relations(&self) -> Vec<RemoteRelation> {
        let mut out = Vec::new();
        for p in self.inner.processes.all() {
            let (links, monitors, watchers) = {
                let s = p.signals.lock();
                let links: Vec<Pid> = s.links.iter().copied().collect();
                let monitors: Vec<Pid> = s.monitors.values().copied().collect();
                let watchers: Vec<Pid> = s.monitored_by.iter().map(|&(_, w)| w).collect();
                (links, monitors, watchers)
            };
            let kinds = [
                ("link", links),
                ("monitor", monitors),
                ("monitored_by", watchers),
            ];
            for (kind, pids) in kinds {
                for remote in pids {
                    let Place::There(slot) = self.place(remote) else {
                        continue;
                    };
                    out.push(RemoteRelation {
                        local: p.pid(),
                        remote,
                        slot,
                        kind,
                    });
                }
            }
        }
        out
    }

    /// This node's slot in its cluster (the node part of its pids); none alone.
    pub fn slot(&self) -> Option<u16> {
        self.inner.config.cluster.as_ref().map(|c| c.slot)
    }
}
