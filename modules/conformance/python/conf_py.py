"""conf_py: the conformance suite's command interpreter, written with the Python SDK
(modules/conformance/PROTOCOL.md). World ``process``: ``run`` is the process.

Each command makes exactly one SDK call; errors the SDK raises are turned back into the
ABI's codes for the reply.
"""

import json

import hatchery
import protocol
from hatchery import ExitReason, HatcheryError, Pid

BAD_ARG = hatchery.BadArgError.code
TIMEOUT = hatchery.Timeout.code
NOPROC = hatchery.NoProcError.code
NOT_FOUND = hatchery.NotFoundError.code


class WitWorld:
    """The exports of the world ``process``."""

    def run(self) -> None:
        while True:
            sender, data = hatchery.receive_match(_command)
            cmd = protocol.parse(data)
            if cmd is None:
                protocol.reply(sender, protocol.op_of(data), BAD_ARG)
            else:
                _run(sender, cmd)


def _command(m: hatchery.Message):
    """The protocol's filter: the oldest user message that is a command."""
    if isinstance(m, hatchery.UserMessage) and protocol.is_command(m.data):
        return (m.sender, m.data)
    return None


def _text(data: bytes) -> str:
    """Bytes as text, or U+FFFD when they are not UTF-8 (as the Rust guest does)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "\ufffd"


def _pid(value: int) -> Pid:
    """An i64 of the protocol as a pid; a negative one names no process (pid 0)."""
    return Pid(value if value >= 0 else 0)


def _timeout(ms: int) -> int | None:
    """The protocol's milliseconds: negative waits forever."""
    return None if ms < 0 else ms


def _reason(kind: int, detail: bytes) -> ExitReason:
    """An exit reason from the protocol's kind and detail (the kind's low byte)."""
    return ExitReason.decode(bytes([kind & 0xFF]) + detail)


def _code(f, *args) -> int:
    """0 when ``f(*args)`` succeeds, else the ABI code of what it raised."""
    try:
        f(*args)
        return 0
    except HatcheryError as e:
        return e.code


