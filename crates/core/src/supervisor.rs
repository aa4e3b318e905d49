//! Supervisors, run by the host (thesis digest items 41–53): each is a native process in
//! the tree with a pid, trapping exits and linked to its children.
//!
//! A supervisor starts its children in order, restarts them by its strategy and their
//! restart type, gives up (and ends with `shutdown`, which its own parent sees) when more
//! than `intensity` restarts happen within `period`, and stops its children in reverse
//! order with the shutdown protocol: `shutdown`, then `kill` after the child's timeout.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::exit::ExitReason;
use crate::message::MessageKind;
use crate::native::NativeProcess;
use crate::node::{Node, SpawnError};
use crate::pid::Pid;

/// Which children restart when one ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Only that child (an OR supervisor).
    OneForOne,
    /// All children (an AND supervisor): the others are stopped, then all are started.
    OneForAll,
    /// That child and the ones started after it.
    RestForOne,
}

/// When a child is restarted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// Always.
    Permanent,
    /// Only after an abnormal exit (not `normal` or `shutdown`).
    Transient,
    /// Never; it is forgotten when it ends.
    Temporary,
}

/// How a child is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    /// `kill` at once.
    BrutalKill,
    /// `shutdown`, then `kill` if it has not ended after this long.
    Timeout(Duration),
    /// `shutdown`, and wait as long as it takes (for child supervisors).
    Infinity,
}

/// What a child runs.
#[derive(Clone, Debug)]
pub enum ChildStart {
    /// A process of a module, with argument bytes.
    Worker {
        /// The module.
        module: String,
        /// Its argument bytes.
        args: Vec<u8>,
        /// What WASI grants it (none by default).
        wasi: Option<Arc<crate::config::WasiGrants>>,
        /// Its memory cap in bytes, instead of its module's.
        max_memory: Option<usize>,
        /// Its cap on one callback's CPU, instead of the node's (zero: none).
        callback_cpu_limit: Option<std::time::Duration>,
        /// What it may do beyond its subtree ([`crate::config::Grants`]); `None`: every
        /// grant (a manifest's children get [`crate::config::Grants::child`] or their list).
        grants: Option<Arc<crate::config::Grants>>,
        /// The subtree it counts in (for its quotas): that of the guest that added it with
        /// `sup_start_child`, so that what a guest starts through a supervisor costs its own
        /// quotas; `None`: a subtree of its own.
        subtree: Option<Arc<crate::process::Subtree>>,
    },
    /// A nested supervisor.
    Supervisor(SupervisorSpec),
}

/// One child of a supervisor.
#[derive(Clone, Debug)]
pub struct ChildSpec {
    /// Unique within its supervisor.
    pub id: String,
    /// What it runs.
    pub start: ChildStart,
    /// When it is restarted.
    pub restart: Restart,
    /// How it is stopped.
    pub shutdown: Shutdown,
}

impl ChildSpec {
    /// A permanent worker child running `module` with `args`, stopped within 5 s, with
    /// its module's caps and every grant; change the rest with struct update syntax.
    pub fn worker(id: &str, module: &str, args: Vec<u8>) -> ChildSpec {
        ChildSpec {
            id: id.into(),
            start: ChildStart::Worker {
                module: module.into(),
                args,
                wasi: None,
                max_memory: None,
                callback_cpu_limit: None,
                grants: None,
                subtree: None,
            },
            restart: Restart::Permanent,
            shutdown: Shutdown::Timeout(Duration::from_secs(5)),
        }
    }
}

/// A supervisor: its strategy, restart intensity and children.
#[derive(Clone, Debug)]
pub struct SupervisorSpec {
    /// The restart strategy.
    pub strategy: Strategy,
    /// Most restarts allowed within `period` (more ends the supervisor).
    pub intensity: u32,
    /// The window of `intensity`.
    pub period: Duration,
    /// The children, in start order.
    pub children: Vec<ChildSpec>,
}

/// A running child, as `which_children` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChildInfo {
    /// Its id.
    pub id: String,
    /// Its current pid (`None` while it is not running).
    pub pid: Option<Pid>,
    /// Whether it is a supervisor.
    pub supervisor: bool,
    /// Times its supervisor restarted it.
    pub restarts: u64,
}

