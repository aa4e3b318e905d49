"""The conformance protocol (modules/conformance/PROTOCOL.md) for the Python guests:
commands in, replies out. All integers are little-endian."""

import struct
from dataclasses import dataclass

import hatchery

MAGIC = 0xC0
"""The first byte of a command."""
REPLY = 0xC1
"""The first byte of a reply."""

# From offset 1: op, six zero bytes, a, b, c, len1, len2.
_HEADER = struct.Struct("<B6xqqqII")
# magic, op, r, x, y, len, then four zero bytes.
_REPLY = struct.Struct("<BB6xqqqI4x")


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command."""

    op: int
    a: int
    b: int
    c: int
    s1: bytes
    s2: bytes


def is_command(data: bytes) -> bool:
    """Whether a user message is a command (its first byte is 0xC0)."""
    return data[:1] == bytes([MAGIC])


def op_of(data: bytes) -> int:
    """A message's op byte, 0 when it is too short to have one."""
    return data[1] if len(data) > 1 else 0


def parse(data: bytes) -> Command | None:
    """The command in ``data``; ``None`` when it is shorter than what it says it holds."""
    if len(data) < 40:
        return None
    op, a, b, c, len1, len2 = _HEADER.unpack_from(data, 1)
    if len(data) < 40 + len1 + len2:
        return None
    return Command(op, a, b, c, data[40 : 40 + len1], data[40 + len1 : 40 + len1 + len2])


def reply(to: hatchery.Pid, op: int, r: int, x: int = 0, y: int = 0, data: bytes = b"") -> None:
    """Sends a reply to ``to``; a reply that cannot go (too big) is dropped, as the
    harness then reports the missing reply."""
    try:
        head = _REPLY.pack(REPLY, op, _i64(r), _i64(x), _i64(y), len(data))
        hatchery.send(to, head + data)
    except hatchery.HatcheryError:
        pass


def _i64(value: int) -> int:
    """A u64 from the host (a pid, a reference) as the protocol's i64."""
    return (value + (1 << 63)) % (1 << 64) - (1 << 63)
