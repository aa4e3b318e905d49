//! A node's membership of a cluster over NATS: joining, the transport, heartbeats.
//!
//! Subjects, for cluster `C` (names travel in payloads: NATS splits subjects at dots):
//!
//! | subject | use |
//! |---|---|
//! | `hatchery.C.n.<slot>` | the one ordered stream into a node: every frame (`crate::frame`) |
//! | `hatchery.C.hb` | heartbeats: `ver u8, slot u16, name`, every tick from every node |
//! | `hatchery.C.ping.<slot>` | request/reply: answered while the node holds the slot (the slot claim, and the crash probe) |
//! | `hatchery.C.name.<hex of name>` | request/reply: answered while a node holds the name |
//!
//! Everything runs on one thread of its own (a current-thread tokio runtime), so guests
//! that keep the node's cores busy cannot delay a heartbeat into a false `noconnection`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_nats::{Client, Subscriber};
use bytes::Bytes;
use futures_util::StreamExt;
use hatchery_core::remote::{Peer, Signal, Transport};
use hatchery_core::{Membership, Node};
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot};

use crate::frame::{Body, Frame};
use crate::session::{Session, Verdict};

/// How to join a cluster.
#[derive(Clone, Debug)]
pub struct Options {
    /// The NATS server, `nats://host:port`.
    pub url: String,
    /// The cluster's name: letters, digits, `-` and `_`.
    pub cluster: String,
    /// This node's name, unique in the cluster.
    pub name: String,
    /// The secret all nodes of the cluster share (pids are minted with a key from it).
    pub cookie: Vec<u8>,
    /// A node not heard from for this long is down (Erlang's `net_ticktime`); nodes tick
    /// four times in it.
    pub ticktime: Duration,
    /// Most bytes of frames waiting to be written to NATS; past it, the session of the
    /// node being sent to breaks (`noconnection`) instead of the queue growing without
    /// bound or a frame being dropped silently.
    pub max_queued_bytes: usize,
}

/// The default for [`Options::max_queued_bytes`].
pub const MAX_QUEUED_BYTES: usize = 64 << 20;

const HEARTBEAT_VERSION: u8 = 1;

/// The state the transport (any thread) and the cluster's thread share.
struct Shared {
    me: u16,
    name: Arc<str>,
    prefix: String,
    sessions: Mutex<HashMap<u16, Session<Signal>>>,
    out: mpsc::UnboundedSender<(u16, Vec<u8>)>,
    /// Bytes in `out`, and their cap.
    queued: std::sync::atomic::AtomicUsize,
    max_queued: usize,
    /// Sessions this side broke because too much was queued: the node must be told.
    broke: mpsc::UnboundedSender<u16>,
}

impl Shared {
    fn inbox(&self, slot: u16) -> String {
        format!("{}.n.{slot}", self.prefix)
    }

    /// Queues a frame of `body` for `slot` under its session's numbering (`hello` starts
    /// a new one). The caller holds the sessions' lock, so frames go out in the order
    /// they were numbered.
    fn queue(&self, slot: u16, s: &mut Session<Signal>, body: Body) {
        let hello = body == Body::Hello;
        let (epoch, seq) = s.next_out(hello);
        let frame = Frame {
            src: self.me,
            epoch,
            seq,
            body,
        };
        let bytes = frame.encode();
        self.queued
            .fetch_add(bytes.len(), std::sync::atomic::Ordering::Relaxed);
        let _ = self.out.send((slot, bytes));
        self.flush(slot, s);
    }

    /// Once both HELLOs are through, what waited goes, in order.
    fn flush(&self, slot: u16, s: &mut Session<Signal>) {
        for signal in s.release() {
            self.queue(slot, s, Body::Signal(signal));
        }
    }

    /// Says `HELLO` to `slot` if its session wants one (the other node is heard, and this
    /// side has not said it in this epoch).
    fn hello_if_wanted(&self, slot: u16, s: &mut Session<Signal>) {
        if s.wants_hello() {
            self.queue(slot, s, Body::Hello);
        }
    }
}

impl Transport for Shared {
    fn send(&self, slot: u16, signal: Signal) -> bool {
        let mut sessions = self.sessions.lock();
        let over = self.queued.load(std::sync::atomic::Ordering::Relaxed) > self.max_queued;
        match sessions.get_mut(&slot) {
            Some(s) if s.up() && over => {
                // NATS cannot keep up: the session breaks here, visibly, and opens again
                // once the queue has drained.
                s.break_off();
                let _ = self.broke.send(slot);
                false
            }
            Some(s) if s.up() => {
                self.queue(slot, s, Body::Signal(signal));
                true
            }
            Some(s) => s.hold(signal),
            None => false,
        }
    }