/// A live supervisor as the inspector sees it.
#[derive(Debug, Clone)]
pub struct SupervisorInfo {
    /// Its pid.
    pub pid: Pid,
    /// Its strategy.
    pub strategy: Strategy,
    /// Children it restarted so far.
    pub restarts: u64,
    /// Its children, in start order.
    pub children: Vec<ChildInfo>,
}

/// Why a supervisor could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// Two children share an id.
    #[error("duplicate child id `{0}`")]
    DuplicateId(String),
    /// The node is at its process cap.
    #[error(transparent)]
    Spawn(#[from] SpawnError),
}

struct Child {
    spec: ChildSpec,
    pid: Option<Pid>,
    /// Times this supervisor restarted it (alone or with its group).
    restarts: u64,
}

/// What the node keeps of each live supervisor: its children, and a way to ask it things.
pub(crate) struct Handle {
    info: Mutex<Vec<ChildInfo>>,
    strategy: Strategy,
    restarts: std::sync::atomic::AtomicU64,
    requests: tokio::sync::mpsc::UnboundedSender<Request>,
}

/// A request to a running supervisor.
enum Request {
    StartChild(
        ChildSpec,
        tokio::sync::oneshot::Sender<Result<Option<Pid>, ChildError>>,
    ),
    TerminateChild(String, tokio::sync::oneshot::Sender<Result<(), ChildError>>),
}

/// Why `start_child` or `terminate_child` failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChildError {
    /// The pid is not a live supervisor.
    #[error("not a live supervisor")]
    NoSupervisor,
    /// A child with that id exists already (start) or does not exist (terminate).
    #[error("child id `{0}`: {1}")]
    Id(String, &'static str),
    /// The child could not be started.
    #[error("the child could not start: {0}")]
    Start(String),
}

/// The live supervisors.
pub(crate) type Supervisors = Mutex<std::collections::HashMap<Pid, Arc<Handle>>>;

impl Node {
    /// Starts a supervisor (and, in order, its children); returns its pid. With a `parent`,
    /// the supervisor is linked to it, so it ends when its parent does and its parent sees
    /// it end.
    ///
    /// # Errors
    ///
    /// A duplicate child id anywhere in the tree, or the process cap.
    pub fn start_supervisor(
        &self,
        spec: SupervisorSpec,
        parent: Option<Pid>,
    ) -> Result<Pid, SupervisorError> {
        check_ids(&spec)?;
        let me = self.spawn_native("supervisor")?;
        me.trap_exit(true);
        if let Some(parent) = parent
            && me.link(parent).is_err()
        {
            return Err(SupervisorError::Spawn(SpawnError::NoParent(parent)));
        }
        let pid = me.pid();
        let (tx, requests) = tokio::sync::mpsc::unbounded_channel();
        let info = Arc::new(Handle {
            info: Mutex::new(Vec::new()),
            strategy: spec.strategy,
            restarts: Default::default(),
            requests: tx,
        });
        self.inner.supervisors.lock().insert(pid, info.clone());
        let mut sup = Running {
            node: self.clone(),
            me,
            spec,
            children: Vec::new(),
            restarts: VecDeque::new(),
            info,
            parent,
            requests,
        };
        // As OTP's start_link: the children are started, in order, before this returns, so
        // the tree is complete when the caller sees the supervisor's pid.
        let failed = sup.start_all().err();
        let node = self.clone();
        // Where its children run: a restart (exit signal in, spawn out) stays on one thread.
        self.spawn_process_task(Box::pin(async move {
            let reason = match failed {
                Some(reason) => {
                    sup.stop_all().await;
                    reason
                }
                None => sup.run().await,
            };
            node.inner.supervisors.lock().remove(&pid);
            sup.me.exit(reason);
        }));
        Ok(pid)
    }

    /// Every live supervisor, in the order spawned: pid, strategy, restarts so far and
    /// children (start order).
    pub fn supervisors(&self) -> Vec<SupervisorInfo> {
        let mut v: Vec<SupervisorInfo> = self
            .inner
            .supervisors
            .lock()
            .iter()
            .map(|(pid, h)| SupervisorInfo {
                pid: *pid,
                strategy: h.strategy,
                restarts: h.restarts.load(std::sync::atomic::Ordering::Relaxed),
                children: h.info.lock().clone(),
            })
            .collect();
        v.sort_by_cached_key(|s| self.spawn_order(s.pid));
        v
    }

