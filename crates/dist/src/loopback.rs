//! Two nodes in one host process, joined without NATS: for tests of the rules across nodes
//! (links, monitors, `noconnection`) that must not depend on a server or on timing.
//!
//! Each direction is a queue drained in order by a task, as one NATS subscription is;
//! [`Loopback::cut`] breaks the connection the way a lost session does.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use hatchery_core::remote::{Peer, Signal, Transport};
use hatchery_core::{Membership, Node};
use tokio::sync::mpsc;

enum Item {
    Signal(Signal),
    /// The connection is (again) open.
    Up,
    /// The connection broke: everything sent before it is applied, then the node is down.
    Down,
}

/// One node's side of the pair.
struct Side {
    peer: Membership,
    up: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Item>,
}

impl Transport for Side {
    fn send(&self, slot: u16, signal: Signal) -> bool {
        slot == self.peer.slot
            && self.up.load(Ordering::Acquire)
            && self.tx.send(Item::Signal(signal)).is_ok()
    }

    fn knows(&self, slot: u16) -> bool {
        slot == self.peer.slot
    }

    fn slot_named(&self, name: &str) -> Option<u16> {
        (*self.peer.name == *name && self.up.load(Ordering::Acquire)).then_some(self.peer.slot)
    }

    fn peers(&self) -> Vec<Peer> {
        vec![Peer {
            name: self.peer.name.to_string(),
            slot: self.peer.slot,
            up: self.up.load(Ordering::Acquire),
            last_heard_ms: 0,
        }]
    }
}

/// Two nodes joined in memory.
pub struct Loopback {
    up: Arc<AtomicBool>,
    to_a: mpsc::UnboundedSender<Item>,
    to_b: mpsc::UnboundedSender<Item>,
}

/// Memberships for two nodes `a` and `b` of one cluster, to create them with.
pub fn memberships(cookie: &[u8]) -> (Membership, Membership) {
    let key = hatchery_core::mint::cluster_key(cookie);
    let m = |name: &str, slot| Membership {
        name: Arc::from(name),
        slot,
        key,
        runtime: None,
    };
    (m("a", 1), m("b", 2))
}

impl Loopback {
    /// Joins `a` and `b`, created with the two [`memberships`]. Must be called inside a
    /// tokio runtime.
    ///
    /// # Errors
    ///
    /// When either node is not in a cluster or already has a transport.
    pub fn join(a: &Node, b: &Node) -> anyhow::Result<Loopback> {
        let (Some(ma), Some(mb)) = (a.config().cluster.clone(), b.config().cluster.clone()) else {
            anyhow::bail!("both nodes need a cluster membership");
        };
        let up = Arc::new(AtomicBool::new(true));
        let (to_a, rx_a) = mpsc::unbounded_channel();
        let (to_b, rx_b) = mpsc::unbounded_channel();
        a.set_transport(Arc::new(Side {
            peer: mb.clone(),
            up: up.clone(),
            tx: to_b.clone(),
        }))?;
        b.set_transport(Arc::new(Side {
            peer: ma.clone(),
            up: up.clone(),
            tx: to_a.clone(),
        }))?;
        tokio::spawn(drain(a.clone(), mb.clone(), rx_a));
        tokio::spawn(drain(b.clone(), ma.clone(), rx_b));
        let _ = to_a.send(Item::Up);
        let _ = to_b.send(Item::Up);
        Ok(Loopback { up, to_a, to_b })
    }

    /// Breaks the connection: both nodes apply what was already sent, then see the other
    /// go down.
    pub fn cut(&self) {
        self.up.store(false, Ordering::Release);
        let _ = self.to_a.send(Item::Down);
        let _ = self.to_b.send(Item::Down);
    }

    /// Joins the two again after a [`Loopback::cut`] (a new session).
    pub fn heal(&self) {
        self.up.store(true, Ordering::Release);
        let _ = self.to_a.send(Item::Up);
        let _ = self.to_b.send(Item::Up);
    }
}

async fn drain(node: Node, from: Membership, mut rx: mpsc::UnboundedReceiver<Item>) {
    while let Some(item) = rx.recv().await {
        match item {
            Item::Signal(s) => node.apply(from.slot, s),
            Item::Up => node.node_up(from.slot, &from.name),
            Item::Down => node.node_down(from.slot),
        }
    }
}