    fn knows(&self, slot: u16) -> bool {
        self.sessions.lock().contains_key(&slot)
    }

    fn slot_named(&self, name: &str) -> Option<u16> {
        let sessions = self.sessions.lock();
        // An opening session takes signals too (they wait for it); an up one first.
        let mut named: Vec<(bool, u16)> = sessions
            .iter()
            .filter(|(_, s)| &*s.name == name && !s.quiet)
            .map(|(&slot, s)| (s.up(), slot))
            .collect();
        named.sort_unstable();
        named.pop().map(|(_, slot)| slot)
    }

    fn peers(&self) -> Vec<Peer> {
        let now = Instant::now();
        let mut v: Vec<Peer> = self
            .sessions
            .lock()
            .iter()
            .map(|(&slot, s)| Peer {
                name: s.name.to_string(),
                slot,
                up: s.up(),
                last_heard_ms: u64::try_from(now.duration_since(s.last_heard).as_millis())
                    .unwrap_or(u64::MAX),
            })
            .collect();
        v.sort_by_key(|p| p.slot);
        v
    }
}

/// A node that has joined a cluster but has no [`Node`] yet: it holds its name and slot.
pub struct Joined {
    membership: Membership,
    shared: Arc<Shared>,
    start: oneshot::Sender<(Node, oneshot::Receiver<()>)>,
    thread: std::thread::JoinHandle<()>,
}

/// A node's live membership: dropping it (or [`Cluster::leave`]) says goodbye.
pub struct Cluster {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Checks a cluster or node name for what NATS subjects and the registry allow.
fn check_names(o: &Options) -> anyhow::Result<()> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !ok(&o.cluster) {
        bail!(
            "--cluster {:?}: a cluster name is 1 to 64 letters, digits, `-` or `_`",
            o.cluster
        );
    }
    if o.name.is_empty() || o.name.len() > 255 || o.name.chars().any(char::is_control) {
        bail!(
            "--node {:?}: a node name is 1 to 255 printable characters",
            o.name
        );
    }
    if o.ticktime < Duration::from_millis(40) {
        bail!("the ticktime must be at least 40 ms");
    }
    Ok(())
}

/// Joins the cluster: connects to NATS, claims the node's name and a free slot, and
/// subscribes, on a thread of its own. Nothing is applied to a node before
/// [`Joined::attach`].
///
/// # Errors
///
/// When NATS cannot be reached, the name is taken in the cluster, or no slot is free.
pub async fn join(o: Options) -> anyhow::Result<Joined> {
    check_names(&o)?;
    let (tx, rx) = oneshot::channel();
    let opts = o.clone();
    let thread = std::thread::Builder::new()
        .name("hatchery-dist".into())
        .spawn(move || {
            // The node adopts this runtime as a scheduler (`Membership::runtime`): the I/O
            // driver is looked at every few process polls, not every 61.
            let rt = match tokio::runtime::Builder::new_current_thread()
                .event_interval(4)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(anyhow::anyhow!("starting the cluster's runtime: {e}")));
                    return;
                }
            };
            rt.block_on(async move {
                match connect(&opts).await {
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                    Ok(link) => {
                        let shared = link.shared.clone();
                        let slot = shared.me;
                        let (start_tx, start) = oneshot::channel();
                        let handle = tokio::runtime::Handle::current();
                        if tx.send(Ok((shared, slot, handle, start_tx))).is_err() {
                            return;
                        }
                        if let Ok((node, stop)) = start.await {
                            link.run(node, stop).await;
                        }
                    }
                }
            });
        })
        .context("starting the cluster's thread")?;
    let (shared, slot, runtime, start) = rx
        .await
        .map_err(|_| anyhow::anyhow!("the cluster's thread ended while joining"))??;
    Ok(Joined {
        membership: Membership {
            name: Arc::from(o.name.as_str()),
            slot,
            key: hatchery_core::mint::cluster_key(&o.cookie),
            runtime: std::env::var_os("HATCHERY_DIST_NO_ADOPT")
                .is_none()
                .then_some(runtime),
        },
        shared,
        start,
        thread,
    })
}

impl Joined {
    /// The node's name, slot and minting key, for its [`hatchery_core::NodeConfig`].
    pub fn membership(&self) -> Membership {
        self.membership.clone()
    }

