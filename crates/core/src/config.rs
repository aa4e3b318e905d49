//! Node configuration: limits and runtime knobs.

pub use crate::machine::machine_memory;
use std::time::Duration;

/// What happens when a message would push a mailbox past its cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MailboxOverflow {
    /// The receiver ends with reason `limit: mailbox` (its supervisor can restart it).
    /// This is the default: an overloaded process is a fault that should be seen, as with
    /// Erlang's `max_heap_size`.
    #[default]
    Exit,
    /// The new message is dropped and counted; the receiver goes on.
    Drop,
}

impl std::str::FromStr for MailboxOverflow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "exit" => Ok(MailboxOverflow::Exit),
            "drop" => Ok(MailboxOverflow::Drop),
            other => Err(format!(
                "unknown mailbox overflow action `{other}` (expected exit or drop)"
            )),
        }
    }
}

/// What a new module version does to a behaviour process whose module has no upgrade
/// callbacks (`hatchery_state_save` in the old version, `hatchery_code_change` in the new).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum UpgradePolicy {
    /// It keeps running the old version until it exits, or until a third version purges
    /// it. The default: loading code never ends a process by itself, as in Erlang, where
    /// a process keeps running old code until it makes a fully qualified call or is purged.
    #[default]
    Keep,
    /// It is ended with reason `custom: upgrade: ...`, so that its supervisor restarts it
    /// on the new version (without counting the restart toward its intensity).
    Restart,
}

impl std::str::FromStr for UpgradePolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "keep" => Ok(UpgradePolicy::Keep),
            "restart" => Ok(UpgradePolicy::Restart),
            other => Err(format!(
                "unknown upgrade policy `{other}` (expected keep or restart)"
            )),
        }
    }
}

/// Limits and runtime settings of one node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Most processes alive at once (Wasm and native). Sizes the instance pool.
    pub max_processes: u32,
    /// Most linear memory one process may have, in bytes (all its memories together).
    pub max_memory_bytes: usize,
    /// A different cap for the processes of some modules, by module name (Python's
    /// runtime alone takes 12 MiB).
    pub module_memory: std::collections::BTreeMap<String, usize>,
    /// Most messages one mailbox may hold.
    pub mailbox_max_messages: usize,
    /// Most bytes one mailbox may hold.
    pub mailbox_max_bytes: usize,
    /// What a full mailbox does with one more message.
    pub mailbox_overflow: MailboxOverflow,
    /// Largest single message, in bytes.
    pub max_message_bytes: usize,
    /// How often a running guest is made to yield to others (the epoch tick).
    pub preempt_interval: Duration,
    /// Schedulers the node's processes and supervisors run on: one thread each, with a run
    /// queue of its own (`crate::sched`). Default: one per core. 0 runs them on the tokio
    /// runtime that created the node.
    pub schedulers: usize,
    /// The most CPU one behaviour callback (init, a message, a state save or code change)
    /// may use before its process ends with `limit: cpu`, counted in epoch ticks the
    /// callback was running; `None`: no cap. Main-style processes are only preempted.
    pub callback_cpu_limit: Option<Duration>,
    /// Native stack of each running process, in bytes (Wasm frames and host calls).
    pub stack_bytes: usize,
    /// Largest table (function references) of a module.
    pub max_table_elements: usize,
    /// Where crash and supervisor reports are kept (JSON lines); `None`: not kept.
    pub crash_log: Option<std::path::PathBuf>,
    /// What a new module version does to behaviour processes that cannot carry their
    /// state over (no upgrade callbacks).
    pub upgrade_policy: UpgradePolicy,
    /// How long a swap waits for its processes to reach a message boundary before it
    /// reports the rest as pending.
    pub upgrade_wait: Duration,
    /// Hibernate a behaviour process (one with upgrade callbacks) after it has waited
    /// this long for a message: its state is saved and its instance dropped until the
    /// next message. `None`: only when the process asks (the ABI's `hibernate`).
    pub hibernate_after: Option<Duration>,
    /// Where compiled modules are kept, so that loading the same bytes again (a restart,
    /// another node, a test) skips compiling; `None`: not kept.
    pub compile_cache: Option<std::path::PathBuf>,
    /// The largest memory cap a single spawn may ask for (a supervisor's child with its
    /// own cap), when above the node's and the modules' caps.
    pub memory_reservation: Option<usize>,
    /// Node-wide caps beside the per-process ones ([`Budgets`]).
    pub budgets: Budgets,
    /// The node's place in a cluster (issue 12); `None`: a node alone, as by default.
    pub cluster: Option<Membership>,
}

