//! Upgrading a running behaviour process to a new module version, with a short pause.
//!
//! The new version is instantiated in a task of its own while the process goes on
//! handling messages ([`prepare`]). Only when that instance is ready does the process stop
//! at a message boundary for the switch ([`switch`]): the old instance saves its state,
//! the WASI context moves over (its open files, environment and captured output survive),
//! and the new instance takes the state through its code-change callback. The pause a
//! process's clients see is those two guest calls, not a store, a WASI context and an
//! instantiation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinHandle;
use wasmtime::Store;

use super::guest::{self, Running};
use super::instance::{Launch, brief, new_store};
use super::modules::LoadedModule;
use super::state::{ProcessState, WasiKind};
use crate::swap::UpgradeTicket;

/// Epoch ticks the save and the code change of a switch run before they can be preempted.
const PAUSE_TICKS: u64 = 3;

/// A new version's instance, started and waiting for the state.
pub(super) struct Prepared {
    store: Store<ProcessState>,
    running: Running,
    /// Its place among the upgrades allowed an extra instance, given back after the switch.
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// An upgrade under way: the ticket, and the task preparing the new instance.
pub(super) struct Pending {
    ticket: Option<UpgradeTicket>,
    task: JoinHandle<Result<Prepared, String>>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        // The process ended or a newer swap replaced this one: the instance is not needed.
        self.task.abort();
    }
}

impl Pending {
    /// The ticket, to report the outcome on.
    pub fn into_ticket(mut self) -> Option<UpgradeTicket> {
        self.ticket.take()
    }

    /// Waits until the new instance is ready (or failed).
    ///
    /// # Cancel safety
    ///
    /// Cancel safe: the preparing task goes on, and a later call gets its outcome.
    pub async fn ready(&mut self) -> Result<Prepared, String> {
        match (&mut self.task).await {
            Ok(prepared) => prepared,
            Err(e) => Err(format!("preparing the new version failed: {e}")),
        }
    }
}

/// Starts instantiating `ticket.target` for the process of `store`, off the process's task.
pub(super) fn prepare(store: &Store<ProcessState>, ticket: UpgradeTicket) -> Pending {
    let d = store.data();
    let (node, proc, target) = (d.node.clone(), d.proc.clone(), ticket.target.clone());
    let launch = d.launch();
    let written = super::prefault::written(store);
    let rt = node.local_handle().clone();
    // A start function that never returns must not hold the upgrade (and a core) forever.
    let wait = node.config().upgrade_wait;
    let task = rt.spawn(async move {
        let (name, to) = (target.name.clone(), target.version);
        let permit = node
            .wasm
            .preparing
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| "the node is shutting down".to_string())?;
        tokio::time::timeout(
            wait,
            instantiate(node, proc, target, launch, written, permit),
        )
        .await
        .unwrap_or_else(|_| {
            Err(format!(
                "{name} v{to}: starting the new version took longer than {} ms",
                wait.as_millis()
            ))
        })
    });
    Pending {
        ticket: Some(ticket),
        task,
    }
}

/// A new store and instance of `target` for `proc`, not yet given the state.
async fn instantiate(
    node: crate::node::Node,
    proc: Arc<crate::process::Process>,
    target: Arc<LoadedModule>,
    launch: Launch,
    written: super::prefault::Written,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Result<Prepared, String> {
    // No WASI context of its own: the process's moves over at the switch.
    let mut store = new_store(&node, &proc, &target, &launch, WasiKind::None)?;
    let (name, to) = (&target.name, target.version);
    let instance = guest::instantiate(&mut store, &target)
        .await
        .map_err(|e| format!("{name} v{to}: {}", brief(&e)))?;
    let running = Running::new(&mut store, instance, target.clone())
        .map_err(|e| format!("{name} v{to}: {}", brief(&e)))?;
    // What the old instance wrote, the new one's code change will touch first.
    super::prefault::touch(&mut store, &written);
    Ok(Prepared {
        store,
        running,
        _permit: permit,
    })
}

/// Switches the process from `current` (in `store`) to the prepared instance at a message
/// boundary, and returns the new instance and the pause. On failure the process stays on
/// `current`, with its store and WASI context as they were.
pub(super) async fn switch(
    store: &mut Store<ProcessState>,
    current: &Running,
    prepared: Prepared,
) -> Result<(Running, Duration), String> {
    let began = Instant::now();
    let Prepared {
        store: mut next,
        running,
        _permit,
    } = prepared;
    // Both stores start a longer slice: a tick in the middle of the pause would send the
    // process to the back of the run queue, behind every other process being upgraded
    // (a 10,000-process upgrade's mean pause was 5 ms that way). A guest still running
    // after that is preempted as always.
    store.set_epoch_deadline(PAUSE_TICKS);
    next.set_epoch_deadline(PAUSE_TICKS);
    let state = save(store, current).await?;
    next.data_mut().swap_wasi(store.data_mut());
    if let Err(e) = running
        .code_change(&mut next, current.module.version, state)
        .await
    {
        next.data_mut().swap_wasi(store.data_mut());
        return Err(format!(
            "{} v{} {e}",
            running.module.name, running.module.version
        ));
    }
    // The old instance (and its memory and stack) goes with the old store, dropped off
    // this task's path.
    let old = std::mem::replace(store, next);
    old.data().node.clone().wasm.runtime.retire(old);
    Ok((running, began.elapsed()))
}

/// Asks the running instance for its state, at a message boundary.
pub(super) async fn save(
    store: &mut Store<ProcessState>,
    old: &Running,
) -> Result<Vec<u8>, String> {
    let (name, from) = (&old.module.name, old.module.version);
    old.save(store)
        .await
        .map_err(|e| format!("{name} v{from} {e}"))
}

/// Starts `target` in a new store for `proc` and hands it `state` through its code-change
/// callback (told the version `from` that saved it): waking from hibernation, where no
/// instance runs to keep serving. On any failure the new store is dropped.
pub(super) async fn take_state(
    node: &crate::node::Node,
    proc: &Arc<crate::process::Process>,
    launch: &Launch,
    from: &LoadedModule,
    target: Arc<LoadedModule>,
    state: Vec<u8>,
) -> Result<(Store<ProcessState>, Running), String> {
    let name = &target.name;
    let (from, to) = (from.version, target.version);
    let mut next = new_store(node, proc, &target, launch, target.wasi)?;
    let instance = guest::instantiate(&mut next, &target)
        .await
        .map_err(|e| format!("{name} v{to}: {}", brief(&e)))?;
    let running = Running::new(&mut next, instance, target.clone())
        .map_err(|e| format!("{name} v{to}: {}", brief(&e)))?;
    running
        .code_change(&mut next, from, state)
        .await
        .map_err(|e| format!("{name} v{to} {e}"))?;
    Ok((next, running))
}
