//! Node configuration: limits and runtime knobs.

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
}

impl NodeConfig {
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
        }
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