/// A node's place in a cluster: its name, the slot the cluster gave it for its lifetime
/// and the key all its nodes mint pids with (`crate::mint`).
#[derive(Clone)]
pub struct Membership {
    /// The node's name, unique in the cluster (`a`, `messenger@host`).
    pub name: std::sync::Arc<str>,
    /// Its slot: 1 to 65535, never held by two live nodes.
    pub slot: u16,
    /// The cluster's minting key, from its cookie ([`crate::mint::cluster_key`]).
    pub key: (u64, u64),
    /// The one-thread runtime that drives the connection to the other nodes, if the node
    /// should also run processes on it: it becomes one more scheduler, which takes only
    /// the processes its own thread wakes (a signal from another node wakes its receiver
    /// there, and the reply reaches the connection without a thread hop; `crate::sched`).
    pub runtime: Option<tokio::runtime::Handle>,
}

impl std::fmt::Debug for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key stays out of logs.
        write!(f, "Membership({}, slot {})", self.name, self.slot)
    }
}

/// Node-wide budgets and the per-process caps on what a process holds, so that a guest
/// that loops on one call costs only itself (ARCHITECTURE.md, "Caps").
#[derive(Clone, Debug)]
pub struct Budgets {
    /// The linear memory of all processes together, in bytes: past it `memory.grow`
    /// fails (the guest sees -1, and most languages trap with `limit: memory`) and spawns
    /// are refused. `None`: no budget. Default: half of the machine's memory or of the
    /// cgroup limit, whichever is lower ([`machine_memory`]).
    pub guest_memory: Option<usize>,
    /// The bytes in all mailboxes together: a message past it is refused as by a full
    /// mailbox (the receiver's overflow action applies).
    pub mailbox_bytes: usize,
    /// The most processes one subtree may have alive: a process and everything it and its
    /// children spawned (a process started by a supervisor, the API or the CLI starts a
    /// subtree). A spawn past it is refused with `ERR_LIMIT`. Default: half the node's
    /// process cap, so a spawn bomb leaves the other half to the rest.
    pub subtree_processes: Option<u32>,
    /// The most links one process may hold; one more ends it with `limit: links`.
    pub links: usize,
    /// The most monitors one process may hold; one more ends it with `limit: monitors`.
    pub monitors: usize,
    /// The most pending timers aimed at one process; one more ends the process setting
    /// it with `limit: timers`.
    pub timers: usize,
    /// The most pids the node never handed out (guesses) that the processes of one subtree
    /// may present; past it, each further one ends the process that presents it with
    /// `limit: forged pids` (ARCHITECTURE.md §7a).
    pub forged_pids: u32,
    /// Output lines one process may write per second (a burst of as many is allowed);
    /// the excess is dropped and counted.
    pub output_lines_per_sec: u32,
    /// Output bytes one process may write per second (a burst of as many is allowed);
    /// the excess is dropped and counted.
    pub output_bytes_per_sec: u32,
}

impl Default for Budgets {
    fn default() -> Self {
        Budgets {
            guest_memory: machine_memory().map(|m| m / 2),
            mailbox_bytes: machine_memory().map_or(4 << 30, |m| m / 4),
            subtree_processes: None,
            links: 10_000,
            monitors: 10_000,
            timers: 10_000,
            forged_pids: 1_000,
            output_lines_per_sec: 1_000,
            output_bytes_per_sec: 1 << 20,
        }
    }
}

impl NodeConfig {
    /// The most processes one subtree may have alive ([`Budgets::subtree_processes`]).
    pub fn subtree_processes(&self) -> u32 {
        self.budgets
            .subtree_processes
            .unwrap_or(self.max_processes / 2)
            .max(1)
    }

