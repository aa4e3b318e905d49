"""Process ids."""

from typing import Any

from . import _host
from ._codec import to_bytes


class Pid(int):
    """A process id: an ``int`` (so it encodes as a JSON number and compares with plain
    numbers) that prints as Erlang does, ``<0.12>`` for a pid of this node and
    ``<NODE.12>`` for a pid of another node. Pid 0 is never a live process; it is the
    sender of messages from outside the node (the HTTP API, the CLI).

    >>> Pid(12)
    <0.12>
    >>> Pid(12) == 12
    True
    """

    __slots__ = ()

    def __new__(cls, value: int) -> "Pid":
        value = int(value)
        if not 0 <= value <= _host.U64_MAX:
            raise ValueError(f"a pid is in 0..2**64-1, not {value}")
        return super().__new__(cls, value)

    def __repr__(self) -> str:
        at = _host.host.pid_node(int(self))
        return f"<{'0' if at == _host.host.node_name() else at}.{int(self)}>"

    __str__ = __repr__

    def send(self, message: Any) -> None:
        """Sends ``message`` to this process: bytes as they are, anything else as JSON.

        Like Erlang's ``!`` it does not tell whether the message arrived: a message to a
        dead process is dropped.

        Raises :class:`~hatchery.TooBigError` over the node's message size limit,
        ``TypeError`` / ``ValueError`` for a value JSON cannot hold.
        """
        _host.call(_host.host.send, int(self), to_bytes(message))
