//! Other nodes: what the core hands a transport, and what it takes back from one.
//!
//! A node in a cluster ([`crate::config::Membership`]) mints pids that name their node
//! (`crate::mint`). A message, link, monitor or exit signal aimed at another node's pid
//! becomes a [`Signal`] given to the node's [`Transport`] (the NATS one of `hatchery-dist`),
//! which carries the signals for one node in the order they were given, or reports the
//! node gone. What arrives from another node goes through [`Node::apply`], and a node that
//! went away through [`Node::node_down`]: every link to its processes delivers
//! `noconnection`, every monitor a `DOWN` with `noconnection` (thesis digest items 29–37,
//! as Erlang distribution does).

use std::sync::Arc;

use crate::exit::ExitReason;
use crate::message::Message;
use crate::node::Node;
use crate::pid::Pid;

/// One signal between processes on two nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Signal {
    /// A message to a pid.
    Send {
        /// The sender.
        from: Pid,
        /// The receiver.
        to: Pid,
        /// The bytes.
        data: Box<[u8]>,
        /// A followed message's place in its trace (`crate::trace`).
        trace: Option<crate::trace::Carried>,
    },
    /// A message to a registered name on the receiving node (dropped there if nobody has
    /// the name, as Erlang's `{Name, Node} ! Msg`).
    SendNamed {
        /// The sender.
        from: Pid,
        /// The name.
        name: Arc<str>,
        /// The bytes.
        data: Box<[u8]>,
        /// A followed message's place in its trace (`crate::trace`).
        trace: Option<crate::trace::Carried>,
    },
    /// `from` linked itself to `to`.
    Link {
        /// The linking process.
        from: Pid,
        /// The process on the receiving node.
        to: Pid,
    },
    /// `from` removed its link to `to`.
    Unlink {
        /// The unlinking process.
        from: Pid,
        /// The process on the receiving node.
        to: Pid,
    },
    /// An exit signal; `link` when it comes from the end of a linked process (the link is
    /// gone with it).
    Exit {
        /// The signalling or ended process.
        from: Pid,
        /// The process on the receiving node.
        to: Pid,
        /// The reason.
        reason: ExitReason,
        /// The untrappable kill.
        kill: bool,
        /// Sent because `from` ended while linked to `to`.
        link: bool,
    },
    /// `watcher` monitors `target` with reference `r`.
    Monitor {
        /// The watching process.
        watcher: Pid,
        /// The process on the receiving node.
        target: Pid,
        /// The monitor's reference.
        r: u64,
    },
    /// `watcher` dropped its monitor `r` of `target`.
    Demonitor {
        /// The watching process.
        watcher: Pid,
        /// The process on the receiving node.
        target: Pid,
        /// The monitor's reference.
        r: u64,
    },
    /// Spawn `module` with `args` for `parent`, linked and/or monitored (reference
    /// `monitor`) before it runs; answered with [`Signal::Spawned`].
    Spawn {
        /// The request, to match the answer.
        req: u64,
        /// The spawning process, on the sending node.
        parent: Pid,
        /// The module, loaded on the receiving node.
        module: Arc<str>,
        /// The child's argument bytes.
        args: Box<[u8]>,
        /// Link parent and child.
        link: bool,
        /// The parent's monitor reference, to monitor the child.
        monitor: Option<u64>,
    },
    /// The answer to [`Signal::Spawn`]: the child's pid, or `None` when the node refused
    /// (a limit). Sent before the child runs, so it arrives before anything the child does.
    Spawned {
        /// The request.
        req: u64,
        /// The spawning process.
        parent: Pid,
        /// The child.
        child: Option<Pid>,
    },
    /// A question about the receiving node (`crate::query`); answered with
    /// [`Signal::Answer`].
    Query {
        /// The request, to match the answer.
        req: u64,
        /// The question, for the receiving node's answerer.
        body: Box<[u8]>,
    },
    /// The answer to [`Signal::Query`].
    Answer {
        /// The request.
        req: u64,
        /// A [`crate::query::AnswerStatus`].
        status: u8,
        /// The answer, or the text of a refusal.
        body: Box<[u8]>,
    },
    /// The monitored `target` ended (or never lived: `noproc`).
    Down {
        /// The watching process, on the receiving node.
        watcher: Pid,
        /// The process that ended.
        target: Pid,
        /// The monitor's reference.
        r: u64,
        /// Why it ended.
        reason: ExitReason,
    },
}

