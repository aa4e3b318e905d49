//! The world's `host` interface for a process's store data: each function lifts nothing
//! itself (the canonical ABI did that) and calls its `hatchery_v1` twin in
//! `crate::abi::calls`.

use std::time::Duration;

use super::bindings::hatchery::process::host::{
    Host, Message, Output, Pid as WitPid, Reason, Spawned,
};
use super::{ErrorCode, error_code, to_wit};
use crate::abi::calls::{self, Coded};
use crate::pid::Pid;
use crate::runtime::state::ProcessState;

type R<T> = wasmtime::Result<T>;

/// An ABI result as the world's `result<T, error-code>`.
fn wit<T>(r: Coded<T>) -> Result<T, ErrorCode> {
    r.map_err(error_code)
}

impl Host for ProcessState {
    async fn self_pid(&mut self) -> R<WitPid> {
        Ok(self.proc.pid().as_u64())
    }

    async fn parent(&mut self) -> R<Option<WitPid>> {
        Ok(self.proc.parent().map(Pid::as_u64))
    }

    async fn args(&mut self) -> R<Vec<u8>> {
        Ok(self.args.clone())
    }

    async fn make_ref(&mut self) -> R<u64> {
        Ok(self.node.make_ref())
    }

    async fn now_ms(&mut self) -> R<u64> {
        Ok(u64::try_from(self.node.now_ms()).unwrap_or(0))
    }

    async fn node_name(&mut self) -> R<String> {
        Ok(self.node.name().to_owned())
    }

    async fn nodes(&mut self) -> R<Vec<String>> {
        Ok(self.node.nodes())
    }

    async fn pid_node(&mut self, pid: WitPid) -> R<String> {
        Ok(self.node.pid_node(Pid(pid)))
    }