    /// The memory cap of `module`'s processes unless a spawn sets its own.
    pub fn memory_for(&self, module: &str) -> usize {
        self.module_memory
            .get(module)
            .copied()
            .unwrap_or(self.max_memory_bytes)
    }

    /// The largest cap any process can have: what each instance slot reserves.
    pub fn largest_memory(&self) -> usize {
        self.module_memory
            .values()
            .copied()
            .chain([self.max_memory_bytes])
            .chain(self.memory_reservation)
            .max()
            .unwrap_or(self.max_memory_bytes)
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        NodeConfig {
            max_processes: 10_000,
            max_memory_bytes: 16 << 20,
            mailbox_max_messages: 100_000,
            mailbox_max_bytes: 64 << 20,
            mailbox_overflow: MailboxOverflow::Exit,
            max_message_bytes: 8 << 20,
            preempt_interval: Duration::from_millis(1),
            schedulers: std::thread::available_parallelism().map_or(1, usize::from),
            callback_cpu_limit: Some(Duration::from_secs(5)),
            stack_bytes: 256 << 10,
            max_table_elements: 10_000,
            crash_log: None,
            upgrade_policy: UpgradePolicy::Keep,
            upgrade_wait: Duration::from_secs(10),
            hibernate_after: None,
            module_memory: Default::default(),
            compile_cache: None,
            memory_reservation: None,
            budgets: Budgets::default(),
            cluster: None,
        }
    }
}

/// What a process may do beyond its own subtree (ARCHITECTURE.md §7a, "Capabilities"). A
/// process started from outside an application (the API, the CLI, host code) has every
/// grant, as before there were grants; a child of an application's manifest has only those
/// its `grants` list; a process a guest spawns has its parent's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grants {
    /// `sup_start_child`, `sup_terminate_child` and `sup_which_children` on supervisors.
    pub supervise: bool,
    /// `module_rollback`.
    pub rollback: bool,
    /// Exit signals to any process. Without it, only to processes of its own subtree, its
    /// children, and processes it is linked to or monitors; never to native processes
    /// (supervisors, the application, the host's own).
    pub signal_any: bool,
    /// The modules it may spawn; `None`: any.
    pub spawn: Option<Vec<String>>,
    /// The prefix of every name it may register; `None`: any name.
    pub names: Option<String>,
}

impl Grants {
    /// Every grant: processes started from outside an application.
    pub fn all() -> Grants {
        Grants {
            supervise: true,
            rollback: true,
            signal_any: true,
            spawn: None,
            names: None,
        }
    }

    /// What a manifest's child has unless its `grants` say more: it may spawn any module
    /// and register any name, but not change supervisors, roll modules back, or signal
    /// processes it has no relation to.
    pub fn child() -> Grants {
        Grants {
            supervise: false,
            rollback: false,
            signal_any: false,
            spawn: None,
            names: None,
        }
    }

    /// Whether it may spawn `module`.
    pub fn may_spawn(&self, module: &str) -> bool {
        self.spawn
            .as_ref()
            .is_none_or(|list| list.iter().any(|m| m == module))
    }

    /// Whether it may register `name`.
    pub fn may_register(&self, name: &str) -> bool {
        self.names
            .as_ref()
            .is_none_or(|p| name.starts_with(p.as_str()))
    }

    /// The grants by name, for the API and the inspector.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "supervise": self.supervise,
            "rollback": self.rollback,
            "signal_any": self.signal_any,
            "spawn": self.spawn,
            "names": self.names,
        })
    }
}

/// What WASI lets one process do beyond its captured stdout/stderr, clocks and randomness.
/// The default grants nothing: no environment, no filesystem. Processes a granted process
/// spawns get no grants of their own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WasiGrants {
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Host folders the process may open.
    pub dirs: Vec<DirGrant>,
}

/// One host folder granted to a process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirGrant {
    /// The folder on the host.
    pub host: std::path::PathBuf,
    /// Where the guest sees it (for example `/data`).
    pub guest: String,
    /// Whether the guest may change it (otherwise read-only).
    pub writable: bool,
}