/// Another node of the cluster, as the transport sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Peer {
    /// Its name.
    pub name: String,
    /// Its slot (the node part of its pids).
    pub slot: u16,
    /// Whether a session with it is up.
    pub up: bool,
    /// Milliseconds since anything was heard from it.
    pub last_heard_ms: u64,
}

/// What carries signals to the other nodes of a cluster.
pub trait Transport: Send + Sync {
    /// Queues `signal` for the node in `slot`, after everything queued for it before; never
    /// blocks. False when there is no session with that node (the caller then acts as for
    /// a lost connection: `noconnection` for a link or monitor, nothing for a message).
    fn send(&self, slot: u16, signal: Signal) -> bool;
    /// Whether `slot` is a node of the cluster this node has heard of (live or not).
    fn knows(&self, slot: u16) -> bool;
    /// The slot of the node called `name`, when it is up.
    fn slot_named(&self, name: &str) -> Option<u16>;
    /// The other nodes heard of, in slot order.
    fn peers(&self) -> Vec<Peer>;
}

/// A spawn on another node for a process of this one, waiting for its answer.
pub(crate) struct Pending {
    slot: u16,
    parent: Pid,
    link: bool,
    monitor: Option<u64>,
    answer: tokio::sync::oneshot::Sender<Result<crate::node::Spawned, RemoteSpawnError>>,
}

/// A spawn on another node for a parent of this one (`SpawnOpts::remote_parent`).
#[derive(Clone, Debug)]
pub struct RemoteParent {
    /// The parent's node.
    pub slot: u16,
    /// The parent.
    pub pid: Pid,
    /// The request to answer.
    pub req: u64,
    /// Link the child to the parent before it runs.
    pub link: bool,
    /// The parent's monitor of the child, recorded before it runs.
    pub monitor: Option<u64>,
}

/// Why a spawn on another node did not start a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RemoteSpawnError {
    /// No node of that name is connected, or the connection broke before the answer.
    #[error("no connection to that node")]
    NoConnection,
    /// The other node refused at one of its limits.
    #[error("the node refused at a limit")]
    Limit,
    /// The parent is not alive.
    #[error("the parent is not alive")]
    NoParent,
}

/// Where a pid lives, as the node sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// On this node (alive or not), or a number no known node handed out.
    Here,
    /// On the node in this slot.
    There(u16),
}

impl Node {
    /// Sets the transport to the other nodes (once; a second call is refused).
    ///
    /// # Errors
    ///
    /// When the node already has one, or is not in a cluster.
    pub fn set_transport(&self, transport: Arc<dyn Transport>) -> anyhow::Result<()> {
        if self.inner.config.cluster.is_none() {
            anyhow::bail!("a node alone takes no transport: give it a cluster membership");
        }
        self.inner
            .transport
            .set(transport)
            .map_err(|_| anyhow::anyhow!("the node already has a transport"))
    }

    /// The node's name: its cluster name, or `nonode` alone (Erlang's `nonode@nohost`).
    pub fn name(&self) -> &str {
        self.inner
            .config
            .cluster
            .as_ref()
            .map_or("nonode", |c| &c.name)
    }

    /// The other nodes of the cluster this node has heard of; none alone.
    pub fn peers(&self) -> Vec<Peer> {
        self.inner
            .transport
            .get()
            .map(|t| t.peers())
            .unwrap_or_default()
    }

