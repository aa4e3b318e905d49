//! Links, monitors and exit signals (thesis digest items 29–37).
//!
//! All of this state lives in each process's `SignalState`, changed under its lock. When
//! two processes are involved, both are locked in pid order, so a link or monitor either
//! sees the target alive and is recorded before the target's exit takes its links, or
//! sees it dead and produces `noproc` at once.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use parking_lot::MutexGuard;

use crate::events::ExitRecord;
use crate::exit::ExitReason;
use crate::message::Message;
use crate::node::Node;
use crate::pid::Pid;
use crate::process::{Process, SignalState};
use crate::remote::{Place, Signal};

/// The target of a link, monitor or exit signal is not alive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no such process")]
pub struct NoProc;

/// A cap on what one process holds was met ([`crate::config::Budgets`]): the process that
/// asked for one more ends with reason `limit: <name>`, as Erlang raises `system_limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OverCap {
    /// Links held.
    #[error("links")]
    Links,
    /// Monitors held.
    #[error("monitors")]
    Monitors,
    /// Timers pending for one process.
    #[error("timers")]
    Timers,
}

impl OverCap {
    /// The exit reason of the process that met the cap.
    pub fn reason(self) -> ExitReason {
        ExitReason::Limit(self.to_string())
    }
}

fn lock_pair<'a>(
    a: &'a Process,
    b: &'a Process,
) -> (MutexGuard<'a, SignalState>, MutexGuard<'a, SignalState>) {
    if a.pid() < b.pid() {
        let ga = a.signals.lock();
        (ga, b.signals.lock())
    } else {
        let gb = b.signals.lock();
        (a.signals.lock(), gb)
    }
}

impl Node {
    /// Whether `proc` may hold one more link or monitor (the caps of
    /// [`crate::config::Budgets`]); a refusal is counted in the node's stats.
    ///
    /// # Errors
    ///
    /// The cap that was met.
    pub fn may_hold(&self, proc: &Process, what: OverCap) -> Result<(), OverCap> {
        let (links, monitors) = proc.held();
        let b = &self.inner.config.budgets;
        let refused = &self.inner.stats.refused;
        let (over, counter) = match what {
            OverCap::Links => (links >= b.links, &refused.links),
            OverCap::Monitors => (monitors >= b.monitors, &refused.monitors),
            OverCap::Timers => (false, &refused.timers),
        };
        if over {
            counter.fetch_add(1, Ordering::Relaxed);
            return Err(what);
        }
        Ok(())
    }

    /// Looks at a pid `proc` presented that names no live process. `Ok(None)` for 0 and
    /// for a pid the node handed out (its process has ended); `Ok(Some(n))` for one it
    /// never handed out, a forgery, counted in the node's stats and in `proc`'s subtree (n
    /// is the subtree's count, from 1). Either
    /// way the call goes on as for a dead pid, so a guess learns nothing.
    ///
    /// # Errors
    ///
    /// The reason to end `proc` with: its subtree has presented more forgeries than
    /// [`crate::config::Budgets::forged_pids`] allows (a bug passes a few; a guesser a
    /// great many).
    pub fn forged(&self, proc: &Process, pid: Pid) -> Result<Option<u32>, ExitReason> {
        if pid.0 == 0 || self.issued(pid) || self.place(pid) != Place::Here {
            return Ok(None);
        }
        self.inner
            .stats
            .refused
            .forged_pids
            .fetch_add(1, Ordering::Relaxed);
        let n = proc
            .subtree
            .forged
            .fetch_add(1, Ordering::Relaxed)
            .saturating_add(1);
        if n > self.inner.config.budgets.forged_pids {
            return Err(ExitReason::Limit("forged pids".into()));
        }
        Ok(Some(n))
    }