    /// Makes `node` (created with [`Joined::membership`]) the cluster's node: from now on
    /// it ticks, and signals flow both ways.
    ///
    /// # Errors
    ///
    /// When the node was not created with this membership, or has a transport already.
    pub fn attach(self, node: &Node) -> anyhow::Result<Cluster> {
        match &node.config().cluster {
            Some(m) if m.slot == self.membership.slot && m.name == self.membership.name => {}
            _ => bail!("the node was not created with this cluster membership"),
        }
        node.set_transport(self.shared.clone())?;
        let (stop_tx, stop_rx) = oneshot::channel();
        self.start
            .send((node.clone(), stop_rx))
            .map_err(|_| anyhow::anyhow!("the cluster's thread has ended"))?;
        Ok(Cluster {
            stop: Some(stop_tx),
            thread: Some(self.thread),
        })
    }
}

impl Cluster {
    /// Says goodbye to the other nodes (their links to this node's processes fire
    /// `noconnection` at once) and closes the connection, waiting up to a second.
    pub fn leave(mut self) {
        self.stop_now();
    }

    fn stop_now(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let deadline = Instant::now() + Duration::from_secs(1);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop_now();
    }
}

/// The connection and subscriptions of a joined node, run by its thread.
struct Link {
    client: Client,
    shared: Arc<Shared>,
    out: mpsc::UnboundedReceiver<(u16, Vec<u8>)>,
    inbox: Subscriber,
    heartbeats: Subscriber,
    pings: Subscriber,
    name_claim: Subscriber,
    events: mpsc::UnboundedReceiver<async_nats::Event>,
    broke: mpsc::UnboundedReceiver<u16>,
    ticktime: Duration,
}

/// A heartbeat's slot and name, unless it is this node's own (`me`) or not a heartbeat.
fn read_heartbeat(b: &[u8], me: u16) -> Option<(u16, String)> {
    if b.len() < 3 || b[0] != HEARTBEAT_VERSION {
        return None;
    }
    let slot = u16::from_le_bytes([b[1], b[2]]);
    if slot == me || slot == 0 {
        return None;
    }
    Some((slot, String::from_utf8_lossy(&b[3..]).into_owned()))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn random_slot() -> u16 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    u16::from_le_bytes(b).max(1)
}

async fn connect(o: &Options) -> anyhow::Result<Link> {
    let (ev_tx, events) = mpsc::unbounded_channel();
    let client = async_nats::ConnectOptions::new()
        .name(format!("hatchery-node-{}", o.name))
        .ping_interval(o.ticktime.max(Duration::from_millis(500)))
        .request_timeout(Some(o.ticktime))
        // A burst must not overflow the client's queue of one subscription (65,536 by
        // default): it would drop frames, and so break sessions, under a plain stream.
        .subscription_capacity(1 << 20)
        .event_callback(move |e| {
            let tx = ev_tx.clone();
            async move {
                let _ = tx.send(e);
            }
        })
        .connect(o.url.as_str())
        .await
        .with_context(|| {
            format!(
                "cannot reach NATS at {} (is nats-server running? `--nats auto` starts one)",
                o.url
            )
        })?;
    let prefix = format!("hatchery.{}", o.cluster);
    // The name first: a node that joins with a name in use is refused.
    let name_subject = format!("{prefix}.name.{}", hex(&o.name));
    match client.request(name_subject.clone(), Bytes::new()).await {
        Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders => {}
        Ok(_) => bail!(
            "a node named {:?} is already in cluster {:?}; choose another --node",
            o.name,
            o.cluster
        ),
        Err(e) => bail!(
            "could not check whether the name {:?} is free in cluster {:?}: {e}",
            o.name,
            o.cluster
        ),
    }
    let name_claim = client.subscribe(name_subject).await?;
    let mut slot = None;
    for _ in 0..32 {
        let s = random_slot();
        let r = client
            .request(format!("{prefix}.ping.{s}"), Bytes::new())
            .await;
        if matches!(&r, Err(e) if e.kind() == async_nats::RequestErrorKind::NoResponders) {
            slot = Some(s);
            break;
        }
    }
    let Some(me) = slot else {
        bail!(
            "no free slot found in cluster {:?} after 32 tries",
            o.cluster
        );
    };
    let pings = client.subscribe(format!("{prefix}.ping.{me}")).await?;
    let inbox = client.subscribe(format!("{prefix}.n.{me}")).await?;
    let mut heartbeats = client.subscribe(format!("{prefix}.hb")).await?;
    client.flush().await?;
    // A tick's worth of heartbeats: the nodes already there, so that what the node's first
    // processes send them waits for the session instead of being lost.
    let mut known = HashMap::new();
    let until = tokio::time::Instant::now() + o.ticktime / 4 + Duration::from_millis(50);
    while let Ok(Some(m)) = tokio::time::timeout_at(until, heartbeats.next()).await {
        if let Some((slot, name)) = read_heartbeat(&m.payload, me) {
            known
                .entry(slot)
                .or_insert_with(|| Session::new(Arc::from(name.as_str()), Instant::now()));
        }
    }
    let (out_tx, out) = mpsc::unbounded_channel();
    let (broke_tx, broke) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        me,
        name: Arc::from(o.name.as_str()),
        prefix,
        sessions: Mutex::new(known),
        out: out_tx,
        queued: std::sync::atomic::AtomicUsize::new(0),
        max_queued: o.max_queued_bytes,
        broke: broke_tx,
    });
    Ok(Link {
        client,
        shared,
        out,
        inbox,
        heartbeats,
        pings,
        name_claim,
        events,
        broke,
        ticktime: o.ticktime,
    })
}

