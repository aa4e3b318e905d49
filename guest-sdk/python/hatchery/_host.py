"""The one module that touches the generated bindings.

componentize-py generates ``wit_world`` at build time from guest-sdk/wit (any of the
three worlds: each imports the same ``host`` interface). A host function whose WIT result
is ``result<T, error-code>`` raises ``componentize_py_types.Err`` holding the enum value;
:func:`call` turns that into the SDK's exception for the code.

The WIT types are unsigned (``u64`` pids and references, ``u32`` indexes); the bindings
abort the whole process on a negative or oversized integer, so the helpers here range
check what user code hands over first.
"""

from collections.abc import Callable
from typing import Any

from componentize_py_types import Err
from wit_world.imports import host

from . import errors

U32_MAX = (1 << 32) - 1
U64_MAX = (1 << 64) - 1

__all__ = ["Err", "host", "call", "pid", "u32", "u64"]


def call(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with a failed WIT result raised as the SDK's exception."""
    try:
        return fn(*args)
    except Err as e:
        raise errors.from_wit(e.value) from None


def pid(value: int) -> int:
    """A pid for the host. Like the core ABI, a value that cannot be a pid (negative, or
    past 64 bits) stands for a dead process: 0, which is never alive."""
    value = int(value)
    return value if 0 <= value <= U64_MAX else 0


def u64(value: int, what: str) -> int:
    """``value`` as a ``u64`` argument; :class:`~hatchery.BadArgError` when it is not one."""
    value = int(value)
    if not 0 <= value <= U64_MAX:
        raise errors.BadArgError(f"{what} must be in 0..2**64-1, not {value}")
    return value


def u32(value: int, what: str) -> int:
    """``value`` as a ``u32`` argument; :class:`~hatchery.BadArgError` when it is not one."""
    value = int(value)
    if not 0 <= value <= U32_MAX:
        raise errors.BadArgError(f"{what} must be in 0..2**32-1, not {value}")
    return value
