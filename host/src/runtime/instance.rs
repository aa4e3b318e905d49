//! Running one Wasm process: instantiate, call the entry, turn the outcome into a reason.

use std::sync::Arc;

use wasmtime::{Store, Trap, WasmBacktrace};

use super::modules::{HANDLE_EXPORT, LoadedModule};
use super::state::{GuestExit, ProcessState};
use crate::exit::ExitReason;
use crate::node::Node;
use crate::process::Process;

enum Outcome {
    Stopped(ExitReason),
    Finished(wasmtime::Result<()>),
}

/// Runs the process to its end and returns its exit reason. The caller ends the process.
pub(crate) async fn run(
    node: &Node,
    proc: &Arc<Process>,
    module: Arc<LoadedModule>,
    args: Vec<u8>,
    grants: Option<Arc<crate::config::WasiGrants>>,
) -> ExitReason {
    let state = match ProcessState::new(node.clone(), proc.clone(), args, module.uses_wasi, grants)
    {
        Ok(s) => s,
        Err(e) => return ExitReason::Undef(e),
    };
    let mut store = Store::new(&node.inner.runtime.engine, state);
    store.limiter(|s| &mut s.limits);
    store.set_epoch_deadline(1);
    store.epoch_deadline_async_yield_and_update(1);

    let outcome = tokio::select! {
        biased;
        reason = proc.stop_requested() => Outcome::Stopped(reason),
        result = start(&mut store, &module) => Outcome::Finished(result),
    };
    match outcome {
        Outcome::Stopped(reason) => reason,
        Outcome::Finished(Ok(())) => ExitReason::Normal,
        Outcome::Finished(Err(e)) => classify(&e, store.data()),
    }
}

async fn start(store: &mut Store<ProcessState>, module: &LoadedModule) -> wasmtime::Result<()> {
    let instance = match module.pre.instantiate_async(&mut *store).await {
        Ok(i) => i,
        Err(e) => {
            let hint = crate::sys::map_count_hint(&e);
            return Err(wasmtime::Error::new(GuestExit(ExitReason::Undef(format!(
                "instantiating module `{}`: {e:#}{hint}",
                module.name
            )))));
        }
    };
    store.data_mut().memory = instance.get_memory(&mut *store, "memory");
    let stats = &store.data().node.inner.stats;
    stats
        .instantiated
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if module.has_initialize {
        let init = instance.get_typed_func::<(), ()>(&mut *store, "_initialize")?;
        init.call_async(&mut *store, ()).await?;
    }
    let entry = instance.get_typed_func::<(), ()>(&mut *store, module.entry.export())?;
    entry.call_async(&mut *store, ()).await?;
    if !module.is_behaviour {
        return Ok(());
    }
    // A behaviour: the entry was its init; now the host runs the receive loop and hands
    // each message, oldest first, to the callback. Between messages no guest code runs.
    let handle = instance.get_typed_func::<(i32, i64, i32), ()>(&mut *store, HANDLE_EXPORT)?;
    let proc = store.data().proc.clone();
    loop {
        proc.mailbox.wait_for(0, None).await;
        let Some(msg) = proc.mailbox.take(0) else {
            continue;
        };
        let size = i32::try_from(msg.data.len()).unwrap_or(i32::MAX);
        let args = (msg.kind as i32, msg.sender.as_u64() as i64, size);
        store.data_mut().current = Some(msg);
        handle.call_async(&mut *store, args).await?;
        store.data_mut().current = None;
    }
}

/// Turns the error a guest call ended with into an exit reason.
fn classify(e: &wasmtime::Error, state: &ProcessState) -> ExitReason {
    if let Some(GuestExit(reason)) = e.downcast_ref::<GuestExit>() {
        return reason.clone();
    }
    if let Some(exit) = e.downcast_ref::<wasmtime_wasi::I32Exit>() {
        return match exit.0 {
            0 => ExitReason::Normal,
            n => ExitReason::custom(format!("exit status {n}")),
        };
    }
    if state.limits.hit_memory_cap {
        return ExitReason::Limit("memory".into());
    }
    let message = match e.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => e.root_cause().to_string(),
    };
    let backtrace = e
        .downcast_ref::<WasmBacktrace>()
        .map(|bt| bt.to_string())
        .unwrap_or_default();
    let last = state.current.as_ref().map(describe).unwrap_or_default();
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
