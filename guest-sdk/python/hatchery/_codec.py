"""How Python values become message bytes, and back.

One rule for the whole SDK: ``bytes`` (and ``bytearray``, ``memoryview``) travel exactly as
they are; every other value travels as compact JSON text (UTF-8). So ``send(pid, b"stop")``
sends the four bytes ``stop``, while ``send(pid, "stop")`` sends the six bytes ``"stop"``.
"""

import json
import re
from typing import Any

#: Byte-like values are sent untouched.
BYTES_LIKE = (bytes, bytearray, memoryview)

MAX_JSON_DEPTH = 128
"""How deeply nested JSON from a message may be. CPython's parser recurses in C, and a
component's Wasm stack holds only about 250 levels of it: a deeper message would end the
process with ``call stack exhausted`` instead of an error. 128 is serde_json's limit, so
the Rust SDK refuses the same messages."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def to_json(value: Any) -> bytes:
    """``value`` as compact JSON bytes.

    Raises ``TypeError`` for a value JSON cannot hold and ``ValueError`` for NaN or an
    infinity (which are not JSON, so other languages could not read them).
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def to_bytes(value: Any) -> bytes:
    """The bytes that carry ``value``: byte-like values as they are, the rest as JSON."""
    if isinstance(value, BYTES_LIKE):
        return bytes(value)
    return to_json(value)


def from_json(data: bytes | str) -> Any:
    """``json.loads`` for data from other processes: bytes must be UTF-8, and a document
    nested deeper than :data:`MAX_JSON_DEPTH` is refused. Raises ``ValueError``."""
    text = bytes(data).decode("utf-8") if isinstance(data, BYTES_LIKE) else data
    if _too_deep(text):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)


def _too_deep(text: str) -> bool:
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False  # the common case, at C speed
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def json_object(data: bytes) -> dict | None:
    """``data`` as a JSON object, or ``None`` when it is not one (other JSON, not JSON,
    not UTF-8). Cheap for bytes that cannot be an object, so a receive can call it on
    every message it looks at."""
    if not data.lstrip(b" \t\r\n").startswith(b"{"):
        return None
    try:
        value = from_json(data)
    except (ValueError, RecursionError):
        # Malformed JSON, bytes that are not UTF-8, or nesting too deep: not an object
        # for us, and never a reason to crash.
        return None
    return value if isinstance(value, dict) else None
