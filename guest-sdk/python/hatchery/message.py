"""The messages of a mailbox (guest-sdk/ABI.md §4).

A receive hands back one of five frozen dataclasses, made for ``match``::

    match hatchery.receive(timeout_ms=1000):
        case hatchery.UserMessage(sender=pid, data=data):
            print(len(data), "bytes from", pid)
        case hatchery.ExitMessage(sender=pid, reason=reason):
            print(pid, "exited:", reason)
        case hatchery.DownMessage(pid=pid, reason=reason):
            print(pid, "is down:", reason)
        case hatchery.NodeDownMessage(node=name):
            print("lost node", name)
        case None:
            print("nothing within a second")
"""

from dataclasses import dataclass
from typing import Any, ClassVar

from ._codec import from_json, json_object
from ._host import host
from .pid import Pid
from .reason import ExitReason

KIND_USER = 0
"""The kind number of a user message (ABI.md §4)."""
KIND_EXIT = 1
"""The kind number of an exit message."""
KIND_DOWN = 2
"""The kind number of a down message."""
KIND_NODEUP = 3
"""The kind number of a nodeup message."""
KIND_NODEDOWN = 4
"""The kind number of a nodedown message."""


@dataclass(frozen=True, slots=True)
class UserMessage:
    """Bytes another process (or a timer, or the outside: sender 0) sent."""

    sender: Pid
    """The sending process; ``Pid(0)`` for a message from outside the node."""
    data: bytes
    """The bytes exactly as sent."""
    kind: ClassVar[int] = KIND_USER

    def json(self) -> Any:
        """The data decoded as JSON; ``ValueError`` when it is not JSON (or not UTF-8, or
        nested deeper than :data:`~hatchery.MAX_JSON_DEPTH`)."""
        return from_json(self.data)

    def json_object(self) -> dict | None:
        """The data as a JSON object, or ``None`` when it is not one (never raises)."""
        return json_object(self.data)

    def abi_bytes(self) -> bytes:
        """The message's bytes as the core ABI holds them: the data."""
        return self.data


@dataclass(frozen=True, slots=True)
class ExitMessage:
    """An exit signal from a linked process, received because this process traps exits."""

    sender: Pid
    """The process whose exit signal this is."""
    reason: ExitReason
    """Its exit reason (``normal`` included)."""
    kind: ClassVar[int] = KIND_EXIT

    def abi_bytes(self) -> bytes:
        """The message's bytes as the core ABI holds them: the encoded reason."""
        return self.reason.encode()


@dataclass(frozen=True, slots=True)
class DownMessage:
    """A monitor this process created fired."""

    pid: Pid
    """The monitored process."""
    monitor: int
    """The monitor reference ``monitor`` or ``spawn_monitor`` returned."""
    reason: ExitReason
    """Its exit reason (``noproc`` when it was already dead)."""
    kind: ClassVar[int] = KIND_DOWN

    @property
    def sender(self) -> Pid:
        """The monitored process (as the core ABI's sender field)."""
        return self.pid

    def abi_bytes(self) -> bytes:
        """The message's bytes as the core ABI holds them: the reference (8 bytes,
        little-endian), then the encoded reason."""
        return self.monitor.to_bytes(8, "little") + self.reason.encode()


@dataclass(frozen=True, slots=True)
class NodeUpMessage:
    """A node connected (:func:`~hatchery.monitor_nodes`)."""

    node: str
    """Its name."""
    kind: ClassVar[int] = KIND_NODEUP

    @property
    def sender(self) -> Pid:
        """``Pid(0)``: node messages come from the node itself."""
        return Pid(0)

    def abi_bytes(self) -> bytes:
        """The message's bytes as the core ABI holds them: the node's name."""
        return self.node.encode()


@dataclass(frozen=True, slots=True)
class NodeDownMessage:
    """A node disconnected, or a monitored node is not connected
    (:func:`~hatchery.monitor_node`, :func:`~hatchery.monitor_nodes`)."""

    node: str
    """Its name."""
    kind: ClassVar[int] = KIND_NODEDOWN

    @property
    def sender(self) -> Pid:
        """``Pid(0)``: node messages come from the node itself."""
        return Pid(0)

    def abi_bytes(self) -> bytes:
        """The message's bytes as the core ABI holds them: the node's name."""
        return self.node.encode()


Message = UserMessage | ExitMessage | DownMessage | NodeUpMessage | NodeDownMessage
"""Any message of the mailbox."""


def from_wit(message) -> Message:
    """The SDK's message for a WIT ``message`` value."""
    if isinstance(message, host.Message_User):
        return UserMessage(Pid(message.value.sender), bytes(message.value.data))
    if isinstance(message, host.Message_Exit):
        m = message.value
        return ExitMessage(Pid(m.sender), ExitReason.from_wit(m.reason))
    if isinstance(message, host.Message_Nodeup):
        return NodeUpMessage(message.value)
    if isinstance(message, host.Message_Nodedown):
        return NodeDownMessage(message.value)
    m = message.value
    return DownMessage(Pid(m.pid), m.monitor, ExitReason.from_wit(m.reason))
