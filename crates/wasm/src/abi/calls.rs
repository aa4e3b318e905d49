//! What a process asks of the node, on plain values: one function per ABI call. Both
//! bindings call these, the core import module `hatchery_v1` (the sibling files, which
//! read and write guest memory) and the component world `hatchery:process` (in
//! `crate::component`, which gets its values lifted by the canonical ABI), so the two
//! cannot drift apart.
//!
//! A refusal is `Err(code)` with an ABI error code (ABI.md §2, [`super::err`]). A fault
//! that ends the calling process is a `wasmtime::Error` carrying [`GuestExit`].

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::err;
use crate::exit::{ExitReason, kind};
use crate::message::Message;
use crate::node::{SpawnError, SpawnOpts};
use crate::pid::Pid;
use crate::registry::RegisterError;
use crate::runtime::modules::LoadError;
use crate::runtime::state::{GuestExit, ProcessState};
use crate::supervisor::{ChildError, ChildInfo, ChildSpec, ChildStart};
use crate::trace::child;
use hatchery_core::OverCap;

/// An ABI result: the value, or an error code.
pub(crate) type Coded<T> = Result<T, i32>;

/// The longest timer, as in Erlang: 2^32 - 1 ms (about 49.7 days).
pub(crate) const MAX_DELAY_MS: u64 = u32::MAX as u64;

/// A name the ABI accepts, or `ERR_BAD_NAME`.
pub(crate) fn name(bytes: &[u8]) -> Coded<&str> {
    crate::registry::valid_name(bytes).ok_or(err::BAD_NAME)
}

/// Ends the guest call at once when a signal has asked this process to stop (for example
/// `link` to a dead pid without trap_exit, or an exit signal sent to itself).
pub(crate) fn stop_if_asked(state: &ProcessState) -> wasmtime::Result<()> {
    match state.proc.stop_reason() {
        Some(reason) => Err(wasmtime::Error::new(GuestExit(reason))),
        None => Ok(()),
    }
}

/// Whether a message of `len` bytes is over the node's cap.
pub(crate) fn too_big(state: &ProcessState, len: usize) -> bool {
    len > state.node.config().max_message_bytes
}

/// How many of its subtree's forged pids a process is told about on its standard error.
const FORGERIES_TOLD: u32 = 10;

/// After a call found no live process at `pid` (which it then treats as dead): a pid the
/// node never handed out is a forgery, counted, said on the caller's standard error (the
/// first few of its subtree), and past its subtree's allowance the end of the caller
/// (`limit: forged pids`). A pid that was handed out and has ended is no forgery.
pub(crate) fn presented(state: &ProcessState, call: &str, pid: Pid) -> wasmtime::Result<()> {
    match state.node.forged(&state.proc, pid) {
        Ok(Some(n)) if n <= FORGERIES_TOLD => {
            let line = format!(
                "hatchery: {call}: {pid} is not a pid this node handed out (forged pid {n} of \
                 at most {} in this subtree); treated as a dead pid\n",
                state.node.config().budgets.forged_pids
            );
            write(state, crate::process::Stream::Stderr, line.as_bytes());
            Ok(())
        }
        Ok(_) => Ok(()),
        Err(reason) => Err(wasmtime::Error::new(GuestExit(reason))),
    }
}

pub(crate) fn send(state: &ProcessState, to: Pid, bytes: &[u8]) -> wasmtime::Result<Coded<()>> {
    if too_big(state, bytes.len()) {
        return Ok(Err(err::TOO_BIG));
    }
    state.proc.counters.sent.fetch_add(1, Ordering::Relaxed);
    let msg = Message::user(state.proc.pid(), bytes).traced(child(state.trace));
    if !state.node.deliver(to, msg) {
        presented(state, "send", to)?;
    }
    Ok(Ok(()))
}