    /// The children of a live supervisor, in start order.
    pub fn which_children(&self, supervisor: Pid) -> Option<Vec<ChildInfo>> {
        let handle = self.inner.supervisors.lock().get(&supervisor).cloned()?;
        let children = handle.info.lock().clone();
        Some(children)
    }

    /// Adds a child to a live supervisor and starts it (last in start order). Returns its
    /// pid (`None` only if it could not be recorded as running).
    ///
    /// # Errors
    ///
    /// See [`ChildError`].
    pub async fn start_child(
        &self,
        supervisor: Pid,
        spec: ChildSpec,
    ) -> Result<Option<Pid>, ChildError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.ask(supervisor, Request::StartChild(spec, tx))?;
        rx.await.map_err(|_| ChildError::NoSupervisor)?
    }

    /// Stops a child of a live supervisor by its shutdown protocol and forgets it.
    ///
    /// # Errors
    ///
    /// See [`ChildError`].
    pub async fn terminate_child(&self, supervisor: Pid, id: &str) -> Result<(), ChildError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.ask(supervisor, Request::TerminateChild(id.to_string(), tx))?;
        rx.await.map_err(|_| ChildError::NoSupervisor)?
    }

    fn ask(&self, supervisor: Pid, request: Request) -> Result<(), ChildError> {
        let handle = self
            .inner
            .supervisors
            .lock()
            .get(&supervisor)
            .cloned()
            .ok_or(ChildError::NoSupervisor)?;
        handle
            .requests
            .send(request)
            .map_err(|_| ChildError::NoSupervisor)
    }
}

fn check_ids(spec: &SupervisorSpec) -> Result<(), SupervisorError> {
    let mut seen = std::collections::HashSet::new();
    for c in &spec.children {
        if !seen.insert(c.id.as_str()) {
            return Err(SupervisorError::DuplicateId(c.id.clone()));
        }
        if let ChildStart::Supervisor(s) = &c.start {
            check_ids(s)?;
        }
    }
    Ok(())
}

struct Running {
    node: Node,
    me: NativeProcess,
    spec: SupervisorSpec,
    children: Vec<Child>,
    restarts: VecDeque<Instant>,
    info: Arc<Handle>,
    parent: Option<Pid>,
    requests: tokio::sync::mpsc::UnboundedReceiver<Request>,
}

impl Running {
    /// Starts the children of the spec, in order.
    fn start_all(&mut self) -> Result<(), ExitReason> {
        self.children = self
            .spec
            .children
            .iter()
            .map(|s| Child {
                spec: s.clone(),
                pid: None,
                restarts: 0,
            })
            .collect();
        (0..self.children.len()).try_for_each(|i| self.start(i))
    }

