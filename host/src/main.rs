//! The `hatchery` command line.

/// Processes come and go by the hundred thousand, each leaving allocations of a few
/// hundred bytes to free, often on another thread. Under glibc's malloc that churned its
/// arenas (grown and shrunk with `mprotect`) and cost a quarter to a third of spawn + exit;
/// mimalloc cut that but made spawning processes that stay alive twice as slow. jemalloc
/// does both well (BENCHMARKS.md, "The allocator").
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod client;
mod cluster;
mod new;
mod top;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand};
use hatchery::runtime::modules::module_name;
use hatchery::{
    Budgets, ExitReason, MailboxOverflow, Node, NodeConfig, NodeEvent, Pid, SpawnOpts,
    UpgradePolicy, manifest,
};

/// Erlang-style processes on WebAssembly.
#[derive(Parser)]
#[command(name = "hatchery", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a node, load modules and spawn the entry process.
    ///
    /// PATH is a module file (.wasm or .wat; the other modules in its folder are loaded
    /// too, so it can spawn them), a folder of modules (then --entry names the entry), or
    /// an application: a `hatchery.toml` manifest or a folder holding one.
    Run(Box<RunArgs>),
    /// Print the crash log: crash reports and what supervisors did, oldest first.
    Crashes(CrashesArgs),
    /// Send a JSON message to a process of a running node (by pid or registered name).
    Send(client::SendArgs),
    /// List the processes of a running node.
    Ps(client::PsArgs),
    /// Show a running node's busiest processes, live (q quits).
    Top(top::TopArgs),
    /// Load a module file into a running node as a new version of its module.
    Load(client::LoadArgs),
    /// Make the previous version of a module current again on a running node.
    Rollback(client::RollbackArgs),
    /// End every process of a module or of a subtree on a running node (recovery).
    End(client::EndArgs),
    /// Create a project for a new module in one of the guest languages.
    New(new::NewArgs),
}

#[derive(Args)]
struct CrashesArgs {
    /// The log file.
    #[arg(long, default_value = DEFAULT_CRASH_LOG)]
    log: PathBuf,
    /// Only the last N entries.
    #[arg(long)]
    tail: Option<usize>,
    /// Print the JSON lines as stored.
    #[arg(long)]
    json: bool,
}

/// Where `run` keeps its crash log unless told otherwise.
const DEFAULT_CRASH_LOG: &str = ".hatchery/crash.log";