pub(crate) fn send_named(state: &ProcessState, to: &[u8], bytes: &[u8]) -> Coded<()> {
    let to = name(to)?;
    if too_big(state, bytes.len()) {
        return Err(err::TOO_BIG);
    }
    state
        .node
        .send_named_traced(state.proc.pid(), to, bytes, child(state.trace))
        .map_err(|_| err::NOT_REGISTERED)?;
    state.proc.counters.sent.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// `send_named_at`: to `to` on the node called `node` (this one included).
pub(crate) fn send_named_at(
    state: &ProcessState,
    to: &[u8],
    node: &[u8],
    bytes: &[u8],
) -> Coded<()> {
    let to = name(to)?;
    let node = name(node)?;
    if too_big(state, bytes.len()) {
        return Err(err::TOO_BIG);
    }
    state
        .node
        .send_named_at_traced(state.proc.pid(), to, node, bytes, child(state.trace))
        .map_err(|_| err::NOT_REGISTERED)?;
    state.proc.counters.sent.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Waits until the mailbox holds a message at `index`: `timeout` `None` waits forever,
/// zero not at all. `ERR_TIMEOUT` when the time ran out.
///
/// # Cancel safety
///
/// Cancel safe: nothing is taken from the mailbox.
pub(crate) async fn wait_for(
    proc: &crate::process::Process,
    index: usize,
    timeout: Option<Duration>,
) -> Coded<Waited> {
    if proc.mailbox.len() > index {
        return Ok(Waited::No);
    }
    if timeout == Some(Duration::ZERO) {
        return Err(err::TIMEOUT);
    }
    proc.set_waiting(true);
    let arrived = proc.mailbox.wait_for(index, timeout).await;
    proc.set_waiting(false);
    if arrived {
        Ok(Waited::Yes)
    } else {
        Err(err::TIMEOUT)
    }
}

/// Whether a receive had to wait for its message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Waited {
    /// The message was there already: the guest goes on in its time slice.
    No,
    /// The guest slept: it starts a new time slice (its epoch deadline, set before it
    /// slept, has likely passed, and would make it yield at once for nothing).
    Yes,
}

pub(crate) fn take(state: &mut ProcessState, index: usize) -> Coded<()> {
    let m = state.proc.mailbox.take(index).ok_or(err::NO_MESSAGE)?;
    // What a main-style process sends next is a consequence of this one. Inside a
    // behaviour's callback the message being handled stays the cause (a nested receive,
    // such as a call's reply, does not replace it).
    if state.current.is_none() {
        state.trace = m.trace;
    }
    Ok(())
}

pub(crate) fn mailbox_len(state: &ProcessState) -> usize {
    state.proc.mailbox.len()
}

/// Spawns `module` as a child of the caller. The caller checked any output slot first.
pub(crate) fn spawn(
    state: &ProcessState,
    module: &[u8],
    args: Vec<u8>,
    link: bool,
    monitor: bool,
) -> Coded<crate::node::Spawned> {
    let module = name(module)?;
    if !state.proc.grants().may_spawn(module) {
        let why = format!("`{module}` is not among the modules it may spawn");
        return Err(denied(state, "spawn", &why, err::BAD_NAME));
    }
    let opts = SpawnOpts {
        parent: Some(state.proc.pid()),
        link,
        monitor,
        ..SpawnOpts::default()
    };
    state.node.spawn(module, args, opts).map_err(|e| match e {
        SpawnError::Limit(_)
        | SpawnError::SubtreeLimit(..)
        | SpawnError::MemoryBudget(_)
        | SpawnError::PidsExhausted => err::LIMIT,
        SpawnError::NoParent(_) => err::NOPROC,
    })
}

/// `spawn_at`: on the node called `node`; waits for the other node's answer.
/// `ERR_NOPROC` when no such node is connected (or the connection broke meanwhile).
pub(crate) fn spawn_at(
    state: &ProcessState,
    node: &str,
    module: &str,
    args: Vec<u8>,
    link: bool,
    monitor: bool,
) -> impl std::future::Future<Output = Coded<crate::node::Spawned>> + use<> {
    let allowed = state.proc.grants().may_spawn(module);
    let refused = (!allowed).then(|| {
        let why = format!("`{module}` is not among the modules it may spawn");
        denied(state, "spawn_at", &why, err::BAD_NAME)
    });
    let (n, proc, node, module) = (
        state.node.clone(),
        state.proc.clone(),
        node.to_owned(),
        module.to_owned(),
    );
    async move {
        if let Some(code) = refused {
            return Err(code);
        }
        n.spawn_at(&proc, &node, &module, args, link, monitor)
            .await
            .map_err(|e| match e {
                hatchery_core::remote::RemoteSpawnError::Limit => err::LIMIT,
                _ => err::NOPROC,
            })
    }
}

/// Ends the caller when it holds as many links or monitors as the node allows.
fn may_hold(state: &ProcessState, what: OverCap) -> wasmtime::Result<()> {
    state
        .node
        .may_hold(&state.proc, what)
        .map_err(|cap| wasmtime::Error::new(GuestExit(cap.reason())))
}

pub(crate) fn link(state: &ProcessState, pid: Pid) -> wasmtime::Result<Coded<()>> {
    may_hold(state, OverCap::Links)?;
    let r = state.node.link(&state.proc, pid).map_err(|_| err::NOPROC);
    if r.is_err() {
        presented(state, "link", pid)?;
    }
    stop_if_asked(state)?;
    Ok(r)
}

pub(crate) fn unlink(state: &ProcessState, pid: Pid) {
    state.node.unlink(&state.proc, pid);
}

pub(crate) fn trap_exit(state: &ProcessState, flag: bool) -> bool {
    state.proc.set_trap_exit(flag)
}

/// Ends the caller with `reason`: always an error, the one that ends the guest call.
pub(crate) fn exit(reason: ExitReason) -> wasmtime::Error {
    match reason {
        r @ (ExitReason::Normal | ExitReason::Shutdown | ExitReason::Custom(_)) => {
            wasmtime::Error::new(GuestExit(r))
        }
        other => wasmtime::Error::msg(format!(
            "hatchery_v1.exit: reason kind {} is not allowed (use normal, shutdown or custom)",
            other.kind()
        )),
    }
}

/// The longest panic message kept, in bytes: the rest is cut (it travels in every exit
/// signal and `DOWN` of the process).
const PANIC_TEXT_MAX: usize = 16 << 10;

/// The guest panicked with `text`: written to its stderr as a line, as a language's own
/// panic handler would, and the error that ends it with reason `trap` (the message, then
/// the Wasm backtrace wasmtime attaches to a host call's error) without a hardware trap.
pub(crate) fn panic(state: &ProcessState, text: &[u8]) -> wasmtime::Error {
    let cut = text.len() > PANIC_TEXT_MAX;
    let mut text = String::from_utf8_lossy(&text[..text.len().min(PANIC_TEXT_MAX)])
        .trim_end()
        .to_string();
    if text.is_empty() {
        text.push_str("panic");
    }
    if cut {
        text.push_str(" [cut]");
    }
    write(
        state,
        crate::process::Stream::Stderr,
        format!("{text}\n").as_bytes(),
    );
    wasmtime::Error::msg(text)
}

pub(crate) fn exit_signal(
    state: &ProcessState,
    to: Pid,
    reason: &ExitReason,
) -> wasmtime::Result<Coded<()>> {
    let kill = reason.kind() == kind::KILLED;
    // A process on another node counts as related only through a link or monitor.
    let unrelated = match state.node.process(to) {
        Some(target) => !state.proc.is_related(&target),
        None => state.node.place(to) != hatchery_core::remote::Place::Here && !state.proc.holds(to),
    };
    if !state.proc.grants().signal_any && unrelated {
        let why = format!(
            "{to} is not of its subtree, linked or monitored, and it has no `signal_any` grant"
        );
        return Ok(Err(denied(state, "exit_signal", &why, err::NOPROC)));
    }
    let r = state
        .node
        .exit_signal(state.proc.pid(), to, reason, kill)
        .map_err(|_| err::NOPROC);
    if r.is_err() {
        presented(state, "exit_signal", to)?;
    }
    stop_if_asked(state)?;
    Ok(r)
}

pub(crate) fn monitor(state: &ProcessState, pid: Pid) -> wasmtime::Result<u64> {
    may_hold(state, OverCap::Monitors)?;
    if state.node.process(pid).is_none() {
        presented(state, "monitor", pid)?;
    }
    Ok(state.node.monitor(&state.proc, pid))
}

pub(crate) fn demonitor(state: &ProcessState, reference: u64, flush: bool) -> Coded<()> {
    if state.node.demonitor(&state.proc, reference, flush) {
        Ok(())
    } else {
        Err(err::NOT_FOUND)
    }
}

pub(crate) fn register(state: &ProcessState, n: &[u8], pid: Pid) -> wasmtime::Result<Coded<()>> {
    let n = match name(n) {
        Ok(n) => n,
        Err(code) => return Ok(Err(code)),
    };
    if !state.proc.grants().may_register(n) {
        let why = format!("`{n}` is outside the names it may register");
        return Ok(Err(denied(state, "register", &why, err::BAD_NAME)));
    }
    let code = match state.node.register(n, pid) {
        Ok(()) => return Ok(Ok(())),
        Err(RegisterError::NoProc) => {
            presented(state, "register", pid)?;
            err::NOPROC
        }
        Err(RegisterError::NameTaken) => err::NAME_TAKEN,
        Err(RegisterError::AlreadyRegistered) => err::ALREADY_REGISTERED,
        Err(RegisterError::BadName) => err::BAD_NAME,
    };
    Ok(Err(code))
}

pub(crate) fn unregister(state: &ProcessState, n: &[u8]) -> Coded<()> {
    state
        .node
        .unregister(name(n)?)
        .map_err(|_| err::NOT_REGISTERED)
}

pub(crate) fn whereis(state: &ProcessState, n: &[u8]) -> Coded<Option<Pid>> {
    Ok(state.node.whereis(name(n)?))
}

pub(crate) fn send_after(
    state: &ProcessState,
    to: Pid,
    delay_ms: u64,
    bytes: Vec<u8>,
) -> wasmtime::Result<Coded<u64>> {
    if delay_ms > MAX_DELAY_MS {
        return Ok(Err(err::BAD_ARG));
    }
    if too_big(state, bytes.len()) {
        return Ok(Err(err::TOO_BIG));
    }
    if state.node.process(to).is_none() {
        presented(state, "send_after", to)?;
    }
    let timer = state
        .node
        .send_after(state.proc.pid(), to, Duration::from_millis(delay_ms), bytes)
        .map_err(|cap| wasmtime::Error::new(GuestExit(cap.reason())))?;
    Ok(Ok(timer))
}

pub(crate) fn cancel_timer(state: &ProcessState, reference: u64) -> Option<u64> {
    state
        .node
        .cancel_timer(reference)
        .map(|left| u64::try_from(left.as_millis()).unwrap_or(u64::MAX))
}

fn child_code(e: &ChildError) -> i32 {
    match e {
        ChildError::NoSupervisor => err::NOPROC,
        ChildError::Id(_, "already exists") => err::NAME_TAKEN,
        ChildError::Id(..) => err::NOT_FOUND,
        ChildError::Start(_) => err::LIMIT,
    }
}

/// Refuses a call the process has no grant for: the code the guest sees, a line on its
/// standard error that says why, and the node's count.
fn denied(state: &ProcessState, call: &str, why: &str, code: i32) -> i32 {
    state
        .node
        .stats()
        .refused
        .grants
        .fetch_add(1, Ordering::Relaxed);
    write(
        state,
        crate::process::Stream::Stderr,
        format!("hatchery: {call} refused: {why} (see the grants of this process)\n").as_bytes(),
    );
    code
}

/// The node, to change supervisor `sup` with, when the process has the `supervise` grant;
/// otherwise `ERR_NOPROC` (it may use no supervisor), also when `sup` is no live process.
pub(crate) fn supervising(
    state: &ProcessState,
    call: &str,
    sup: Pid,
) -> wasmtime::Result<Coded<crate::Node>> {
    if !state.proc.grants().supervise {
        return Ok(Err(denied(
            state,
            call,
            "no `supervise` grant",
            err::NOPROC,
        )));
    }
    if state.node.process(sup).is_none() {
        presented(state, call, sup)?;
        return Ok(Err(err::NOPROC));
    }
    Ok(Ok(state.node.clone()))
}

/// A child spec a guest gives `call`: `ERR_BAD_ARG` when it is not one, `ERR_BAD_NAME`
/// when its module is not among those the caller may spawn. The child gets the caller's
/// grants, never more, and counts in the caller's subtree (its process quota and its
/// allowance of forged pids), as a child it spawned would.
pub(crate) fn child_spec(state: &ProcessState, call: &str, spec: &[u8]) -> Coded<ChildSpec> {
    let mut spec = ChildSpec::from_json(spec).map_err(|_| err::BAD_ARG)?;
    if let ChildStart::Worker {
        module,
        grants,
        subtree,
        ..
    } = &mut spec.start
    {
        if !state.proc.grants().may_spawn(module) {
            let why = format!("`{module}` is not among the modules it may spawn");
            return Err(denied(state, call, &why, err::BAD_NAME));
        }
        *grants = Some(std::sync::Arc::new(state.proc.grants().clone()));
        *subtree = Some(state.proc.subtree().clone());
    }
    Ok(spec)
}

pub(crate) async fn sup_start_child(
    node: crate::Node,
    sup: Pid,
    spec: ChildSpec,
) -> Coded<Option<Pid>> {
    node.start_child(sup, spec)
        .await
        .map_err(|e| child_code(&e))
}

pub(crate) async fn sup_terminate_child(node: crate::Node, sup: Pid, id: &[u8]) -> Coded<()> {
    let id = String::from_utf8_lossy(id).into_owned();
    node.terminate_child(sup, &id)
        .await
        .map_err(|e| child_code(&e))
}

pub(crate) fn sup_which_children(
    state: &ProcessState,
    sup: Pid,
) -> wasmtime::Result<Coded<Vec<u8>>> {
    if let Err(code) = supervising(state, "sup_which_children", sup)? {
        return Ok(Err(code));
    }
    Ok(state
        .node
        .which_children(sup)
        .map(|c| ChildInfo::to_json(&c))
        .ok_or(err::NOPROC))
}

pub(crate) fn module_version(state: &ProcessState, n: &[u8]) -> Coded<u32> {
    let n = name(n)?;
    state
        .node
        .wasm
        .runtime
        .module(n)
        .map(|m| m.version)
        .ok_or(err::NOT_FOUND)
}

pub(crate) fn module_rollback(state: &ProcessState, n: &[u8]) -> Coded<u32> {
    let n = name(n)?;
    if !state.proc.grants().rollback {
        return Err(denied(
            state,
            "module_rollback",
            "no `rollback` grant",
            err::NOT_FOUND,
        ));
    }
    state.node.rollback_in_background(n).map_err(|e| match e {
        LoadError::NoPrevious(_) => err::NO_VERSION,
        _ => err::NOT_FOUND,
    })
}

/// Writes to the process's captured standard output or error (the same lines as WASI's).
/// The output stream of a descriptor: 1 is stdout, 2 stderr (`write`, WASI's `fd_write`).
pub(crate) fn stream(fd: i32) -> Option<crate::process::Stream> {
    match fd {
        1 => Some(crate::process::Stream::Stdout),
        2 => Some(crate::process::Stream::Stderr),
        _ => None,
    }
}

pub(crate) fn write(state: &ProcessState, stream: crate::process::Stream, bytes: &[u8]) {
    state.node.write_output(&state.proc, stream, bytes);
}

pub(crate) fn hibernate(state: &mut ProcessState) {
    state.hibernate = true;
}

/// An `i32` code or count for the core ABI.
pub(crate) fn as_i32(r: Coded<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(code) => code,
    }
}

/// `nodes`: the other connected nodes' names, each followed by a newline.
pub(crate) fn nodes(state: &ProcessState) -> Vec<u8> {
    let mut out = Vec::new();
    for n in state.node.nodes() {
        out.extend_from_slice(n.as_bytes());
        out.push(b'\n');
    }
    out
}

/// `monitor_node`: flag 1 adds a monitor of `node`, 0 removes the caller's.
pub(crate) fn monitor_node(state: &ProcessState, node: &[u8], flag: i32) -> Coded<()> {
    let node = name(node)?;
    let on = match flag {
        0 => false,
        1 => true,
        _ => return Err(err::BAD_ARG),
    };
    let pid = state.proc.pid();
    state
        .node
        .monitor_node(pid, node, on)
        .map_err(|_| err::BAD_NAME)
}

/// `monitor_nodes`: flag 1 or 0.
pub(crate) fn monitor_nodes(state: &ProcessState, flag: i32) -> Coded<()> {
    let on = match flag {
        0 => false,
        1 => true,
        _ => return Err(err::BAD_ARG),
    };
    state.node.monitor_nodes(state.proc.pid(), on);
    Ok(())
}