    /// Where `pid` lives.
    pub fn place(&self, pid: Pid) -> Place {
        let (Some(c), Some(t)) = (&self.inner.config.cluster, self.inner.transport.get()) else {
            return Place::Here;
        };
        match self.inner.pids.slot_of(pid.0) {
            Some(s) if s != c.slot && t.knows(s) => Place::There(s),
            _ => Place::Here,
        }
    }

    /// Hands `signal` to the transport for `slot`; false when that node is not connected.
    pub(crate) fn to_node(&self, slot: u16, signal: Signal) -> bool {
        self.inner
            .transport
            .get()
            .is_some_and(|t| t.send(slot, signal))
    }

    /// Sends to `name` on the node called `node` (this one included). A message to a node
    /// that is not connected, or to a name nobody there holds, is dropped, as Erlang's
    /// `{Name, Node} ! Msg`.
    ///
    /// # Errors
    ///
    /// When `node` is this node and nobody here has `name` (as [`Node::send_named`]).
    pub fn send_named_at(
        &self,
        from: Pid,
        name: &str,
        node: &str,
        data: impl Into<Box<[u8]>>,
    ) -> Result<(), crate::registry::NotRegistered> {
        self.send_named_at_traced(from, name, node, data, None)
    }

    /// [`Node::send_named_at`] with the trace tag of a followed message, which goes along
    /// to the other node.
    ///
    /// # Errors
    ///
    /// As [`Node::send_named_at`].
    pub fn send_named_at_traced(
        &self,
        from: Pid,
        name: &str,
        node: &str,
        data: impl Into<Box<[u8]>>,
        trace: Option<crate::message::TraceTag>,
    ) -> Result<(), crate::registry::NotRegistered> {
        if node == self.name() {
            return self.send_named_traced(from, name, data, trace);
        }
        let slot = self.inner.transport.get().and_then(|t| t.slot_named(node));
        let sent = slot.is_some_and(|s| {
            let msg = Message::user(from, data).traced(trace);
            let carried = self.inner.traces.carried(&msg);
            self.to_node(
                s,
                Signal::SendNamed {
                    from,
                    name: Arc::from(name),
                    data: msg.data,
                    trace: carried,
                },
            )
        });
        let stats = &self.inner.stats;
        stats
            .sent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !sent {
            stats
                .dropped_dead
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }

    /// Spawns `module` on the node called `node` for `parent`, linked and/or monitored
    /// before it runs (as Erlang's `spawn_link(Node, ...)` and `spawn_monitor`), and waits
    /// for the pid. This node's own name spawns here. The child gets no grants beyond a
    /// manifest child's (`Grants::child`): the other node cannot know the parent's.
    ///
    /// # Errors
    ///
    /// [`RemoteSpawnError`]. A module the other node has not loaded is no error: the child
    /// ends at once with `undef`, which a link or monitor reports, as locally.
    pub async fn spawn_at(
        &self,
        parent: &Arc<crate::process::Process>,
        node: &str,
        module: &str,
        args: Vec<u8>,
        link: bool,
        monitor: bool,
    ) -> Result<crate::node::Spawned, RemoteSpawnError> {
        if node == self.name() {
            let opts = crate::node::SpawnOpts {
                parent: Some(parent.pid()),
                link,
                monitor,
                ..Default::default()
            };
            return self.spawn(module, args, opts).map_err(|e| match e {
                crate::node::SpawnError::NoParent(_) => RemoteSpawnError::NoParent,
                _ => RemoteSpawnError::Limit,
            });
        }
        let slot = self
            .inner
            .transport
            .get()
            .and_then(|t| t.slot_named(node))
            .ok_or(RemoteSpawnError::NoConnection)?;
        let req = self.make_ref();
        let monitor = monitor.then(|| self.make_ref());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let pending = Pending {
            slot,
            parent: parent.pid(),
            link,
            monitor,
            answer: tx,
        };
        self.inner.spawning.lock().insert(req, pending);
        let spawn = Signal::Spawn {
            req,
            parent: parent.pid(),
            module: Arc::from(module),
            args: args.into(),
            link,
            monitor,
        };
        if !self.to_node(slot, spawn) {
            self.inner.spawning.lock().remove(&req);
            return Err(RemoteSpawnError::NoConnection);
        }
        rx.await.unwrap_or(Err(RemoteSpawnError::NoConnection))
    }

    /// The answer to a spawn this node asked for: the parent links or monitors the child
    /// (or, gone meanwhile, undoes what the child's node recorded), and the caller wakes.
    fn spawned(&self, slot: u16, req: u64, child: Option<Pid>) {
        let Some(p) = self.inner.spawning.lock().remove(&req) else {
            return;
        };
        let Some(child) = child else {
            let _ = p.answer.send(Err(RemoteSpawnError::Limit));
            return;
        };
        let held = self.process(p.parent).is_some_and(|parent| {
            let mut s = parent.signals.lock();
            if s.alive {
                if p.link {
                    s.links.insert(child);
                }
                if let Some(r) = p.monitor {
                    s.monitors.insert(r, child);
                }
            }
            s.alive
        });
        if !held {
            if p.link {
                let exit = Signal::Exit {
                    from: p.parent,
                    to: child,
                    reason: ExitReason::NoProc,
                    kill: false,
                    link: true,
                };
                self.to_node(slot, exit);
            }
            if let Some(r) = p.monitor {
                let (watcher, target) = (p.parent, child);
                self.to_node(slot, Signal::Demonitor { watcher, target, r });
            }
        }
        let spawned = crate::node::Spawned {
            pid: child,
            monitor: p.monitor,
        };
        let _ = p.answer.send(Ok(spawned));
    }

    /// Another node asks this one to spawn for a parent there.
    fn spawn_for(&self, slot: u16, s: Signal) {
        let Signal::Spawn {
            req,
            parent,
            module,
            args,
            link,
            monitor,
        } = s
        else {
            return;
        };
        let opts = crate::node::SpawnOpts {
            remote_parent: Some(RemoteParent {
                slot,
                pid: parent,
                req,
                link,
                monitor,
            }),
            grants: Some(Arc::new(crate::config::Grants::child())),
            ..Default::default()
        };
        // On success the answer went out from `create`, before the child could run.
        if self.spawn(&module, args.into(), opts).is_err() {
            let answer = Signal::Spawned {
                req,
                parent,
                child: None,
            };
            self.to_node(slot, answer);
        }
    }

    /// Records a remote parent's link and monitor on a child that has run no code yet, and
    /// answers the spawn: called by `create`, so the answer precedes anything the child
    /// sends.
    pub(crate) fn adopt(&self, child: &crate::process::Process, p: &RemoteParent) {
        {
            let mut s = child.signals.lock();
            if p.link {
                s.links.insert(p.pid);
            }
            if let Some(r) = p.monitor {
                s.monitored_by.push((r, p.pid));
            }
        }
        let answer = Signal::Spawned {
            req: p.req,
            parent: p.pid,
            child: Some(child.pid()),
        };
        self.to_node(p.slot, answer);
    }

    /// Applies a signal that came from the node in `slot`, in the order it was sent.
    pub fn apply(&self, slot: u16, signal: Signal) {
        match signal {
            Signal::Send {
                from,
                to,
                data,
                trace,
            } => {
                if self.place(to) == Place::Here {
                    let tag = trace.and_then(|c| self.inner.traces.adopt(c));
                    self.deliver(to, Message::user(from, data).traced(tag));
                }
            }
            Signal::SendNamed {
                from,
                name,
                data,
                trace,
            } => {
                let tag = trace.and_then(|c| self.inner.traces.adopt(c));
                let _ = self.send_named_traced(from, &name, data, tag);
            }
            Signal::Link { from, to } => self.remote_link(slot, from, to),
            s @ Signal::Spawn { .. } => self.spawn_for(slot, s),
            Signal::Spawned { req, child, .. } => self.spawned(slot, req, child),
            Signal::Query { req, body } => self.question(slot, req, body),
            Signal::Answer { req, status, body } => self.answered(slot, req, status, body),
            Signal::Unlink { from, to } => {
                if let Some(p) = self.process(to) {
                    p.signals.lock().links.remove(&from);
                }
            }
            Signal::Exit {
                from,
                to,
                reason,
                kill,
                link,
            } => {
                let Some(p) = self.process(to) else { return };
                // A link's exit is void when the link was removed before it arrived.
                if link && !p.signals.lock().links.remove(&from) {
                    return;
                }
                self.deliver_exit_signal(&p, from, &reason, kill);
            }
            Signal::Monitor { watcher, target, r } => {
                let held = self.process(target).is_some_and(|t| {
                    let mut s = t.signals.lock();
                    if s.alive {
                        s.monitored_by.push((r, watcher));
                    }
                    s.alive
                });
                if !held {
                    let reason = ExitReason::NoProc;
                    let down = Signal::Down {
                        watcher,
                        target,
                        r,
                        reason,
                    };
                    self.to_node(slot, down);
                }
            }
            Signal::Demonitor { target, r, .. } => {
                if let Some(t) = self.process(target) {
                    t.signals.lock().monitored_by.retain(|&(x, _)| x != r);
                }
            }
            Signal::Down {
                watcher,
                target,
                r,
                reason,
            } => {
                let Some(w) = self.process(watcher) else {
                    return;
                };
                if w.signals.lock().monitors.remove(&r).is_some() {
                    self.deliver(watcher, Message::down(r, target, &reason));
                }
            }
        }
    }

    /// The remote `from` links to the local `to`: recorded, or answered with `noproc`.
    fn remote_link(&self, slot: u16, from: Pid, to: Pid) {
        let linked = self.process(to).is_some_and(|p| {
            let mut s = p.signals.lock();
            if s.alive {
                s.links.insert(from);
            }
            s.alive
        });
        if !linked {
            let exit = Signal::Exit {
                from: to,
                to: from,
                reason: ExitReason::NoProc,
                kill: false,
                link: true,
            };
            self.to_node(slot, exit);
        }
    }

    /// The node in `slot` went away (or its session broke): every link to one of its
    /// processes delivers exit signal `noconnection`, every monitor of one a `DOWN` with
    /// `noconnection`, what its processes held here is forgotten, and then the processes
    /// watching that node get `NODEDOWN` (`crate::nodewatch`). Call it after the signals
    /// that came from that node before it went are applied.
    pub fn node_down(&self, slot: u16) {
        let there = |pid: &Pid| self.inner.pids.slot_of(pid.0) == Some(slot);
        // Spawns waiting for an answer from that node get none.
        let failed: Vec<Pending> = self
            .inner
            .spawning
            .lock()
            .extract_if(|_, p| p.slot == slot)
            .map(|(_, p)| p)
            .collect();
        for p in failed {
            let _ = p.answer.send(Err(RemoteSpawnError::NoConnection));
        }
        self.questions_unanswered(slot);
        for p in self.processes() {
            let (links, monitors) = {
                let mut s = p.signals.lock();
                if !s.alive {
                    continue;
                }
                let links: Vec<Pid> = s.links.iter().copied().filter(there).collect();
                for l in &links {
                    s.links.remove(l);
                }
                let monitors: Vec<(u64, Pid)> = s
                    .monitors
                    .iter()
                    .filter(|(_, t)| there(t))
                    .map(|(&r, &t)| (r, t))
                    .collect();
                for (r, _) in &monitors {
                    s.monitors.remove(r);
                }
                s.monitored_by.retain(|(_, w)| !there(w));
                (links, monitors)
            };
            for l in links {
                self.deliver_exit_signal(&p, l, &ExitReason::NoConnection, false);
            }
            for (r, t) in monitors {
                self.deliver(p.pid(), Message::down(r, t, &ExitReason::NoConnection));
            }
        }
        if let Some((name, told)) = self.node_gone(slot) {
            for pid in told {
                self.deliver(pid, Message::node(false, &name));
            }
        }
    }
}
