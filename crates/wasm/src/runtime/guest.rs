//! Calling a guest's exports, core module or component alike: instantiate, the entry, and
//! a behaviour's callbacks (handle, save the state, take a state).

use std::sync::Arc;

use wasmtime::component::TypedFunc as ComponentFunc;
use wasmtime::{Instance, Store, TypedFunc, WasmParams, WasmResults};

use super::instance::brief;
use super::modules::{CHANGE_EXPORT, HANDLE_EXPORT, LoadedModule, Pre, SAVE_EXPORT};
use super::state::{GuestExit, ProcessState};
use crate::component::{WitMessage, exports, to_wit};
use crate::exit::ExitReason;
use crate::message::Message;

/// An instantiated process.
pub(super) enum Instantiated {
    Core(Instance),
    Component(wasmtime::component::Instance),
}

/// Instantiates `module` in `store` and runs a core reactor's `_initialize`.
pub(super) async fn instantiate(
    store: &mut Store<ProcessState>,
    module: &LoadedModule,
) -> wasmtime::Result<Instantiated> {
    let failed = |e: wasmtime::Error, (over_cap, over_budget): (bool, bool)| {
        let mut hint = crate::sys::map_count_hint(&e);
        if over_budget && !over_cap {
            hint.push_str(
                "; the node's guest memory budget is used up: end processes or raise it with \
                 --memory-budget-mib (or `memory_budget_mib` under [limits])",
            );
        }
        if over_cap {
            hint.push_str(&format!(
                "; its memory at start is over the process's memory cap: raise it with \
                 `[modules.{0}] max_memory_mib = ...` in hatchery.toml or --max-memory-mib \
                 (Python components need about 48)",
                module.name
            ));
        }
        wasmtime::Error::new(GuestExit(ExitReason::Undef(format!(
            "instantiating module `{}`: {e:#}{hint}",
            module.name
        ))))
    };
    // A fiber-less process runs its start function and `_initialize` as it runs its
    // callbacks: under the CPU cap.
    if module.fiberless {
        store.data_mut().cpu.begin();
    }
    let made = instantiate_core_or_component(store, module).await;
    let instance = match made {
        Ok(i) => i,
        Err(e) => {
            store.data_mut().cpu.end();
            // Ended from the outside (a kill, the CPU cap) while its start function ran.
            if e.downcast_ref::<GuestExit>().is_some() {
                return Err(e);
            }
            let limits = &store.data().limits;
            return Err(failed(e, (limits.hit_memory_cap, limits.hit_node_budget)));
        }
    };
    store
        .data()
        .node
        .stats()
        .instantiated
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Instantiated::Core(instance) = &instance
        && module.has_initialize
    {
        let init = instance.get_typed_func::<(), ()>(&mut *store, "_initialize")?;
        call(store, &init, (), module.fiberless).await?;
    }
    store.data_mut().cpu.end();
    Ok(instance)
}

async fn instantiate_core_or_component(
    store: &mut Store<ProcessState>,
    module: &LoadedModule,
) -> wasmtime::Result<Instantiated> {
    Ok(match &module.pre {
        Pre::Core(pre) => {
            let instance = if module.fiberless {
                pre.instantiate(&mut *store)?
            } else {
                pre.instantiate_async(&mut *store).await?
            };
            store.data_mut().memory = instance.get_memory(&mut *store, "memory");
            Instantiated::Core(instance)
        }
        Pre::Component(pre) => Instantiated::Component(pre.instantiate_async(&mut *store).await?),
    })
}

/// Calls a core export: a plain call on this thread's stack for a fiber-less process
/// (`sync`), else on the process's fiber.
async fn call<P, R>(
    store: &mut Store<ProcessState>,
    f: &TypedFunc<P, R>,
    args: P,
    sync: bool,
) -> wasmtime::Result<R>
where
    P: WasmParams + Send + Sync,
    R: WasmResults + Send + Sync,
{
    if sync {
        f.call(&mut *store, args)
    } else {
        f.call_async(&mut *store, args).await
    }
}

/// Runs the entry: a main-style process's whole life, a behaviour's init.
pub(super) async fn entry(
    store: &mut Store<ProcessState>,
    instance: &Instantiated,
    module: &LoadedModule,
) -> wasmtime::Result<()> {
    let name = module.entry.export();
    // A behaviour's init is a callback, under the CPU cap; a main-style entry is the
    // process's whole life, only preempted.
    if module.is_behaviour {
        store.data_mut().cpu.begin();
    }
    let done = match instance {
        Instantiated::Core(i) => {
            let f = i.get_typed_func::<(), ()>(&mut *store, name)?;
            call(store, &f, (), module.fiberless).await
        }
        Instantiated::Component(i) => {
            let f = i.get_typed_func::<(), ()>(&mut *store, name)?;
            f.call_async(&mut *store, ()).await
        }
    };
    store.data_mut().cpu.end();
    done
}

/// The callbacks of a running behaviour.
enum Callbacks {
    Core {
        instance: Instance,
        handle: TypedFunc<(i32, i64, i32), ()>,
    },
    Component {
        instance: wasmtime::component::Instance,
        handle: ComponentFunc<(WitMessage,), ()>,
    },
}

/// The instance a behaviour process runs, its callbacks and its version.
pub(super) struct Running {
    callbacks: Callbacks,
    pub module: Arc<LoadedModule>,
}

impl Running {
    pub fn new(
        store: &mut Store<ProcessState>,
        instance: Instantiated,
        module: Arc<LoadedModule>,
    ) -> wasmtime::Result<Running> {
        let callbacks = match instance {
            Instantiated::Core(instance) => Callbacks::Core {
                handle: instance.get_typed_func(&mut *store, HANDLE_EXPORT)?,
                instance,
            },
            Instantiated::Component(instance) => Callbacks::Component {
                handle: instance.get_typed_func(&mut *store, exports::HANDLE)?,
                instance,
            },
        };
        Ok(Running { callbacks, module })
    }