def _run(sender: Pid, cmd: protocol.Command) -> None:
    op, a, b, s1, s2 = cmd.op, cmd.a, cmd.b, cmd.s1, cmd.s2

    def done(r: int, x: int = 0, y: int = 0, data: bytes = b"") -> None:
        protocol.reply(sender, op, r, x, y, data)

    match op:
        case 1:
            done(hatchery.self_pid())
        case 2:
            done(hatchery.parent() or 0)
        case 3:
            done(0, data=hatchery.args())
        case 4:
            try:
                if a & 2:
                    pid, ref = hatchery.spawn_monitor(_text(s1), s2, link=bool(a & 1))
                else:
                    pid, ref = hatchery.spawn(_text(s1), s2, link=bool(a & 1)), 0
                done(pid, ref)
            except HatcheryError as e:
                done(e.code)
        case 5:
            done(_code(hatchery.send, _pid(a), s1))
        case 6:
            done(_code(hatchery.send_named, _text(s1), s2))
        case 7:
            _recv(done, a, b)
        case 8:
            done(_code(hatchery.take, a))
        case 9:
            done(hatchery.mailbox_len())
        case 10:
            done(_code(hatchery.link, _pid(a)))
        case 11:
            hatchery.unlink(_pid(a))
            done(0)
        case 12:
            done(int(hatchery.trap_exit(a != 0)))
        case 13:
            hatchery.exit(_reason(a, s1))
        case 14:
            done(_code(hatchery.exit_signal, _pid(a), _reason(b, s1)))
        case 15:
            done(hatchery.monitor(_pid(a)))
        case 16:
            removed = a >= 0 and hatchery.demonitor(a, flush=bool(b & 1))
            done(0 if removed else NOT_FOUND)
        case 17:
            done(_code(hatchery.register, _text(s1), _pid(a)))
        case 18:
            done(_code(hatchery.unregister, _text(s1)))
        case 19:
            try:
                done(hatchery.whereis(_text(s1)) or 0)
            except HatcheryError:
                done(0)  # a name no process can have is free, as the Rust guest says
        case 20:
            try:
                done(hatchery.send_after(_pid(a), max(b, 0), s1))
            except HatcheryError as e:
                done(e.code)
        case 21:
            left = hatchery.cancel_timer(a) if a >= 0 else None
            done(NOT_FOUND if left is None else left)
        case 22:
            done(hatchery.make_ref())
        case 23:
            done(hatchery.now_ms())
        case 24:
            _receive(done, a, b, s1)
        case 25:
            _call(done, a, b, s1)
        case 26:
            try:
                message = hatchery.from_json(s1)
            except ValueError:
                message = None  # as the Rust guest: what does not parse is sent as null
            done(_code(hatchery.cast, _pid(a), message))
        case 27:
            # bad_pointer: a component passes values, not pointers (the harness marks it
            # not applicable), so there is no pointer to get wrong.
            done(BAD_ARG)
        case 28:
            raise RuntimeError("conf_py: crash requested")
        case 29:
            print(_text(s1))
            done(0)
        case 30:
            # s1 is the name then the node; a is the name's length.
            if 0 <= a <= len(s1):
                done(_code(hatchery.send_named_at, _text(s1[:a]), _text(s1[a:]), s2))
            else:
                done(BAD_ARG)
        case 31:
            name = hatchery.node().encode()
            done(len(name), data=name)
        case 32:
            names = "".join(f"{name}\n" for name in hatchery.nodes()).encode()
            done(len(names), data=names)
        case 33:
            name = hatchery.pid_node(_pid(a)).encode()
            done(len(name), data=name)
        case 34:
            # The SDK's flag is a boolean: another flag is answered here.
            if a in (0, 1):
                done(_code(hatchery.monitor_node, _text(s1), a == 1))
            else:
                done(BAD_ARG)
        case 35:
            if a in (0, 1):
                hatchery.monitor_nodes(a == 1)
                done(0)
            else:
                done(BAD_ARG)
        case 36:
            # s1 is the node then the module; a is the node's length.
            if not 0 <= a <= len(s1):
                return done(BAD_ARG)
            at, module = _text(s1[:a]), _text(s1[a:])
            try:
                if b & 2:
                    pid, ref = hatchery.spawn_monitor_at(at, module, s2, link=bool(b & 1))
                else:
                    pid, ref = hatchery.spawn_at(at, module, s2, link=bool(b & 1)), 0
                done(pid, ref)
            except HatcheryError as e:
                done(e.code)
        case 37:
            printed = repr(_pid(a)).encode()
            done(len(printed), data=printed)
        case _:
            done(BAD_ARG)


def _recv(done, index: int, ms: int) -> None:
    """One raw recv: the message stays queued."""
    try:
        m = hatchery.recv(index, _timeout(ms))
    except HatcheryError as e:
        return done(e.code)
    data = m.abi_bytes()
    done(len(data), m.kind, m.sender, data)


def _receive(done, kind: int, ms: int, prefix: bytes) -> None:
    """The SDK's selective receive, with the protocol's filter: commands excepted, of
    ``kind`` (-1 any), a user message only when its bytes start with ``prefix``."""

    def wanted(m: hatchery.Message):
        if isinstance(m, hatchery.UserMessage) and (
            protocol.is_command(m.data) or not m.data.startswith(prefix)
        ):
            return None
        return m if kind < 0 or m.kind == kind else None

    m = hatchery.receive_match(wanted, _timeout(ms))
    if m is None:
        done(TIMEOUT)
    else:
        done(0, m.kind, m.sender, m.abi_bytes())


def _call(done, server: int, ms: int, request: bytes) -> None:
    """The SDK's gen_server call."""
    try:
        req = hatchery.from_json(request)
    except ValueError:
        return done(BAD_ARG)
    try:
        value = hatchery.call(_pid(server), req, _timeout(ms))
    except hatchery.ExitError as e:
        return done(NOPROC, data=e.reason.encode())
    except hatchery.Timeout:
        return done(TIMEOUT)
    except (HatcheryError, TypeError, ValueError):
        return done(BAD_ARG)
    done(0, data=json.dumps(value, separators=(",", ":")).encode())
