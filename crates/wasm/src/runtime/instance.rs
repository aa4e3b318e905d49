//! Running one Wasm process: instantiate, call the entry, turn the outcome into a reason.
//! A process is a core module (the `hatchery_v1` ABI) or a component (the
//! `hatchery:process` world); both run the same loop, and differ only in how an export is
//! called (`guest.rs`).

use std::sync::Arc;

use std::time::Instant;

use wasmtime::{Store, Trap, WasmBacktrace};

use super::guest::{self, Running};
use super::modules::LoadedModule;
use super::state::{GuestExit, ProcessState, WasiKind};
use super::{slice, upgrade};
use crate::config::WasiGrants;
use crate::exit::ExitReason;
use crate::node::Node;
use crate::process::Process;

/// What a process starts with besides its module.
pub(crate) struct Launch {
    /// Its argument bytes.
    pub args: Vec<u8>,
    /// What WASI grants it.
    pub grants: Option<Arc<WasiGrants>>,
    /// Its memory cap, in bytes.
    pub max_memory: usize,
    /// Its cap on one behaviour callback's CPU (`None`: no cap).
    pub callback_cpu_limit: Option<std::time::Duration>,
}

enum Outcome {
    Stopped(ExitReason),
    Finished(wasmtime::Result<()>),
}

/// Runs the process to its end and returns its exit reason. The caller ends the process.
pub(crate) async fn run(
    node: &Node,
    proc: &Arc<Process>,
    module: Arc<LoadedModule>,
    launch: Launch,
) -> ExitReason {
    // `None` while the process hibernates: it then holds no store at all.
    let mut held = match new_store(node, proc, &module, &launch, module.wasi) {
        Ok(s) => Some(s),
        Err(e) => return ExitReason::Undef(e),
    };
    let outcome = tokio::select! {
        biased;
        reason = proc.stop_requested() => Outcome::Stopped(reason),
        result = start(&mut held, module) => Outcome::Finished(result),
    };
    // A swap waiting on this process learns it is gone.
    proc.code.clear();
    match outcome {
        Outcome::Stopped(reason) => reason,
        Outcome::Finished(Ok(())) => ExitReason::Normal,
        Outcome::Finished(Err(e)) => classify(&e, held.as_ref().map(Store::data)),
    }
}

/// A store for `module`'s engine, with the limiter and the preemption deadline, and a
/// WASI context of kind `wasi` (`None`: built on first use, or moved in by an upgrade).
pub(super) fn new_store(
    node: &Node,
    proc: &Arc<Process>,
    module: &LoadedModule,
    launch: &Launch,
    wasi: WasiKind,
) -> Result<Store<ProcessState>, String> {
    let state = ProcessState::new(
        node.clone(),
        proc.clone(),
        launch,
        wasi,
        module.backtraces.clone(),
    )?;
    let mut store = Store::new(node.wasm.runtime.engine_for(module), state);
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(1);
    if module.fiberless {
        store.epoch_deadline_callback(slice::synchronous);
        return Ok(store);
    }
    // Each tick that finds the guest running is counted; a behaviour callback past its
    // CPU cap ends the process, anything else yields to the other tasks (see `slice`).
    let ticks = node.wasm.runtime.ticks.clone();
    store.epoch_deadline_callback(move |mut ctx| {
        if ctx.data_mut().cpu.tick() {
            return Err(wasmtime::Error::new(GuestExit(ExitReason::Limit(
                "cpu".into(),
            ))));
        }
        Ok(wasmtime::UpdateDeadline::YieldCustom(1, ticks.preempted()))
    });
    Ok(store)
}

/// The store of a process that is awake.
fn awake(held: &mut Option<Store<ProcessState>>) -> wasmtime::Result<&mut Store<ProcessState>> {
    held.as_mut()
        .ok_or_else(|| wasmtime::Error::new(GuestExit(ExitReason::Undef("no instance".into()))))
}

