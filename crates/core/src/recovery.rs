//! The operator's recovery tools: end every process of a module, or of a subtree (a
//! process and everything spawned below it, as counted for its quota), in one call. A
//! supervised child among them is ended through its supervisor (`terminate_child`), so
//! that the supervisor is told and does not restart it; the others get `kill`.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use crate::exit::ExitReason;
use crate::node::Node;
use crate::pid::Pid;

/// Which processes to end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// Every process running this module (any version).
    Module(String),
    /// This process and everything spawned below it (along live parents, and all that
    /// counts in the subtree it started, for its quota).
    Subtree(Pid),
}

/// What [`Node::end_all`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Ended {
    /// Processes ended (by `kill`, or by their supervisor).
    pub ended: usize,
    /// Supervised children among them, removed from their supervisors: (supervisor, child id).
    pub removed_children: Vec<(String, String)>,
    /// Processes of the selection still alive when the call gave up (a selection that
    /// keeps spawning faster than it is ended; normally empty).
    pub left: usize,
}

/// Why nothing was ended.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EndError {
    /// A subtree's root that is not a live process and roots no live subtree.
    #[error("no live process is in the subtree of {0}")]
    NoSubtree(Pid),
    /// A module that no live process runs.
    #[error("no live process runs module `{0}`")]
    NoModule(String),
    /// Native processes (supervisors, the host's own) are ended by stopping what owns them.
    #[error("{0} is a native process; end its supervisor's subtree or the node instead")]
    Native(Pid),
}

impl Selection {
    /// The live processes selected now (never native ones).
    fn live(&self, node: &Node) -> Vec<Pid> {
        self.live_with(node, &HashSet::new())
    }

    /// The same, with `seen` (processes already signalled, perhaps gone) counted in a
    /// subtree: those still in the table, and what they spawned. A subtree below a
    /// subtree's root is found through parents, so once its top has left the table its
    /// descendants would otherwise be lost from sight while they still run or are ending.
    fn live_with(&self, node: &Node, seen: &HashSet<Pid>) -> Vec<Pid> {
        let procs = node.processes();
        let wasm = procs.iter().filter(|p| !p.module().starts_with("native:"));
        match self {
            Selection::Module(m) => wasm.filter(|p| p.module() == m).map(|p| p.pid()).collect(),
            Selection::Subtree(root) => {
                // The root and its descendants along live parents, and whatever counts in
                // the subtree it started (children whose parent has ended).
                let mut children: HashMap<Pid, Vec<Pid>> = HashMap::new();
                for p in wasm.clone() {
                    if let Some(parent) = p.parent() {
                        children.entry(parent).or_default().push(p.pid());
                    }
                }
                let present: HashSet<Pid> = wasm.clone().map(|p| p.pid()).collect();
                let mut picked: HashSet<Pid> = wasm
                    .filter(|p| p.pid() == *root || p.subtree().root() == *root)
                    .map(|p| p.pid())
                    .chain(seen.iter().copied())
                    .collect();
                let mut todo: Vec<Pid> = picked.iter().copied().collect();
                while let Some(pid) = todo.pop() {
                    for &c in children.get(&pid).into_iter().flatten() {
                        if picked.insert(c) {
                            todo.push(c);
                        }
                    }
                }
                picked.retain(|p| present.contains(p));
                picked.into_iter().collect()
            }
        }
    }
}

/// How long a supervisor's shutdown of one child is waited for before it is killed.
const TERMINATE_WAIT: Duration = Duration::from_secs(5);

/// How long the selection is ended and waited for before the call gives up (a selection
/// that spawns faster than it is ended, or a machine too loaded to run the exits).
const END_WAIT: Duration = Duration::from_secs(10);

impl Node {
    /// Ends every process of `selection`: supervised children through their supervisor
    /// (which forgets them), the others with `kill`, until none is left (what they spawn
    /// while they are ended is in the selection too) or 10 s have passed.
    ///
    /// # Errors
    ///
    /// When the selection holds no live process.
    pub async fn end_all(&self, selection: &Selection) -> Result<Ended, EndError> {
        let first = selection.live(self);
        if first.is_empty() {
            return Err(match selection {
                Selection::Module(m) => EndError::NoModule(m.clone()),
                Selection::Subtree(root) => match self.process(*root) {
                    Some(p) if p.module().starts_with("native:") => EndError::Native(*root),
                    _ => EndError::NoSubtree(*root),
                },
            });
        }
        let mut done = Ended::default();
        let chosen: HashSet<Pid> = first.into_iter().collect();
        // Supervised children first, so that their supervisors do not restart them.
        for sup in self.supervisors() {
            for child in sup.children {
                let Some(pid) = child.pid else { continue };
                if !chosen.contains(&pid) {
                    continue;
                }
                // A child whose shutdown never ends (it traps exits and ignores them, with
                // `infinity`) is killed below, which also ends the supervisor's wait.
                let asked = self.terminate_child(sup.pid, &child.id);
                if let Ok(Ok(())) = tokio::time::timeout(TERMINATE_WAIT, asked).await {
                    done.ended += 1;
                    done.removed_children.push((sup.pid.to_string(), child.id));
                }
            }
        }
        // Signalled already; and every process found in the selection so far, whose
        // descendants stay in it after it has left the table.
        let mut seen = HashSet::new();
        let mut known = chosen;
        let deadline = tokio::time::Instant::now() + END_WAIT;
        loop {
            let pids = selection.live_with(self, &known);
            if pids.is_empty() || tokio::time::Instant::now() >= deadline {
                break;
            }
            // Killed ones stay in the table until they have run their exit; only the new
            // ones (what the selection spawned meanwhile) are signalled again.
            for pid in pids {
                known.insert(pid);
                if seen.insert(pid)
                    && self
                        .exit_signal(Pid(0), pid, &ExitReason::Killed, true)
                        .is_ok()
                {
                    done.ended += 1;
                }
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        done.left = selection.live_with(self, &known).len();
        Ok(done)
    }
}