fn crashes(args: &CrashesArgs) -> anyhow::Result<ExitCode> {
    let reports = hatchery::crashlog::read(&args.log)
        .with_context(|| format!("reading {}", args.log.display()))?;
    let skip = args.tail.map_or(0, |n| reports.len().saturating_sub(n));
    for r in &reports[skip..] {
        if args.json {
            println!("{}", serde_json::to_string(r)?);
            continue;
        }
        match r {
            hatchery::crashlog::Report::Crash {
                time_ms,
                pid,
                module,
                name,
                reason,
                output,
                ..
            } => {
                let name = name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                println!("[{time_ms}] crash <0.{pid}> {module}{name}");
                for l in reason.lines() {
                    println!("    {l}");
                }
                for l in output {
                    println!("    | {l}");
                }
            }
            hatchery::crashlog::Report::Supervisor {
                time_ms,
                supervisor,
                child,
                action,
                old_pid,
                new_pid,
                reason,
            } => {
                let old = old_pid.map(|p| format!(" <0.{p}>")).unwrap_or_default();
                let new = new_pid.map(|p| format!(" as <0.{p}>")).unwrap_or_default();
                println!(
                    "[{time_ms}] supervisor <0.{supervisor}>: child {child}{old} ended ({reason}): {action}{new}"
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
struct RunArgs {
    /// A module file, or a folder of modules.
    path: PathBuf,
    /// The entry module's name (default: the file's name).
    #[arg(long)]
    entry: Option<String>,
    /// The entry's argument bytes, given as JSON text (default: ARGS as a JSON array of strings).
    #[arg(long, value_name = "JSON")]
    args_json: Option<String>,
    /// Arguments for the entry process.
    #[arg(trailing_var_arg = true)]
    args: Vec<String>,
    #[command(flatten)]
    limits: LimitArgs,
    #[command(flatten)]
    cluster: cluster::ClusterArgs,
    /// Print only exits that are not `normal`.
    #[arg(long)]
    quiet: bool,
    /// Do not watch module files (by default a changed file becomes a new version).
    #[arg(long)]
    no_watch: bool,
    /// Keep the node up when its entry or application has ended (until Ctrl-C or
    /// SIGTERM), for processes spawned over the API.
    #[arg(long)]
    keep_running: bool,
    /// How long a changed file must hold still before it is loaded, in milliseconds.
    #[arg(long, default_value_t = 150)]
    debounce_ms: u64,
    /// Where the inspector and HTTP API listen, or `off`. If the default port is taken,
    /// another free port is used (the address is printed and written to
    /// .hatchery/inspector.url).
    #[arg(long, default_value = "127.0.0.1:7780")]
    http: String,
    /// The token HTTP clients must send [default: a new random one, printed in the
    /// inspector's URL and written to .hatchery/inspector.token]. An empty token turns the
    /// check off, on loopback only.
    #[arg(long, env = "HATCHERY_TOKEN", hide_env_values = true)]
    http_token: Option<String>,
    /// A host name, besides the listening address and `localhost`, by which the inspector
    /// may be reached (requests naming any other `Host` are refused: DNS rebinding).
    #[arg(long, value_name = "NAME")]
    http_allow_host: Vec<String>,
    /// Most HTTP connections open at once; one more is answered `503` and closed.
    #[arg(long, value_name = "N", default_value_t = 256)]
    http_max_connections: usize,
    /// How long a connection may take to send a request's head, in milliseconds, before
    /// it is closed (slowloris).
    #[arg(long, value_name = "MS", default_value_t = 10_000)]
    http_header_timeout_ms: u64,
    /// Export followed messages (`POST /api/send` with `follow`) as OpenTelemetry traces
    /// to this OTLP/HTTP collector: `http://host:4318`, or a URL ending in `/v1/traces`.
    #[arg(long, value_name = "URL", env = "OTEL_EXPORTER_OTLP_ENDPOINT")]
    otlp: Option<String>,
}

#[derive(Args)]
struct LimitArgs {
    /// Most processes alive at once [default: 100000, or what vm.max_map_count allows].
    #[arg(long)]
    max_processes: Option<u32>,
    /// Most linear memory per process, in MiB.
    #[arg(long, default_value_t = 16)]
    max_memory_mib: usize,
    /// Most messages one mailbox may hold.
    #[arg(long, default_value_t = 100_000)]
    mailbox_max_messages: usize,
    /// What a full mailbox does: `exit` (the receiver ends with `limit: mailbox`) or `drop`.
    #[arg(long, default_value = "exit")]
    mailbox_overflow: MailboxOverflow,
    /// Preemption interval in microseconds.
    #[arg(long, default_value_t = 1000)]
    preempt_us: u64,
    /// The most CPU one behaviour callback (init, a message, an upgrade) may use before
    /// its process ends with `limit: cpu`, in milliseconds; 0: no cap. Main-style
    /// processes are only preempted.
    #[arg(long, value_name = "MS", default_value_t = 5000)]
    callback_cpu_limit_ms: u64,
    /// Worker threads of the node's own runtime: the HTTP API, the file watcher, and the
    /// processes when `--schedulers 0` (default: one per core).
    #[arg(long)]
    workers: Option<usize>,
    /// Schedulers that run the processes, each a thread with a run queue of its own
    /// (default: one per core); 0 runs them on the worker threads instead.
    #[arg(long, value_name = "N")]
    schedulers: Option<usize>,
    /// Where crash and supervisor reports are kept (JSON lines, bounded, kept across runs).
    #[arg(long, default_value = DEFAULT_CRASH_LOG)]
    crash_log: PathBuf,
    /// What a new module version does to a behaviour process without upgrade callbacks:
    /// `keep` (it runs the old version until it exits or is purged) or `restart` (it is
    /// ended so that its supervisor restarts it on the new version).
    #[arg(long, default_value = "keep")]
    upgrade_policy: UpgradePolicy,
    /// Hibernate a server (one with upgrade callbacks) after it has waited this long for a
    /// message: its state is kept, its instance dropped until the next message.
    #[arg(long, value_name = "MS")]
    hibernate_after_ms: Option<u64>,
    /// Where compiled modules are kept, so that a module loaded again skips compiling
    /// [default: ~/.cache/hatchery/compiled].
    #[arg(long, value_name = "DIR")]
    compile_cache: Option<PathBuf>,
    /// Compile every module afresh (no compile cache).
    #[arg(long)]
    no_compile_cache: bool,
    /// The linear memory of all processes together, in MiB: past it memory.grow fails and
    /// spawns are refused; 0: no budget [default: half the machine's or cgroup's memory].
    #[arg(long, value_name = "MIB")]
    memory_budget_mib: Option<usize>,
    /// The bytes in all mailboxes together, in MiB: past it messages are dropped and
    /// counted [default: a quarter of the machine's or cgroup's memory].
    #[arg(long, value_name = "MIB")]
    mailbox_budget_mib: Option<usize>,
    /// The most processes one subtree (a process started by a supervisor or the API, and
    /// all it and its children spawn) may have alive [default: half of --max-processes].
    #[arg(long, value_name = "N")]
    subtree_max_processes: Option<u32>,
    /// The most links one process may hold (one more ends it with `limit: links`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_links: usize,
    /// The most monitors one process may hold (one more ends it with `limit: monitors`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_monitors: usize,
    /// The most pending timers aimed at one process (one more ends the process setting it
    /// with `limit: timers`).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_timers: usize,
    /// The most pids this node never handed out (guesses) the processes of one subtree may
    /// present (each further one ends the process with `limit: forged pids`).
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    max_forged_pids: u32,
    /// Output lines one process may write per second; the excess is dropped and counted.
    #[arg(long, value_name = "N", default_value_t = 1_000)]
    output_lines_per_sec: u32,
    /// Output bytes one process may write per second; the excess is dropped and counted.
    #[arg(long, value_name = "N", default_value_t = 1 << 20)]
    output_bytes_per_sec: u32,
}

impl LimitArgs {
    const DEFAULT_MAX_PROCESSES: u32 = 100_000;

    fn compile_cache_dir(&self) -> Option<PathBuf> {
        if self.no_compile_cache {
            return None;
        }
        self.compile_cache.clone().or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/hatchery/compiled"))
        })
    }

    /// The given cap, or the default lowered to what the mapping limit allows (with the
    /// exact fix printed), so that a fresh machine still starts.
    fn max_processes(&self) -> u32 {
        if let Some(n) = self.max_processes {
            if let Some(warning) = hatchery::sys::map_count_warning(n) {
                eprintln!("hatchery: warning: {warning}");
            }
            return n;
        }
        let n = Self::DEFAULT_MAX_PROCESSES;
        match hatchery::sys::processes_allowed_by_map_count() {
            Some(fit) if fit < n => {
                eprintln!(
                    "hatchery: warning: vm.max_map_count allows only about {fit} processes, so the cap is {fit} \
                     instead of {n}. Raise the limit (as root): sysctl -w vm.max_map_count={}",
                    hatchery::sys::RECOMMENDED_MAX_MAP_COUNT
                );
                fit
            }
            _ => n,
        }
    }

    fn config(&self) -> NodeConfig {
        if !hatchery::runtime::pagemap_reset_is_safe() {
            eprintln!(
                "hatchery: swap is on, so a process's memory slot is cleared without PAGEMAP_SCAN \
                 (wasmtime 48's scan misses swapped-out pages); spawn and exit cost more"
            );
        }
        NodeConfig {
            max_processes: self.max_processes(),
            max_memory_bytes: self.max_memory_mib << 20,
            mailbox_max_messages: self.mailbox_max_messages,
            mailbox_overflow: self.mailbox_overflow,
            preempt_interval: Duration::from_micros(self.preempt_us.max(10)),
            callback_cpu_limit: (self.callback_cpu_limit_ms > 0)
                .then(|| Duration::from_millis(self.callback_cpu_limit_ms)),
            crash_log: Some(self.crash_log.clone()),
            upgrade_policy: self.upgrade_policy,
            hibernate_after: self
                .hibernate_after_ms
                .map(|ms| Duration::from_millis(ms.max(1))),
            compile_cache: self.compile_cache_dir(),
            schedulers: self.schedulers.unwrap_or(NodeConfig::default().schedulers),
            budgets: self.budgets(),
            ..NodeConfig::default()
        }
    }

    fn budgets(&self) -> Budgets {
        let defaults = Budgets::default();
        Budgets {
            guest_memory: match self.memory_budget_mib {
                Some(0) => None,
                Some(m) => Some(m << 20),
                None => defaults.guest_memory,
            },
            mailbox_bytes: self
                .mailbox_budget_mib
                .map_or(defaults.mailbox_bytes, |m| m << 20),
            subtree_processes: self.subtree_max_processes,
            links: self.max_links,
            monitors: self.max_monitors,
            timers: self.max_timers,
            forged_pids: self.max_forged_pids,
            output_lines_per_sec: self.output_lines_per_sec,
            output_bytes_per_sec: self.output_bytes_per_sec,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => runtime(args.limits.workers).and_then(|rt| rt.block_on(run(*args))),
        Command::Crashes(args) => crashes(&args),
        Command::Send(args) => client::send(&args),
        Command::Ps(args) => client::ps(&args),
        Command::Top(args) => top::top(&args),
        Command::Load(args) => client::load(&args),
        Command::Rollback(args) => client::rollback(&args),
        Command::End(args) => client::end(&args),
        Command::New(args) => new::new(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hatchery: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime(workers: Option<usize>) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = workers {
        b.worker_threads(n.max(1));
    }
    b.enable_all().build().context("starting the async runtime")
}

/// The folder a file is in (`.` for a bare file name).
fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Loads the modules; returns the entry's name.
fn load(node: &Node, path: &Path, entry: Option<&str>) -> anyhow::Result<String> {
    let (dir, file) = if path.is_dir() {
        (path.to_path_buf(), None)
    } else if path.is_file() {
        (folder_of(path), Some(path))
    } else {
        bail!("{} does not exist", path.display());
    };
    let (loaded, errors) = node.load_module_dir(&dir);
    for e in errors {
        // The entry file must load; its siblings are a convenience.
        let is_entry = file.is_some_and(|f| e.to_string().contains(&f.display().to_string()));
        if is_entry {
            return Err(e.into());
        }
        eprintln!("hatchery: warning: {e}");
    }
    let entry = match (entry, file) {
        (Some(e), _) => e.to_string(),
        (None, Some(f)) => module_name(f),
        (None, None) => bail!(
            "{} is a folder: name the entry module with --entry (modules here: {})",
            dir.display(),
            loaded
                .iter()
                .map(|m| m.name.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if node.modules().iter().all(|m| *m.name != *entry) {
        bail!("no module named `{entry}` in {}", dir.display());
    }
    eprintln!(
        "hatchery: loaded {} modules from {}: {}",
        node.modules().len(),
        dir.display(),
        node.modules()
            .iter()
            .map(|m| m.name.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(entry)
}

/// The manifest `path` names: `hatchery.toml` itself, or a folder holding one.
fn manifest_path(path: &Path) -> Option<PathBuf> {
    if path.is_dir() {
        let m = path.join("hatchery.toml");
        return m.is_file().then_some(m);
    }
    (path.extension().and_then(|e| e.to_str()) == Some("toml")).then(|| path.to_path_buf())
}

/// Starts the application a manifest describes: checks the whole manifest first (nothing
/// starts on an error), then starts its root supervisor.
async fn run_app(args: &RunArgs, manifest: &Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("reading {}", manifest.display()))?;
    // First pass: where the modules are; second pass: the whole check, modules included.
    let folders = manifest::parse(manifest, &text, &|_| true)?.modules;
    let mut files = std::collections::BTreeMap::new();
    for folder in &folders {
        let found = hatchery::runtime::modules::module_files(folder)
            .with_context(|| format!("a modules folder named by {}", manifest.display()))?;
        for f in found {
            // The first folder that has a module wins.
            files.entry(module_name(&f)).or_insert(f);
        }
    }
    let app = manifest::parse(manifest, &text, &|m| files.contains_key(m))?;
    let joined = args.cluster.over(app.cluster.as_ref()).join().await?;
    let mut config = app.config(args.limits.config());
    config.cluster = joined.as_ref().map(|j| j.membership());
    let node = Node::new(config)?;
    let _cluster = joined.map(|j| j.attach(&node)).transpose()?;
    // The other nodes' cluster views ask this one, with or without its inspector.
    hatchery::http::answer_questions(&node);
    // Only what the application uses: its workers' modules and what `load` names.
    let used: Vec<PathBuf> = app
        .uses
        .iter()
        .filter_map(|m| files.get(m).cloned())
        .collect();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = used
            .iter()
            .map(|f| s.spawn(|| node.load_module_file(f)))
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    for r in results {
        match r {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => bail!("{e}"),
            Err(_) => bail!("loading a module panicked"),
        }
    }
    eprintln!(
        "hatchery: loaded {} modules: {}",
        used.len(),
        app.uses.join(", ")
    );
    let events = node.subscribe();
    let _watcher = watch(&node, args, &used)?;
    let _http = inspector(&node, args).await?;
    // The application is the root supervisor's parent, so it can stop the tree in order.
    let parent = node.spawn_native("application")?;
    parent.trap_exit(true);
    let root = node.start_supervisor(app.root, Some(parent.pid()))?;
    let interrupt = interrupts()?;
    eprintln!(
        "hatchery: started application {} (root supervisor {root}); Ctrl-C stops it",
        app.name
    );
    serve(&node, events, interrupt, root, args, Some(parent)).await
}

/// Serves the inspector unless told not to.
async fn inspector(
    node: &Node,
    args: &RunArgs,
) -> anyhow::Result<Option<hatchery::http::HttpServer>> {
    if args.http == "off" {
        return Ok(None);
    }
    let addr: std::net::SocketAddr = args.http.parse().with_context(|| {
        format!(
            "--http {:?} is not an address like 127.0.0.1:7780",
            args.http
        )
    })?;
    let token = match &args.http_token {
        Some(t) => Some(t.clone()).filter(|t| !t.is_empty()),
        None => Some(client::new_token()?),
    };
    let otlp = match &args.otlp {
        Some(endpoint) => Some(hatchery::http::otlp::export(node, endpoint)?),
        None => None,
    };
    let config = hatchery::http::HttpConfig {
        otlp,
        token: token.clone(),
        allowed_hosts: args.http_allow_host.clone(),
        max_connections: args.http_max_connections.max(1),
        header_timeout: std::time::Duration::from_millis(args.http_header_timeout_ms.max(1)),
        ..hatchery::http::HttpConfig::local(addr)
    };
    let server = match hatchery::http::HttpServer::start(node, config.clone()).await {
        Ok(s) => s,
        Err(e) if addr.port() != 0 && format!("{e:#}").contains("in use") => {
            eprintln!("hatchery: warning: {addr} is taken; serving the inspector on another port");
            let mut other = config;
            other.addr.set_port(0);
            hatchery::http::HttpServer::start(node, other).await?
        }
        Err(e) => return Err(e),
    };
    let url = format!("http://{}", server.addr);
    // Written before the URL is printed, so whoever reads the line finds the files.
    client::remember(&url, token.as_deref());
    let open = token
        .as_deref()
        .map_or_else(String::new, |t| format!("#token={t}"));
    eprintln!(
        "hatchery: inspector at {url}/{open}  (API: {url}/api, OpenAPI: {url}/api/openapi.json{})",
        if token.is_some() {
            "; the CLI finds the token in .hatchery/inspector.token"
        } else {
            ""
        }
    );
    Ok(Some(server))
}

/// Watches module files or folders unless told not to.
fn watch(
    node: &Node,
    args: &RunArgs,
    folders: &[PathBuf],
) -> anyhow::Result<Option<hatchery::watch::Watcher>> {
    if args.no_watch {
        return Ok(None);
    }
    let w = node.watch(folders, Duration::from_millis(args.debounce_ms.max(10)))?;
    let shown: Vec<String> = folders.iter().map(|f| f.display().to_string()).collect();
    eprintln!(
        "hatchery: watching {} for new module versions",
        shown.join(", ")
    );
    Ok(Some(w))
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    if let Some(manifest) = manifest_path(&args.path) {
        return run_app(&args, &manifest).await;
    }
    let joined = args.cluster.join().await?;
    let mut config = args.limits.config();
    config.cluster = joined.as_ref().map(|j| j.membership());
    let node = Node::new(config)?;
    let _cluster = joined.map(|j| j.attach(&node)).transpose()?;
    // The other nodes' cluster views ask this one, with or without its inspector.
    hatchery::http::answer_questions(&node);
    let entry = load(&node, &args.path, args.entry.as_deref())?;
    let entry_args = match &args.args_json {
        Some(json) => {
            serde_json::from_str::<serde_json::Value>(json)
                .context("--args-json is not valid JSON")?;
            json.clone().into_bytes()
        }
        None if args.args.is_empty() => Vec::new(),
        None => serde_json::to_vec(&args.args)?,
    };
    let events = node.subscribe();
    let folder = if args.path.is_dir() {
        args.path.clone()
    } else {
        folder_of(&args.path)
    };
    let _watcher = watch(&node, &args, &[folder])?;
    let _http = inspector(&node, &args).await?;
    let entry_pid = node.spawn(&entry, entry_args, SpawnOpts::default())?.pid;
    let interrupt = interrupts()?;
    eprintln!("hatchery: started {entry} as {entry_pid}; Ctrl-C stops the node");
    serve(&node, events, interrupt, entry_pid, &args, None).await
}

/// Ctrl-C (`SIGINT`), listened to from now on: made before the node says Ctrl-C stops it,
/// so that a Ctrl-C right after that line stops the node in order instead of killing the
/// host (a `ctrl_c()` future only installs its handler when first polled).
fn interrupts() -> anyhow::Result<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .context("listening for Ctrl-C")
}

/// Prints output and exits until Ctrl-C or until no process is left; the exit code follows
/// the reason of `entry_pid` (the entry process or the root supervisor).
async fn serve(
    node: &Node,
    mut events: tokio::sync::broadcast::Receiver<NodeEvent>,
    mut interrupt: tokio::signal::unix::Signal,
    entry_pid: Pid,
    args: &RunArgs,
    application: Option<hatchery::NativeProcess>,
) -> anyhow::Result<ExitCode> {
    let mut entry_reason: Option<ExitReason> = None;
    loop {
        tokio::select! {
            _ = interrupt.recv() => {
                eprintln!("hatchery: stopping ({} processes)", node.process_count());
                if let Some(app) = &application {
                    // Stop the tree from the top, children in reverse start order.
                    let _ = node.exit_signal(app.pid(), entry_pid, &ExitReason::Shutdown, false);
                    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
                    while node.exit_record(entry_pid).is_none() && tokio::time::Instant::now() < deadline {
                        drain(&mut events, entry_pid, &mut entry_reason, args.quiet);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                }
                node.shutdown(Duration::from_secs(5)).await;
                drain(&mut events, entry_pid, &mut entry_reason, args.quiet);
                break;
            }
            event = events.recv() => match event {
                Ok(e) => print_event(&e, entry_pid, &mut entry_reason, args.quiet),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    eprintln!("hatchery: ({n} events not shown: output too fast)");
                }
                Err(_) => break,
            },
            _ = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
        let done = !args.keep_running
            && match &application {
                Some(_) => node.exit_record(entry_pid).is_some(),
                None => node.process_count() == 0,
            };
        if done {
            drain(&mut events, entry_pid, &mut entry_reason, args.quiet);
            node.shutdown(Duration::from_secs(5)).await;
            drain(&mut events, entry_pid, &mut entry_reason, args.quiet);
            eprintln!("hatchery: no processes left; node stopped");
            break;
        }
    }
    // The event stream may have lagged; the node's exit record is authoritative.
    if let Some(record) = node.exit_record(entry_pid) {
        entry_reason = Some(record.reason);
    }
    Ok(match entry_reason {
        Some(ExitReason::Normal | ExitReason::Shutdown) | None => ExitCode::SUCCESS,
        Some(_) => ExitCode::from(1),
    })
}

fn drain(
    events: &mut tokio::sync::broadcast::Receiver<NodeEvent>,
    entry: Pid,
    entry_reason: &mut Option<ExitReason>,
    quiet: bool,
) {
    while let Ok(e) = events.try_recv() {
        print_event(&e, entry, entry_reason, quiet);
    }
}

fn print_event(e: &NodeEvent, entry: Pid, entry_reason: &mut Option<ExitReason>, quiet: bool) {
    match e {
        NodeEvent::Output { pid, module, line } => println!("{pid} {module} | {}", line.text),
        NodeEvent::Exited {
            pid,
            module,
            name,
            reason,
        } => {
            if *pid == entry {
                *entry_reason = Some(reason.clone());
            }
            if quiet && reason.is_normal() {
                return;
            }
            let name = name
                .as_deref()
                .map(|n| format!(" ({n})"))
                .unwrap_or_default();
            let text = reason.to_string();
            let mut lines = text.lines();
            eprintln!(
                "exit {pid} {module}{name}: {}",
                lines.next().unwrap_or_default()
            );
            for l in lines {
                eprintln!("    {l}");
            }
        }
        NodeEvent::Swap(record) => {
            println!("{}", record.summary());
            for e in &record.errors {
                println!("    {e}");
            }
        }
        NodeEvent::SwapRejected { module, error } => {
            println!("swap {module}: rejected: {error}");
        }
        NodeEvent::Watch {
            watching, message, ..
        } => {
            if *watching {
                eprintln!("hatchery: {message}");
            } else {
                eprintln!("hatchery: warning: {message}");
            }
        }
        NodeEvent::Spawned { .. } => {}
    }
}