async fn start(
    held: &mut Option<Store<ProcessState>>,
    module: Arc<LoadedModule>,
) -> wasmtime::Result<()> {
    let store = awake(held)?;
    // The futures of what a process does once (its start) or rarely (an upgrade's switch,
    // saving its state to hibernate, waking) are boxed: a task's future is as large as the
    // largest state it can be in, and every process, hibernated ones too, keeps its task's
    // future allocated (2.7 KB unboxed, 1.2 KB so). `hibernate` itself is not boxed: a
    // hibernated process waits inside it, and would hold both allocations.
    let instance = Box::pin(guest::instantiate(store, &module)).await?;
    Box::pin(guest::entry(store, &instance, &module)).await?;
    if !module.is_behaviour {
        return Ok(());
    }
    // A behaviour: the entry was its init; now the host runs the receive loop and hands
    // each message, oldest first, to the callback. Between messages no guest code runs,
    // and that is where an upgrade to a new module version happens.
    let mut current = Running::new(store, instance, module)?;
    let proc = store.data().proc.clone();
    let hibernate_after = store.data().node.config().hibernate_after;
    // After a failed attempt to save the state, no idle hibernation until a message has
    // been handled (no retry loop on a server that cannot save).
    let mut save_failed = false;
    // An upgrade whose new instance is being prepared while this one keeps serving.
    let mut pending: Option<upgrade::Pending> = None;
    proc.code.set_behaviour();
    loop {
        let store = awake(held)?;
        if let Some(ticket) = proc.code.take::<crate::swap::UpgradeTicket>() {
            // A newer swap replaces one under way (whose ticket then counts as gone).
            pending = Some(upgrade::prepare(store, ticket));
            continue;
        }
        let can_hibernate = current.module.can_save
            && current.module.can_change
            && !save_failed
            && pending.is_none();
        let asked = std::mem::take(&mut store.data_mut().hibernate);
        let idle_before = proc.mailbox.is_empty();
        proc.set_waiting(true);
        // One wait for a message or a code change: both come through the mailbox's waker.
        let woke = tokio::select! {
            biased;
            ready = ready(&mut pending) => Wake::Prepared(ready),
            () = proc.mailbox.wait_until(0, || proc.code.is_requested()), if !asked => {
                if proc.code.is_requested() { Wake::Upgrade } else { Wake::Message }
            }
            () = idle(hibernate_after), if can_hibernate && !asked => Wake::Idle,
            () = std::future::ready(()), if asked => Wake::Idle,
        };
        proc.set_waiting(false);
        match woke {
            Wake::Upgrade => continue,
            Wake::Prepared(ready) => {
                let Some(ticket) = pending.take().and_then(upgrade::Pending::into_ticket) else {
                    continue;
                };
                let switched = match ready {
                    Ok(prepared) => Box::pin(upgrade::switch(store, &current, prepared)).await,
                    Err(e) => Err(e),
                };
                match switched {
                    Ok((next, pause)) => {
                        current = next;
                        proc.code.set_version(current.module.version);
                        ticket.finish(proc.pid(), Ok(pause));
                    }
                    Err(e) => upgrade_failed(ticket, proc.pid(), e)?,
                }
                continue;
            }
            Wake::Idle if can_hibernate => {
                let (next, slept) = hibernate(held, current).await?;
                current = next;
                save_failed = !slept;
                continue;
            }
            Wake::Idle | Wake::Message => {}
        }
        let Some(msg) = proc.mailbox.take(0) else {
            continue;
        };
        if idle_before {
            // It slept: a new time slice, or the deadline set before it slept would make
            // it yield at its first instruction and wait in the run queue again.
            store.set_epoch_deadline(1);
        }
        current.handle(store, msg).await?;
        save_failed = false;
    }
}

/// Why a waiting behaviour woke up.
enum Wake {
    Upgrade,
    /// The new instance of an upgrade under way is ready (or could not be made).
    Prepared(Result<upgrade::Prepared, String>),
    Message,
    Idle,
}

/// Resolves when the upgrade under way has its new instance, or never without one.
async fn ready(pending: &mut Option<upgrade::Pending>) -> Result<upgrade::Prepared, String> {
    match pending {
        Some(p) => p.ready().await,
        None => std::future::pending().await,
    }
}