impl Link {
    async fn run(mut self, node: Node, mut stop: oneshot::Receiver<()>) {
        let tick_every = self.ticktime / 4;
        let mut tick = tokio::time::interval(tick_every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (probe_tx, mut probed) = mpsc::unbounded_channel::<u16>();
        {
            let mut sessions = self.shared.sessions.lock();
            for (&slot, s) in sessions.iter_mut() {
                self.shared.hello_if_wanted(slot, s);
            }
        }
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break,
                Some(m) = self.inbox.next() => self.frame(&node, &m.payload),
                Some((slot, bytes)) = self.out.recv() => {
                    self.publish(slot, bytes).await;
                    // Whatever else is queued goes out before anything else is looked at.
                    while let Ok((slot, bytes)) = self.out.try_recv() {
                        self.publish(slot, bytes).await;
                    }
                }
                Some(m) = self.heartbeats.next() => self.heartbeat(&node, &m.payload),
                Some(m) = self.pings.next() => self.answer(m.reply).await,
                Some(m) = self.name_claim.next() => self.answer(m.reply).await,
                Some(slot) = probed.recv() => self.gone(&node, slot),
                Some(slot) = self.broke.recv() => {
                    node.node_down(slot);
                    let mut sessions = self.shared.sessions.lock();
                    if let Some(s) = sessions.get_mut(&slot) {
                        self.shared.hello_if_wanted(slot, s);
                    }
                }
                Some(e) = self.events.recv() => self.event(&node, e),
                _ = tick.tick() => self.tick(&node, &probe_tx).await,
            }
        }
        self.goodbye().await;
    }

    async fn publish(&self, slot: u16, bytes: Vec<u8>) {
        self.shared
            .queued
            .fetch_sub(bytes.len(), std::sync::atomic::Ordering::Relaxed);
        let _ = self
            .client
            .publish(self.shared.inbox(slot), Bytes::from(bytes))
            .await;
    }

    async fn answer(&self, reply: Option<async_nats::Subject>) {
        if let Some(r) = reply {
            let _ = self.client.publish(r, Bytes::new()).await;
        }
    }

    /// A frame from another node.
    fn frame(&self, node: &Node, bytes: &[u8]) {
        let Ok(f) = Frame::decode(bytes) else {
            return;
        };
        if f.src == self.shared.me {
            return;
        }
        let mut sessions = self.shared.sessions.lock();
        let Some(s) = sessions.get_mut(&f.src) else {
            // A node not heard of yet says HELLO first: take it, its heartbeat will follow
            // with its name.
            if f.body == Body::Hello {
                sessions.insert(f.src, Session::new(Arc::from("?"), Instant::now()));
                drop(sessions);
                self.frame(node, bytes);
            }
            return;
        };
        s.heard(Instant::now());
        let hello = f.body == Body::Hello;
        match s.receive(f.epoch, f.seq, hello) {
            Verdict::Drop => {
                if s.wants_hello() {
                    self.shared.queue(f.src, s, Body::Hello);
                }
            }
            Verdict::Apply => match f.body {
                Body::Signal(sig) => {
                    drop(sessions);
                    node.apply(f.src, sig);
                }
                Body::Bye => {
                    s.quiet = true;
                    let was_up = s.break_off();
                    drop(sessions);
                    if was_up {
                        node.node_down(f.src);
                    }
                }
                Body::Hello => {}
            },
            Verdict::Opened { broke, reply } => {
                if reply {
                    self.shared.queue(f.src, s, Body::Hello);
                } else {
                    self.shared.flush(f.src, s);
                }
                // A node whose HELLO came before its first heartbeat is up once its
                // name is known (`heartbeat`).
                let up = (s.up() && *s.name != *"?").then(|| s.name.clone());
                drop(sessions);
                if broke {
                    node.node_down(f.src);
                }
                if let Some(name) = up {
                    node.node_up(f.src, &name);
                }
            }
            Verdict::Broke { was_up } => {
                self.shared.queue(f.src, s, Body::Hello);
                drop(sessions);
                if was_up {
                    node.node_down(f.src);
                }
            }
        }
    }

    fn heartbeat(&self, node: &Node, b: &[u8]) {
        let Some((slot, name)) = read_heartbeat(b, self.shared.me) else {
            return;
        };
        let now = Instant::now();
        let mut sessions = self.shared.sessions.lock();
        let s = sessions
            .entry(slot)
            .or_insert_with(|| Session::new(Arc::from(&*name), now));
        let named = *s.name != *name;
        if named {
            s.name = Arc::from(&*name);
        }
        s.heard(now);
        self.shared.hello_if_wanted(slot, s);
        let up = named && s.up();
        drop(sessions);
        if up {
            node.node_up(slot, &name);
        }
    }

    /// The node in `slot` is gone (its probe found nobody, or it went silent).
    fn gone(&self, node: &Node, slot: u16) {
        let was_up = {
            let mut sessions = self.shared.sessions.lock();
            let Some(s) = sessions.get_mut(&slot) else {
                return;
            };
            s.quiet = true;
            s.break_off()
        };
        if was_up {
            node.node_down(slot);
        }
    }

    /// This node's own connection: lost, every session is (the other nodes will see this
    /// one fall silent, or a gap, and do the same).
    fn event(&self, node: &Node, e: async_nats::Event) {
        if matches!(
            e,
            async_nats::Event::Disconnected | async_nats::Event::SlowConsumer(_)
        ) {
            let down: Vec<u16> = {
                let mut sessions = self.shared.sessions.lock();
                sessions
                    .iter_mut()
                    .filter_map(|(&slot, s)| s.break_off().then_some(slot))
                    .collect()
            };
            for slot in down {
                node.node_down(slot);
            }
        }
    }

    async fn tick(&self, node: &Node, probe: &mpsc::UnboundedSender<u16>) {
        let mut hb = vec![HEARTBEAT_VERSION];
        hb.extend_from_slice(&self.shared.me.to_le_bytes());
        hb.extend_from_slice(self.shared.name.as_bytes());
        let _ = self
            .client
            .publish(format!("{}.hb", self.shared.prefix), Bytes::from(hb))
            .await;
        let now = Instant::now();
        // Every peer not heard in the last twentieth of the ticktime is asked, so a killed
        // node is found within a tick (one request per peer and tick, as many as the
        // heartbeats).
        let quiet_for = self.ticktime / 20;
        let (down, ask): (Vec<u16>, Vec<u16>) = {
            let mut sessions = self.shared.sessions.lock();
            let mut down = Vec::new();
            let mut ask = Vec::new();
            for (&slot, s) in sessions.iter_mut() {
                match s.timed_out(now, self.ticktime) {
                    Some(true) => down.push(slot),
                    Some(false) => {}
                    None if s.up() && now.duration_since(s.last_heard) > quiet_for => {
                        ask.push(slot)
                    }
                    None => {}
                }
            }
            (down, ask)
        };
        for slot in down {
            node.node_down(slot);
        }
        // Asked whether its connection is still there: a killed node's is gone at once, so
        // NATS answers "no responders".
        for slot in ask {
            let client = self.client.clone();
            let subject = format!("{}.ping.{slot}", self.shared.prefix);
            let probe = probe.clone();
            tokio::spawn(async move {
                if let Err(e) = client.request(subject, Bytes::new()).await
                    && e.kind() == async_nats::RequestErrorKind::NoResponders
                {
                    let _ = probe.send(slot);
                }
            });
        }
    }

    /// Says BYE to every node with a session, and flushes.
    async fn goodbye(mut self) {
        {
            let mut sessions = self.shared.sessions.lock();
            for (&slot, s) in sessions.iter_mut() {
                if s.up() {
                    self.shared.queue(slot, s, Body::Bye);
                }
            }
        }
        while let Ok((slot, bytes)) = self.out.try_recv() {
            self.publish(slot, bytes).await;
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), self.client.flush()).await;
    }
}
