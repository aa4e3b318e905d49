"""Exit reasons and their byte encoding (guest-sdk/ABI.md §3).

A reason is a kind (0–8) and a detail. On the wire, as the core ABI and the conformance
protocol carry it, it is one kind byte followed by the detail bytes::

    >>> r = ExitReason.custom("timeout")
    >>> r.encode()
    b'\\x07timeout'
    >>> ExitReason.decode(b"\\x07timeout") == r
    True
    >>> str(r)
    'custom: timeout'
    >>> ExitReason.decode(b"\\x00").is_normal
    True
"""

from dataclasses import dataclass
from enum import IntEnum

from ._host import host


class ReasonKind(IntEnum):
    """The kind byte of an exit reason."""

    NORMAL = 0
    """The entry returned, or ``exit(NORMAL)``."""
    KILLED = 1
    """The process received the untrappable ``kill`` signal."""
    NOPROC = 2
    """A link or monitor named a process that was already dead."""
    NOCONNECTION = 3
    """The process's node became unreachable (reserved for multi-node)."""
    SHUTDOWN = 4
    """An orderly stop requested by a supervisor or the node."""
    TRAP = 5
    """The guest trapped (an uncaught exception); the detail is the trap text."""
    LIMIT = 6
    """A per-process cap was hit: ``memory`` or ``mailbox``."""
    CUSTOM = 7
    """A reason of the guest's choosing (any bytes)."""
    UNDEF = 8
    """The process could not start; the detail says what was missing."""


# Kinds whose detail is text (kept as UTF-8, made valid on decode).
_TEXT_KINDS = {ReasonKind.TRAP, ReasonKind.LIMIT, ReasonKind.UNDEF}


@dataclass(frozen=True, slots=True)
class ExitReason:
    """Why a process ended: a :class:`ReasonKind` and a detail (empty for kinds 0–4).

    Use the constants :data:`NORMAL`, :data:`KILLED`, :data:`NOPROC`,
    :data:`NOCONNECTION`, :data:`SHUTDOWN` and the constructors :meth:`custom`,
    :meth:`trap`, :meth:`limit`, :meth:`undef`. Reasons compare by value.
    """

    kind: ReasonKind
    detail: bytes = b""

    def __post_init__(self):
        kind = ReasonKind(self.kind)  # ValueError for a kind the ABI does not know
        detail = bytes(self.detail) if kind > ReasonKind.SHUTDOWN else b""
        if kind in _TEXT_KINDS:
            detail = detail.decode("utf-8", "replace").encode()
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "detail", detail)

    @classmethod
    def custom(cls, detail: str | bytes) -> "ExitReason":
        """A ``custom`` reason; text is encoded as UTF-8."""
        return cls(ReasonKind.CUSTOM, _bytes(detail))

    @classmethod
    def trap(cls, text: str) -> "ExitReason":
        """A ``trap`` reason (for comparisons: ``exit`` cannot end a process with it)."""
        return cls(ReasonKind.TRAP, _bytes(text))

    @classmethod
    def limit(cls, what: str) -> "ExitReason":
        """A ``limit`` reason: ``memory`` or ``mailbox``."""
        return cls(ReasonKind.LIMIT, _bytes(what))

    @classmethod
    def undef(cls, what: str) -> "ExitReason":
        """An ``undef`` reason."""
        return cls(ReasonKind.UNDEF, _bytes(what))

    @classmethod
    def of(cls, reason: "ExitReason | str | bytes") -> "ExitReason":
        """``reason`` itself, or a ``custom`` reason from text or bytes."""
        return reason if isinstance(reason, ExitReason) else cls.custom(reason)

    @property
    def is_normal(self) -> bool:
        """Whether this is ``normal``."""
        return self.kind == ReasonKind.NORMAL

    @property
    def text(self) -> str:
        """The detail as text (invalid UTF-8 replaced)."""
        return self.detail.decode("utf-8", "replace")

    def encode(self) -> bytes:
        """The wire form: the kind byte, then the detail."""
        return bytes([self.kind]) + self.detail

    @classmethod
    def decode(cls, data: bytes) -> "ExitReason":
        """Reads the wire form. It never fails: bytes that are no reason (empty, or an
        unknown kind from a newer host) become ``custom`` holding all of them."""
        if not data or data[0] > ReasonKind.UNDEF:
            return cls(ReasonKind.CUSTOM, bytes(data))
        return cls(ReasonKind(data[0]), bytes(data[1:]))

    def __str__(self) -> str:
        """``normal``, ``killed``, …, ``custom: <detail>`` (hex as ``0x..`` when the
        detail is not UTF-8), ``trap: <text>``."""
        name = self.kind.name.lower()
        if self.kind <= ReasonKind.SHUTDOWN:
            return name
        try:
            detail = self.detail.decode("utf-8")
        except UnicodeDecodeError:
            detail = "0x" + self.detail.hex()
        return f"{name}: {detail}"

    def to_wit(self):
        """The WIT ``reason`` value."""
        make = _TO_WIT[self.kind]
        if self.kind == ReasonKind.CUSTOM:
            return make(self.detail)
        if self.kind in _TEXT_KINDS:
            return make(self.text)
        return make()

    @classmethod
    def from_wit(cls, reason) -> "ExitReason":
        """The reason a WIT ``reason`` value stands for."""
        kind = _FROM_WIT[type(reason).__name__]
        value = getattr(reason, "value", b"")
        return cls(kind, value.encode() if isinstance(value, str) else bytes(value))


def _bytes(detail: str | bytes) -> bytes:
    return detail.encode() if isinstance(detail, str) else bytes(detail)


_TO_WIT = {
    ReasonKind.NORMAL: host.Reason_Normal,
    ReasonKind.KILLED: host.Reason_Killed,
    ReasonKind.NOPROC: host.Reason_Noproc,
    ReasonKind.NOCONNECTION: host.Reason_Noconnection,
    ReasonKind.SHUTDOWN: host.Reason_Shutdown,
    ReasonKind.TRAP: host.Reason_Trap,
    ReasonKind.LIMIT: host.Reason_Limit,
    ReasonKind.CUSTOM: host.Reason_Custom,
    ReasonKind.UNDEF: host.Reason_Undef,
}
_FROM_WIT = {cls.__name__: kind for kind, cls in _TO_WIT.items()}

NORMAL = ExitReason(ReasonKind.NORMAL)
"""The process finished its work."""
KILLED = ExitReason(ReasonKind.KILLED)
"""The process was killed; as an exit signal, the untrappable ``kill``."""
NOPROC = ExitReason(ReasonKind.NOPROC)
"""The process was already dead."""
NOCONNECTION = ExitReason(ReasonKind.NOCONNECTION)
"""The process's node became unreachable."""
SHUTDOWN = ExitReason(ReasonKind.SHUTDOWN)
"""An orderly stop."""