/// Resolves after `after`, or never.
async fn idle(after: Option<std::time::Duration>) {
    match after {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// Hibernation (Erlang's `hibernate`): the state is saved and the store dropped, with its
/// instance, linear memory, instance slot, fiber stack and WASI context; the process is
/// then only its record, its mailbox, the saved bytes and what the next instance needs
/// (its arguments and grants). The next message or upgrade brings it back in a fresh
/// instance through `hatchery_code_change`: one instantiation.
///
/// Returns the running instance and whether it slept (false: it could not save its state
/// and stayed awake).
async fn hibernate(
    held: &mut Option<Store<ProcessState>>,
    current: Running,
) -> wasmtime::Result<(Running, bool)> {
    let store = awake(held)?;
    let state = match Box::pin(upgrade::save(store, &current)).await {
        Ok(s) => s,
        // It cannot hand its state over now: it stays awake.
        Err(_) => return Ok((current, false)),
    };
    let (node, proc, launch) = {
        let d = store.data();
        (d.node.clone(), d.proc.clone(), d.launch())
    };
    if let Some(old) = held.take() {
        node.wasm.runtime.retire(old);
    }
    proc.counters
        .memory
        .store(0, std::sync::atomic::Ordering::Relaxed);
    proc.set_hibernating(true);
    node.stats()
        .hibernations
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    // Asleep until a message or an upgrade.
    proc.mailbox
        .wait_until(0, || proc.code.is_requested())
        .await;
    let target = (!proc.code.is_requested()).then(|| current.module.clone());
    proc.set_hibernating(false);
    let wake = |target: Arc<LoadedModule>| {
        upgrade::take_state(
            &node,
            &proc,
            &launch,
            &current.module,
            target,
            state.clone(),
        )
    };
    let target = match target {
        Some(m) => m,
        // An upgrade: wake straight into the new version; the loop then finds no ticket
        // and reports the pending one as done below.
        None => match proc.code.take::<crate::swap::UpgradeTicket>() {
            Some(ticket) => {
                let began = Instant::now();
                let target = ticket.target.clone();
                match Box::pin(wake(target.clone())).await {
                    Ok((new_store, next)) => {
                        *held = Some(new_store);
                        proc.code.set_version(next.module.version);
                        ticket.finish(proc.pid(), Ok(began.elapsed()));
                        return Ok((next, true));
                    }
                    Err(e) => {
                        upgrade_failed(ticket, proc.pid(), e)?;
                        current.module.clone()
                    }
                }
            }
            None => current.module.clone(),
        },
    };
    // Waking can fail for want of a free instance slot (the node at its process cap while
    // a swap holds extra instances): the state is kept and waking retried for a while
    // before the process gives up.
    let mut delay = std::time::Duration::from_millis(10);
    loop {
        match Box::pin(wake(target.clone())).await {
            Ok((new_store, next)) => {
                *held = Some(new_store);
                return Ok((next, true));
            }
            Err(e) if delay > std::time::Duration::from_secs(2) => {
                return Err(wasmtime::Error::new(GuestExit(ExitReason::Trap(format!(
                    "waking from hibernation failed: {e}"
                )))));
            }
            Err(_) => {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
        }
    }
}

/// Reports a failed upgrade; the process stays on its version, unless that version is
/// being purged: then it ends with the purge's reason.
fn upgrade_failed(
    ticket: crate::swap::UpgradeTicket,
    pid: crate::pid::Pid,
    e: String,
) -> wasmtime::Result<()> {
    let purge = ticket.purge.clone();
    ticket.finish(pid, Err(e));
    match purge {
        Some(reason) => Err(wasmtime::Error::new(GuestExit(ExitReason::custom(reason)))),
        None => Ok(()),
    }
}

/// A one-line description of a failed guest call.
pub(super) fn brief(e: &wasmtime::Error) -> String {
    if let Some(GuestExit(reason)) = e.downcast_ref::<GuestExit>() {
        return format!("it tried to exit ({reason})");
    }
    match e.downcast_ref::<Trap>() {
        Some(trap) => format!("trap: {trap}"),
        None => e.root_cause().to_string(),
    }
}

/// Turns the error a guest call ended with into an exit reason.
fn classify(e: &wasmtime::Error, state: Option<&ProcessState>) -> ExitReason {
    if let Some(GuestExit(reason)) = e.downcast_ref::<GuestExit>() {
        return reason.clone();
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return match exit.0 {
            0 => ExitReason::Normal,
            n => ExitReason::custom(format!("exit status {n}")),
        };
    }
    if state.is_some_and(|s| s.limits.hit_memory_cap) {
        return ExitReason::Limit("memory".into());
    }
    if state.is_some_and(|s| s.limits.hit_node_budget) {
        return ExitReason::Limit("memory budget".into());
    }
    let message = match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => e.root_cause().to_string(),
    };
    let backtrace = match (e.downcast_ref::<WasmBacktrace>(), state) {
        (Some(bt), Some(s)) => s.backtraces.text(bt),
        (Some(bt), None) => bt.to_string().into(),
        (None, _) => "".into(),
    };
    let last = state
        .and_then(|s| s.current.as_ref())
        .map(describe)
        .unwrap_or_default();
    ExitReason::Trap(
        format!("{message}{last}\n{backtrace}")
            .trim_end()
            .to_string(),
    )
}

/// "last message in" for a crash report: the message a behaviour was handling.
fn describe(m: &crate::message::Message) -> String {
    let body = match serde_json::from_slice::<serde_json::Value>(&m.data) {
        Ok(v) => v.to_string(),
        Err(_) => {
            let hex: String = m
                .data
                .iter()
                .take(256)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("0x{hex}")
        }
    };
    let mut body: String = body.chars().take(1024).collect();
    if m.data.len() > 1024 {
        body.push('…');
    }
    format!("\nlast message in: {:?} from {}: {body}", m.kind, m.sender)
}