    async fn monitor_node(&mut self, node: String, on: bool) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::monitor_node(
            self,
            node.as_bytes(),
            i32::from(on),
        )))
    }

    async fn monitor_nodes(&mut self, on: bool) -> R<()> {
        let _ = calls::monitor_nodes(self, i32::from(on));
        Ok(())
    }

    async fn spawn_at(
        &mut self,
        node: String,
        module: String,
        args: Vec<u8>,
        link: bool,
        monitor: bool,
    ) -> R<Result<Spawned, ErrorCode>> {
        let (Ok(node), Ok(module)) = (calls::name(node.as_bytes()), calls::name(module.as_bytes()))
        else {
            return Ok(Err(ErrorCode::BadName));
        };
        let spawned = calls::spawn_at(self, node, module, args, link, monitor).await;
        Ok(wit(spawned.map(|s| Spawned {
            pid: s.pid.as_u64(),
            monitor: s.monitor,
        })))
    }

    async fn spawn(
        &mut self,
        module: String,
        args: Vec<u8>,
        link: bool,
        monitor: bool,
    ) -> R<Result<Spawned, ErrorCode>> {
        Ok(wit(calls::spawn(
            self,
            module.as_bytes(),
            args,
            link,
            monitor,
        )
        .map(|s| Spawned {
            pid: s.pid.as_u64(),
            monitor: s.monitor,
        })))
    }

    async fn send(&mut self, to: WitPid, data: Vec<u8>) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::send(self, Pid(to), &data)?))
    }

    async fn send_named(&mut self, name: String, data: Vec<u8>) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::send_named(self, name.as_bytes(), &data)))
    }

    async fn send_named_at(
        &mut self,
        name: String,
        node: String,
        data: Vec<u8>,
    ) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::send_named_at(
            self,
            name.as_bytes(),
            node.as_bytes(),
            &data,
        )))
    }

    async fn recv(&mut self, index: u32, timeout_ms: Option<u64>) -> R<Result<Message, ErrorCode>> {
        let proc = self.proc.clone();
        let index = index as usize;
        if let Err(code) =
            calls::wait_for(&proc, index, timeout_ms.map(Duration::from_millis)).await
        {
            return Ok(Err(error_code(code)));
        }
        Ok(proc.mailbox.peek(index, to_wit).ok_or(ErrorCode::NoMessage))
    }

    async fn take(&mut self, index: u32) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::take(self, index as usize)))
    }

    async fn mailbox_len(&mut self) -> R<u32> {
        Ok(u32::try_from(calls::mailbox_len(self)).unwrap_or(u32::MAX))
    }

    async fn link(&mut self, pid: WitPid) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::link(self, Pid(pid))?))
    }

    async fn unlink(&mut self, pid: WitPid) -> R<()> {
        calls::unlink(self, Pid(pid));
        Ok(())
    }

    async fn trap_exit(&mut self, flag: bool) -> R<bool> {
        Ok(calls::trap_exit(self, flag))
    }

    async fn exit(&mut self, reason: Reason) -> R<()> {
        Err(calls::exit(reason.into()))
    }

    async fn exit_signal(&mut self, to: WitPid, reason: Reason) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::exit_signal(self, Pid(to), &reason.into())?))
    }

    async fn monitor(&mut self, pid: WitPid) -> R<u64> {
        calls::monitor(self, Pid(pid))
    }

    async fn demonitor(&mut self, monitor: u64, flush: bool) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::demonitor(self, monitor, flush)))
    }

    async fn register(&mut self, name: String, pid: WitPid) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::register(self, name.as_bytes(), Pid(pid))?))
    }

    async fn unregister(&mut self, name: String) -> R<Result<(), ErrorCode>> {
        Ok(wit(calls::unregister(self, name.as_bytes())))
    }

    async fn whereis(&mut self, name: String) -> R<Result<Option<WitPid>, ErrorCode>> {
        Ok(wit(calls::whereis(self, name.as_bytes())).map(|p| p.map(Pid::as_u64)))
    }

    async fn send_after(
        &mut self,
        to: WitPid,
        delay_ms: u64,
        data: Vec<u8>,
    ) -> R<Result<u64, ErrorCode>> {
        Ok(wit(calls::send_after(self, Pid(to), delay_ms, data)?))
    }

    async fn cancel_timer(&mut self, timer: u64) -> R<Option<u64>> {
        Ok(calls::cancel_timer(self, timer))
    }

    async fn sup_start_child(
        &mut self,
        sup: WitPid,
        spec: String,
    ) -> R<Result<Option<WitPid>, ErrorCode>> {
        let node = match calls::supervising(self, "sup-start-child", Pid(sup))? {
            Ok(node) => node,
            Err(code) => return Ok(wit(Err(code))),
        };
        let spec = match calls::child_spec(self, "sup-start-child", spec.as_bytes()) {
            Ok(spec) => spec,
            Err(code) => return Ok(wit(Err(code))),
        };
        let r = calls::sup_start_child(node, Pid(sup), spec).await;
        Ok(wit(r).map(|p| p.map(Pid::as_u64)))
    }

    async fn sup_terminate_child(&mut self, sup: WitPid, id: String) -> R<Result<(), ErrorCode>> {
        let node = match calls::supervising(self, "sup-terminate-child", Pid(sup))? {
            Ok(node) => node,
            Err(code) => return Ok(wit(Err(code))),
        };
        Ok(wit(calls::sup_terminate_child(
            node,
            Pid(sup),
            id.as_bytes(),
        )
        .await))
    }

    async fn sup_which_children(&mut self, sup: WitPid) -> R<Result<String, ErrorCode>> {
        Ok(wit(calls::sup_which_children(self, Pid(sup))?)
            .map(|json| String::from_utf8_lossy(&json).into_owned()))
    }

    async fn module_version(&mut self, name: String) -> R<Result<u32, ErrorCode>> {
        Ok(wit(calls::module_version(self, name.as_bytes())))
    }

    async fn module_rollback(&mut self, name: String) -> R<Result<u32, ErrorCode>> {
        Ok(wit(calls::module_rollback(self, name.as_bytes())))
    }

    async fn hibernate(&mut self) -> R<()> {
        calls::hibernate(self);
        Ok(())
    }

    async fn write(&mut self, to: Output, data: Vec<u8>) -> R<()> {
        let stream = match to {
            Output::Stdout => crate::process::Stream::Stdout,
            Output::Stderr => crate::process::Stream::Stderr,
        };
        calls::write(self, stream, &data);
        Ok(())
    }
}