    /// Hands one message to the guest. While it runs, the message is the process's
    /// current one (`message_read` reads it; a crash report names it).
    pub async fn handle(
        &self,
        store: &mut Store<ProcessState>,
        msg: Message,
    ) -> wasmtime::Result<()> {
        store.data_mut().trace = msg.trace;
        store.data_mut().cpu.begin();
        let done = match &self.callbacks {
            Callbacks::Core { handle, .. } => {
                let size = i32::try_from(msg.data.len()).unwrap_or(i32::MAX);
                let args = (msg.kind as i32, msg.sender.as_u64() as i64, size);
                store.data_mut().current = Some(msg);
                call(store, handle, args, self.module.fiberless).await
            }
            Callbacks::Component { handle, .. } => {
                let wit = to_wit(&msg);
                store.data_mut().current = Some(msg);
                handle.call_async(&mut *store, (wit,)).await
            }
        };
        store.data_mut().cpu.end();
        done?;
        store.data_mut().current = None;
        store.data_mut().trace = None;
        Ok(())
    }

    /// The state, from the old version (`hatchery_state_save` / `state-save`), a callback
    /// under the CPU cap.
    pub async fn save(&self, store: &mut Store<ProcessState>) -> Result<Vec<u8>, String> {
        store.data_mut().cpu.begin();
        let saved = self.call_save(store).await;
        store.data_mut().cpu.end();
        saved
    }

    async fn call_save(&self, store: &mut Store<ProcessState>) -> Result<Vec<u8>, String> {
        match &self.callbacks {
            Callbacks::Core { instance, .. } => {
                let save = instance
                    .get_typed_func::<(), i64>(&mut *store, SAVE_EXPORT)
                    .map_err(|_| format!("does not export {SAVE_EXPORT}"))?;
                let packed = call(store, &save, (), self.module.fiberless)
                    .await
                    .map_err(|e| format!("{SAVE_EXPORT} failed: {}", brief(&e)))?;
                read_packed(store, packed).map_err(|e| format!("{SAVE_EXPORT} returned {e}"))
            }
            Callbacks::Component { instance, .. } => {
                let save = instance
                    .get_typed_func::<(), (Vec<u8>,)>(&mut *store, exports::STATE_SAVE)
                    .map_err(|_| format!("does not export {}", exports::STATE_SAVE))?;
                let (state,) = save
                    .call_async(&mut *store, ())
                    .await
                    .map_err(|e| format!("{} failed: {}", exports::STATE_SAVE, brief(&e)))?;
                Ok(state)
            }
        }
    }

    /// Hands a saved state to this (fresh) instance, a callback under the CPU cap; `Err`
    /// when it refuses or fails.
    pub async fn code_change(
        &self,
        store: &mut Store<ProcessState>,
        from: u32,
        state: Vec<u8>,
    ) -> Result<(), String> {
        store.data_mut().cpu.begin();
        let changed = self.call_code_change(store, from, state).await;
        store.data_mut().cpu.end();
        changed
    }

    async fn call_code_change(
        &self,
        store: &mut Store<ProcessState>,
        from: u32,
        state: Vec<u8>,
    ) -> Result<(), String> {
        match &self.callbacks {
            Callbacks::Core { instance, .. } => {
                let change = instance
                    .get_typed_func::<(i32, i32), i64>(&mut *store, CHANGE_EXPORT)
                    .map_err(|_| format!("does not export {CHANGE_EXPORT}"))?;
                let size = i32::try_from(state.len()).unwrap_or(i32::MAX);
                let pid = store.data().proc.pid();
                store.data_mut().current = Some(Message::user(pid, state));
                let old = i32::try_from(from).unwrap_or(i32::MAX);
                let verdict = call(store, &change, (old, size), self.module.fiberless)
                    .await
                    .map_err(|e| format!("{CHANGE_EXPORT} failed: {}", brief(&e)))?;
                store.data_mut().current = None;
                if verdict == 0 {
                    return Ok(());
                }
                // At most 1 KiB of the reason: it is kept in swap records.
                let capped =
                    (verdict as u64 & !0xffff_ffff) | (verdict as u64 & 0xffff_ffff).min(1024);
                let why = read_packed(store, capped as i64)
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_else(|e| format!("(an unreadable reason: {e})"));
                Err(format!("refused the state of v{from}: {why}"))
            }
            Callbacks::Component { instance, .. } => {
                let change = instance
                    .get_typed_func::<(u32, Vec<u8>), (Result<(), String>,)>(
                        &mut *store,
                        exports::CODE_CHANGE,
                    )
                    .map_err(|_| format!("does not export {}", exports::CODE_CHANGE))?;
                let (verdict,) = change
                    .call_async(&mut *store, (from, state))
                    .await
                    .map_err(|e| format!("{} failed: {}", exports::CODE_CHANGE, brief(&e)))?;
                verdict.map_err(|why| {
                    let why: String = why.chars().take(1024).collect();
                    format!("refused the state of v{from}: {why}")
                })
            }
        }
    }
}

/// Reads `(ptr << 32) | len` bytes out of a core guest's memory.
fn read_packed(store: &mut Store<ProcessState>, packed: i64) -> Result<Vec<u8>, String> {
    let packed = packed as u64;
    let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
    let memory = store.data().memory.ok_or("no memory")?;
    let data = memory.data(&*store);
    data.get(ptr..ptr.saturating_add(len))
        .map(<[u8]>::to_vec)
        .ok_or_else(|| format!("the range {ptr}+{len} outside its memory"))
}
