"""A fake of the bindings componentize-py generates, so the SDK's pure logic (reasons,
the receive loop, the server and client protocol) runs under an ordinary CPython.

Importing this module installs ``componentize_py_types`` and ``wit_world.imports.host``
in ``sys.modules``; :data:`node` is the one fake process they talk to. The real bindings
are checked by the conformance suite (tests/conformance), not here.
"""

import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

# componentize_py_types


@dataclass(frozen=True)
class Err(Exception):
    value: Any


types_module = types.ModuleType("componentize_py_types")
types_module.Err = Err


# wit_world.imports.host: the types, named as componentize-py names them.


class ErrorCode(Enum):
    TIMEOUT = 0
    NOPROC = 1
    NOT_REGISTERED = 2
    NAME_TAKEN = 3
    ALREADY_REGISTERED = 4
    LIMIT = 5
    TOO_BIG = 6
    NO_MESSAGE = 7
    BAD_NAME = 8
    NOT_FOUND = 9
    BAD_ARG = 10
    NO_VERSION = 11


def _unit(name):
    return dataclass(type(name, (), {}))


def _valued(name, kind):
    return dataclass(type(name, (), {"__annotations__": {"value": kind}}))


host = types.ModuleType("wit_world.imports.host")
host.ErrorCode = ErrorCode
for _name in ["Normal", "Killed", "Noproc", "Noconnection", "Shutdown"]:
    setattr(host, f"Reason_{_name}", _unit(f"Reason_{_name}"))
for _name, _kind in [("Trap", str), ("Limit", str), ("Custom", bytes), ("Undef", str)]:
    setattr(host, f"Reason_{_name}", _valued(f"Reason_{_name}", _kind))


@dataclass
class UserMessage:
    sender: int
    data: bytes


@dataclass
class ExitMessage:
    sender: int
    reason: Any


@dataclass
class DownMessage:
    pid: int
    monitor: int
    reason: Any


@dataclass
class Spawned:
    pid: int
    monitor: int | None


host.UserMessage, host.ExitMessage, host.DownMessage = UserMessage, ExitMessage, DownMessage
host.Message_User = _valued("Message_User", UserMessage)
host.Message_Exit = _valued("Message_Exit", ExitMessage)
host.Message_Down = _valued("Message_Down", DownMessage)
host.Message_Nodeup = _valued("Message_Nodeup", str)
host.Message_Nodedown = _valued("Message_Nodedown", str)
host.Spawned = Spawned


class Exited(BaseException):
    """What the fake ``exit`` raises (the real one never returns)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class FakeNode:
    """One process's view of a node: its mailbox, a clock that only moves when a receive
    "waits", and a log of what it sent."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.pid = 7
        self.parent_pid: int | None = 1
        self.queue: list = []
        self.arriving: list = []  # delivered one per wait that finds the mailbox short
        self.clock = 1000
        self.sent: list[tuple[int, bytes]] = []
        self.sent_named: list[tuple[str, str, bytes]] = []  # (name, node, bytes)
        self.on_send: Callable[[int, bytes], None] | None = None
        self.monitors: set[int] = set()
        self.next_ref = 100
        self.trapping = False
        self.spawned: list[tuple[str, bytes, bool, bool]] = []
        self.node_monitors: list[tuple[str, bool]] = []
        self.monitors_nodes = False

    # helpers for tests

    def user(self, sender: int, data: bytes):
        return host.Message_User(UserMessage(sender, data))

    def deliver(self, *messages):
        self.queue.extend(messages)

    # the host functions

    def recv(self, index, timeout_ms):
        assert 0 <= index < 1 << 32 and (timeout_ms is None or timeout_ms >= 0)
        if index >= len(self.queue):
            if timeout_ms == 0:
                raise Err(ErrorCode.TIMEOUT)
            if self.arriving:
                self.clock += 1
                self.queue.append(self.arriving.pop(0))
            elif timeout_ms is None:
                raise AssertionError("the fake cannot wait forever")
            else:
                self.clock += timeout_ms
                raise Err(ErrorCode.TIMEOUT)
        return self.queue[index]

    def take(self, index):
        if index >= len(self.queue):
            raise Err(ErrorCode.NO_MESSAGE)
        del self.queue[index]

    def send(self, to, data):
        assert 0 <= to < 1 << 64 and isinstance(data, bytes)
        self.sent.append((to, data))
        if self.on_send:
            self.on_send(to, data)

    def send_named_at(self, name, at, data):
        assert isinstance(name, str) and isinstance(at, str) and isinstance(data, bytes)
        # This node ("nonode") knows only the name "known"; another node never answers.
        if at == "nonode" and name != "known":
            raise Err(ErrorCode.NOT_REGISTERED)
        self.sent_named.append((name, at, data))

    def spawn_at(self, at, module, args, link, monitor):
        assert isinstance(at, str) and isinstance(args, bytes)
        if at != "nonode":
            raise Err(ErrorCode.NOPROC)  # a node alone knows no other node
        self.spawned.append((module, args, link, monitor))
        self.next_ref += 1
        return Spawned(500 + len(self.spawned), self.next_ref if monitor else None)

    def monitor_node(self, at, on):
        assert isinstance(on, bool)
        if not at or len(at.encode()) > 255:
            raise Err(ErrorCode.BAD_NAME)
        if on:
            self.queue.append(host.Message_Nodedown(at))  # not connected: at once
        self.node_monitors.append((at, on))

    def monitor(self, pid):
        self.next_ref += 1
        self.monitors.add(self.next_ref)
        return self.next_ref

    def demonitor(self, ref, flush):
        if flush:
            self.queue = [
                m for m in self.queue
                if not (isinstance(m, host.Message_Down) and m.value.monitor == ref)
            ]  # fmt: skip
        if ref not in self.monitors:
            raise Err(ErrorCode.NOT_FOUND)
        self.monitors.discard(ref)

    def exit(self, reason):
        raise Exited(reason)


node = FakeNode()

host.recv = lambda index, timeout_ms: node.recv(index, timeout_ms)
host.take = lambda index: node.take(index)
host.mailbox_len = lambda: len(node.queue)
host.now_ms = lambda: node.clock
host.self_pid = lambda: node.pid
host.parent = lambda: node.parent_pid
host.send = lambda to, data: node.send(to, data)
host.send_named_at = lambda name, at, data: node.send_named_at(name, at, data)
host.node_name = lambda: "nonode"
host.nodes = lambda: []
# A node alone, that knows pid 77 as one of node "b" (as after a disconnection).
host.pid_node = lambda pid: "b" if pid == 77 else "nonode"
host.spawn_at = lambda *a: node.spawn_at(*a)
host.monitor_node = lambda at, on: node.monitor_node(at, on)
host.monitor_nodes = lambda on: setattr(node, "monitors_nodes", on)
host.monitor = lambda pid: node.monitor(pid)
host.demonitor = lambda ref, flush: node.demonitor(ref, flush)
host.exit = lambda reason: node.exit(reason)
host.trap_exit = lambda flag: node.trapping


def _whereis(name):
    if not name:
        raise Err(ErrorCode.BAD_NAME)
    return None


host.whereis = _whereis

imports = types.ModuleType("wit_world.imports")
imports.host = host
wit_world = types.ModuleType("wit_world")
wit_world.imports = imports
sys.modules.update(
    {
        "componentize_py_types": types_module,
        "wit_world": wit_world,
        "wit_world.imports": imports,
        "wit_world.imports.host": host,
    }
)