    async fn run(&mut self) -> ExitReason {
        loop {
            let received = tokio::select! {
                m = self.me.recv(None) => m,
                Some(request) = self.requests.recv() => {
                    self.serve(request).await;
                    continue;
                }
            };
            let msg = match received {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(crate::native::Exited(reason)) => {
                    self.stop_all().await;
                    return reason;
                }
            };
            if msg.kind != MessageKind::Exit {
                continue; // a supervisor takes no requests yet; stray messages are dropped
            }
            let reason = msg.reason().unwrap_or(ExitReason::Normal);
            if Some(msg.sender) == self.parent {
                self.stop_all().await;
                return reason;
            }
            let Some(i) = self.children.iter().position(|c| c.pid == Some(msg.sender)) else {
                continue; // a child we already stopped, or an unknown link
            };
            let old_pid = self.children[i].pid.take();
            let restart = match self.children[i].spec.restart {
                Restart::Permanent => true,
                Restart::Transient => !matches!(reason, ExitReason::Normal | ExitReason::Shutdown),
                Restart::Temporary => false,
            };
            if !restart {
                self.report(i, "not_restarted", old_pid, None, &reason);
                if self.children[i].spec.restart == Restart::Temporary {
                    self.children.remove(i);
                }
                self.publish();
                continue;
            }
            // A restart the upgrade policy asked for is not a fault.
            if !self.node.take_upgrade_restart(msg.sender) && self.too_many_restarts() {
                self.report(i, "gave_up", old_pid, None, &reason);
                self.stop_all().await;
                return ExitReason::Shutdown;
            }
            let group: Vec<usize> = match self.spec.strategy {
                Strategy::OneForOne => vec![i],
                Strategy::OneForAll => (0..self.children.len()).collect(),
                Strategy::RestForOne => (i..self.children.len()).collect(),
            };
            for &j in group.iter().rev() {
                self.stop(j).await;
            }
            // Temporary siblings are stopped with the group but never restarted (OTP).
            let id = self.children[i].spec.id.clone();
            let mut restart_ids = Vec::new();
            for &j in group.iter().rev() {
                if j != i && self.children[j].spec.restart == Restart::Temporary {
                    self.children.remove(j);
                } else {
                    restart_ids.push(self.children[j].spec.id.clone());
                }
            }
            restart_ids.reverse();
            for rid in &restart_ids {
                let Some(j) = self.children.iter().position(|c| &c.spec.id == rid) else {
                    continue;
                };
                if let Err(reason) = self.start(j) {
                    self.stop_all().await;
                    return reason;
                }
                self.children[j].restarts += 1;
            }
            self.publish();
            let i = self
                .children
                .iter()
                .position(|c| c.spec.id == id)
                .unwrap_or(0);
            let new_pid = self.children.get(i).and_then(|c| c.pid);
            self.report(i, "restarted", old_pid, new_pid, &reason);
            self.info
                .restarts
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.node
                .stats()
                .restarts
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// A supervisor report for the crash log.
    fn report(
        &self,
        i: usize,
        action: &str,
        old_pid: Option<Pid>,
        new_pid: Option<Pid>,
        reason: &ExitReason,
    ) {
        let child = self
            .children
            .get(i)
            .map(|c| c.spec.id.clone())
            .unwrap_or_default();
        self.node.report(|| crate::crashlog::Report::Supervisor {
            time_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            supervisor: self.me.pid().as_u64(),
            child,
            action: action.to_string(),
            old_pid: old_pid.map(Pid::as_u64),
            new_pid: new_pid.map(Pid::as_u64),
            reason: reason.to_string(),
        });
    }

    async fn serve(&mut self, request: Request) {
        match request {
            Request::StartChild(spec, reply) => {
                let result = if self.children.iter().any(|c| c.spec.id == spec.id) {
                    Err(ChildError::Id(spec.id.clone(), "already exists"))
                } else {
                    self.children.push(Child {
                        spec,
                        pid: None,
                        restarts: 0,
                    });
                    let i = self.children.len() - 1;
                    match self.start(i) {
                        Ok(()) => Ok(self.children[i].pid),
                        Err(reason) => {
                            self.children.pop();
                            self.publish();
                            Err(ChildError::Start(reason.to_string()))
                        }
                    }
                };
                let _ = reply.send(result);
            }
            Request::TerminateChild(id, reply) => {
                let result = match self.children.iter().position(|c| c.spec.id == id) {
                    Some(i) => {
                        self.stop(i).await;
                        self.children.remove(i);
                        self.publish();
                        Ok(())
                    }
                    None => Err(ChildError::Id(id, "no such child")),
                };
                let _ = reply.send(result);
            }
        }
    }

    /// Records a restart; true when it exceeds the intensity within the period.
    fn too_many_restarts(&mut self) -> bool {
        let now = Instant::now();
        self.restarts.push_back(now);
        while self
            .restarts
            .front()
            .is_some_and(|t| now.duration_since(*t) > self.spec.period)
        {
            self.restarts.pop_front();
        }
        self.restarts.len() > self.spec.intensity as usize
    }

    fn start(&mut self, i: usize) -> Result<(), ExitReason> {
        let pid = match &self.children[i].spec.start {
            ChildStart::Worker {
                module,
                args,
                wasi,
                max_memory,
                callback_cpu_limit,
                grants,
                subtree,
            } => self
                .me
                .spawn_granted(
                    module,
                    args.clone(),
                    crate::node::SpawnOpts {
                        link: true,
                        wasi: wasi.clone(),
                        max_memory: *max_memory,
                        callback_cpu_limit: *callback_cpu_limit,
                        grants: grants.clone(),
                        subtree: subtree.clone(),
                        ..Default::default()
                    },
                )
                .map(|s| s.pid)
                .map_err(|e| ExitReason::custom(e.to_string()))?,
            ChildStart::Supervisor(spec) => self
                .node
                .start_supervisor(spec.clone(), Some(self.me.pid()))
                .map_err(|e| ExitReason::custom(e.to_string()))?,
        };
        self.children[i].pid = Some(pid);
        self.publish();
        Ok(())
    }

    /// The shutdown protocol for one child; waits until it has ended.
    async fn stop(&mut self, i: usize) {
        let Some(pid) = self.children[i].pid.take() else {
            return;
        };
        let (node, me) = (&self.node, self.me.pid());
        // Monitor as well as the link: a child that unlinked itself still reports its end
        // (OTP's monitor_child), so the supervisor never waits forever.
        let mref = self.me.monitor(pid);
        let wait = |limit: Option<Duration>| {
            self.me.recv_match(limit, move |m| {
                let exit = m.kind == MessageKind::Exit && m.sender == pid;
                let down = m.kind == MessageKind::Down && m.monitor_ref() == Some(mref);
                (exit || down).then_some(())
            })
        };
        match self.children[i].spec.shutdown {
            Shutdown::BrutalKill => {
                if node.exit_signal(me, pid, &ExitReason::Killed, true).is_ok() {
                    let _ = wait(None).await;
                }
            }
            Shutdown::Timeout(t) => {
                if node
                    .exit_signal(me, pid, &ExitReason::Shutdown, false)
                    .is_ok()
                    && matches!(wait(Some(t)).await, Ok(None))
                {
                    let _ = node.exit_signal(me, pid, &ExitReason::Killed, true);
                    let _ = wait(None).await;
                }
            }
            Shutdown::Infinity => {
                if node
                    .exit_signal(me, pid, &ExitReason::Shutdown, false)
                    .is_ok()
                {
                    let _ = wait(None).await;
                }
            }
        }
        self.me.demonitor(mref, true);
        self.publish();
    }

    /// Stops every child, last started first.
    async fn stop_all(&mut self) {
        for i in (0..self.children.len()).rev() {
            self.stop(i).await;
        }
    }

    fn publish(&self) {
        *self.info.info.lock() = self
            .children
            .iter()
            .map(|c| ChildInfo {
                id: c.spec.id.clone(),
                pid: c.pid,
                supervisor: matches!(c.spec.start, ChildStart::Supervisor(_)),
                restarts: c.restarts,
            })
            .collect();
    }
}

/// A worker child spec as JSON (the ABI's `sup_start_child`):
/// `{"id": "w1", "module": "kv", "args": <json>, "restart": "permanent",
/// "shutdown": 500 | "brutal_kill" | "infinity"}`; all but `id` and `module` optional.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ChildJson {
    id: String,
    module: String,
    #[serde(default)]
    args: Option<serde_json::Value>,
    #[serde(default)]
    restart: Option<String>,
    #[serde(default)]
    shutdown: Option<serde_json::Value>,
}

impl ChildSpec {
    /// Parses a worker child spec from JSON.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong.
    pub fn from_json(bytes: &[u8]) -> Result<ChildSpec, String> {
        let c: ChildJson = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let restart = match c.restart.as_deref() {
            None | Some("permanent") => Restart::Permanent,
            Some("transient") => Restart::Transient,
            Some("temporary") => Restart::Temporary,
            Some(other) => return Err(format!("unknown restart `{other}`")),
        };
        let shutdown = match &c.shutdown {
            None => Shutdown::Timeout(Duration::from_millis(5000)),
            Some(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                Shutdown::Timeout(Duration::from_millis(n.as_u64().unwrap_or(0)))
            }
            Some(serde_json::Value::String(s)) if s == "brutal_kill" => Shutdown::BrutalKill,
            Some(serde_json::Value::String(s)) if s == "infinity" => Shutdown::Infinity,
            Some(other) => return Err(format!("bad shutdown {other}")),
        };
        let args = match c.args {
            None => Vec::new(),
            Some(v) => serde_json::to_vec(&v).map_err(|e| e.to_string())?,
        };
        Ok(ChildSpec {
            restart,
            shutdown,
            ..ChildSpec::worker(&c.id, &c.module, args)
        })
    }
}

impl ChildInfo {
    /// The JSON form `sup_which_children` returns.
    pub fn to_json(children: &[ChildInfo]) -> Vec<u8> {
        let list: Vec<serde_json::Value> = children
            .iter()
            .map(|c| serde_json::json!({"id": c.id, "pid": c.pid.map(Pid::as_u64), "supervisor": c.supervisor}))
            .collect();
        serde_json::to_vec(&list).unwrap_or_default()
    }
}