    /// Links `from` and `to`. When `to` is not alive, `from` receives exit signal `noproc`
    /// from it (an `EXIT` message if it traps exits, otherwise it ends) and `Err(NoProc)`
    /// is returned.
    pub fn link(&self, from: &Arc<Process>, to: Pid) -> Result<(), NoProc> {
        if to == from.pid() {
            return Ok(());
        }
        if let Place::There(slot) = self.place(to) {
            {
                let mut s = from.signals.lock();
                if !s.alive || !s.links.insert(to) {
                    return Ok(());
                }
            }
            let me = from.pid();
            if !self.to_node(slot, Signal::Link { from: me, to })
                && from.signals.lock().links.remove(&to)
            {
                // A link to a node out of reach fires at once, as in Erlang.
                self.deliver_exit_signal(from, to, &ExitReason::NoConnection, false);
            }
            return Ok(());
        }
        if let Some(target) = self.process(to) {
            let (mut a, mut b) = lock_pair(from, &target);
            if a.alive && b.alive {
                a.links.insert(to);
                b.links.insert(from.pid());
                return Ok(());
            }
        }
        self.deliver_exit_signal(from, to, &ExitReason::NoProc, false);
        Err(NoProc)
    }

    /// Removes the link between `from` and `to`, if any.
    pub fn unlink(&self, from: &Arc<Process>, to: Pid) {
        let was = from.signals.lock().links.remove(&to);
        if let Place::There(slot) = self.place(to) {
            if was {
                self.to_node(
                    slot,
                    Signal::Unlink {
                        from: from.pid(),
                        to,
                    },
                );
            }
            return;
        }
        if let Some(target) = self.process(to) {
            target.signals.lock().links.remove(&from.pid());
        }
    }

    /// `watcher` monitors `target`; returns the reference. When `target` is not alive the
    /// `DOWN` message (reason `noproc`) is queued at once.
    pub fn monitor(&self, watcher: &Arc<Process>, target: Pid) -> u64 {
        let r = self.make_ref();
        if let Place::There(slot) = self.place(target) {
            {
                let mut s = watcher.signals.lock();
                if !s.alive {
                    return r;
                }
                s.monitors.insert(r, target);
            }
            let w = watcher.pid();
            if !self.to_node(
                slot,
                Signal::Monitor {
                    watcher: w,
                    target,
                    r,
                },
            ) && watcher.signals.lock().monitors.remove(&r).is_some()
            {
                let down = Message::down(r, target, &ExitReason::NoConnection);
                self.deliver(w, down);
            }
            return r;
        }
        if let Some(t) = self.process(target) {
            if Arc::ptr_eq(&t, watcher) {
                // Monitoring yourself never fires (you cannot see your own DOWN).
                return r;
            }
            let (mut w, mut tg) = lock_pair(watcher, &t);
            if w.alive && tg.alive {
                w.monitors.insert(r, target);
                tg.monitored_by.push((r, watcher.pid()));
                return r;
            }
        }
        self.deliver(watcher.pid(), Message::down(r, target, &ExitReason::NoProc));
        r
    }

    /// Removes a monitor. Returns false when it was unknown or already fired. With `flush`,
    /// also removes its `DOWN` message from the mailbox.
    pub fn demonitor(&self, watcher: &Arc<Process>, r: u64, flush: bool) -> bool {
        let target = watcher.signals.lock().monitors.remove(&r);
        if let Some(t) = target
            && let Place::There(slot) = self.place(t)
        {
            let w = watcher.pid();
            self.to_node(
                slot,
                Signal::Demonitor {
                    watcher: w,
                    target: t,
                    r,
                },
            );
        } else if let Some(t) = target.and_then(|t| self.process(t)) {
            t.signals.lock().monitored_by.retain(|&(x, _)| x != r);
        }
        if flush {
            watcher.mailbox.take_first(|m| m.monitor_ref() == Some(r));
        }
        target.is_some()
    }

    /// Sends exit signal `reason` from `from` to `to`. `kill` is the untrappable kill (the
    /// target ends with `killed`).
    ///
    /// # Errors
    ///
    /// [`NoProc`] when `to` is not alive (the signal goes nowhere).
    pub fn exit_signal(
        &self,
        from: Pid,
        to: Pid,
        reason: &ExitReason,
        kill: bool,
    ) -> Result<(), NoProc> {
        if let Place::There(slot) = self.place(to) {
            // Sent, as in Erlang: whether it reached anybody is not known here.
            let reason = reason.clone();
            let exit = Signal::Exit {
                from,
                to,
                reason,
                kill,
                link: false,
            };
            self.to_node(slot, exit);
            return Ok(());
        }
        let target = self.process(to).ok_or(NoProc)?;
        self.deliver_exit_signal(&target, from, reason, kill);
        Ok(())
    }

    /// Applies one exit signal to `target` (thesis digest items 30–34).
    pub(crate) fn deliver_exit_signal(
        &self,
        target: &Arc<Process>,
        from: Pid,
        reason: &ExitReason,
        kill: bool,
    ) {
        if kill {
            target.kill();
            return;
        }
        let traps = {
            let s = target.signals.lock();
            if !s.alive {
                return;
            }
            s.trap_exit
        };
        if traps {
            self.deliver(target.pid(), Message::exit(from, reason));
        } else if !reason.is_normal() || from == target.pid() {
            target.request_stop(reason.clone());
        }
    }

    /// Ends a process: it leaves the table and the registry, its links get exit signals,
    /// its monitors `DOWN` messages, and the exit is recorded and announced. Idempotent.
    pub(crate) fn finish(&self, proc: &Arc<Process>, reason: ExitReason) {
        let pid = proc.pid();
        let state = {
            let mut s = proc.signals.lock();
            if !s.alive {
                return;
            }
            s.alive = false;
            let state = std::mem::take(&mut *s);
            // Keep the reason visible to anyone still holding the process (a native
            // process's pending receive reports it).
            s.stop_reason = Some(reason.clone());
            state
        };
        self.inner.processes.remove(pid);
        self.cancel_timers(&state.timers);
        if let Some(name) = &state.name {
            self.inner.registry.remove_if(name, pid);
        }
        if state.watches_nodes {
            self.forget_node_watcher(pid);
        }
        let dropped = proc.mailbox.close();
        self.inner
            .stats
            .dropped_dead
            .fetch_add(dropped as u64, Ordering::Relaxed);
        // Record and announce the exit before any linked or monitoring process can react to
        // it, so observers see exits in causal order.
        let last_lines = proc.flush_output();
        for line in last_lines {
            self.emit_output(pid, &Arc::from(proc.module()), line);
        }
        self.inner.stats.exited.fetch_add(1, Ordering::Relaxed);
        self.inner.ended_cpu.add(proc);
        let output = proc.output();
        if crate::crashlog::Report::is_crash(&reason) {
            self.report(|| {
                let tail = output
                    .iter()
                    .rev()
                    .take(20)
                    .rev()
                    .map(|l| l.text.clone())
                    .collect();
                crate::crashlog::Report::crash(
                    pid,
                    proc.module(),
                    state.name.as_deref(),
                    &reason,
                    tail,
                )
            });
        }
        self.record_exit(ExitRecord {
            pid,
            module: Arc::from(proc.module()),
            name: state.name.clone(),
            reason: reason.clone(),
            output,
        });
        for linked in state.links {
            if let Some(p) = self.process(linked) {
                p.signals.lock().links.remove(&pid);
                self.deliver_exit_signal(&p, pid, &reason, false);
            } else if let Place::There(slot) = self.place(linked) {
                let exit = Signal::Exit {
                    from: pid,
                    to: linked,
                    reason: reason.clone(),
                    kill: false,
                    link: true,
                };
                self.to_node(slot, exit);
            }
        }
        for (r, watcher) in state.monitored_by {
            if let Place::There(slot) = self.place(watcher) {
                let reason = reason.clone();
                let down = Signal::Down {
                    watcher,
                    target: pid,
                    r,
                    reason,
                };
                self.to_node(slot, down);
            } else if let Some(w) = self.process(watcher) {
                let live = w.signals.lock().monitors.remove(&r).is_some();
                if live {
                    self.deliver(watcher, Message::down(r, pid, &reason));
                }
            }
        }
        for (r, target) in state.monitors {
            if let Place::There(slot) = self.place(target) {
                self.to_node(
                    slot,
                    Signal::Demonitor {
                        watcher: pid,
                        target,
                        r,
                    },
                );
            } else if let Some(t) = self.process(target) {
                t.signals.lock().monitored_by.retain(|&(x, _)| x != r);
            }
        }
        self.release_slot(proc);
    }
}
