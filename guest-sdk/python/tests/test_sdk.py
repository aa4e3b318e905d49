"""Unit tests of the SDK's pure logic against a fake host (tests/fake_host.py):

    cd guest-sdk/python && python3 -m unittest discover -s tests
"""

import contextlib
import io
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(1, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fake_host import Exited, host, node  # noqa: E402  (installs the fake bindings first)

import hatchery  # noqa: E402
from hatchery import ExitReason, Pid, ReasonKind  # noqa: E402


def user(sender, data):
    return node.user(sender, data)


def down(pid, ref, reason=None):
    reason = reason or host.Reason_Normal()
    return host.Message_Down(host.DownMessage(pid, ref, reason))


def exit_message(sender, reason):
    return host.Message_Exit(host.ExitMessage(sender, reason))


class Reasons(unittest.TestCase):
    ALL = [
        hatchery.NORMAL,
        hatchery.KILLED,
        hatchery.NOPROC,
        hatchery.NOCONNECTION,
        hatchery.SHUTDOWN,
        ExitReason.trap("wasm trap: unreachable\n0: main"),
        ExitReason.limit("memory"),
        ExitReason.custom(b"\xff\x00\x01"),
        ExitReason.custom(b""),
        ExitReason.undef("module nope is not loaded"),
    ]

    def test_encode_decode_round_trip(self):
        for reason in self.ALL:
            self.assertEqual(ExitReason.decode(reason.encode()), reason, str(reason))
            self.assertEqual(ExitReason.from_wit(reason.to_wit()), reason, str(reason))

    def test_encoding_follows_the_abi_table(self):
        self.assertEqual(hatchery.NORMAL.encode(), b"\x00")
        self.assertEqual(hatchery.SHUTDOWN.encode(), b"\x04")
        self.assertEqual(ExitReason.trap("x").encode(), b"\x05x")
        self.assertEqual(ExitReason.custom("exit status 3").encode(), b"\x07exit status 3")
        self.assertEqual(ExitReason.undef("m").encode(), b"\x08m")

    def test_decode_is_total(self):
        self.assertEqual(ExitReason.decode(b""), ExitReason.custom(b""))
        self.assertEqual(ExitReason.decode(b"\x09\x01"), ExitReason.custom(b"\x09\x01"))
        self.assertEqual(ExitReason.decode(b"\x04\x01\x02"), hatchery.SHUTDOWN)
        self.assertEqual(ExitReason.decode(b"\x05\xffa").text, "\ufffda")

    def test_display(self):
        self.assertEqual(str(hatchery.NOPROC), "noproc")
        self.assertEqual(str(ExitReason.custom("bye")), "custom: bye")
        self.assertEqual(str(ExitReason.custom(b"\xff\x00")), "custom: 0xff00")
        self.assertEqual(ExitReason.of("x").kind, ReasonKind.CUSTOM)


class Mailbox(unittest.TestCase):
    def setUp(self):
        node.reset()

    def test_takes_the_first_match_and_keeps_the_rest_in_order(self):
        node.deliver(user(1, b"a"), user(2, b"b"), user(3, b"c"))
        m = hatchery.receive(lambda m: m.data == b"b", timeout_ms=0)
        self.assertEqual((m.sender, m.data), (2, b"b"))
        self.assertEqual([m.value.data for m in node.queue], [b"a", b"c"])

    def test_timeout_zero_looks_only_at_what_is_queued(self):
        node.deliver(user(1, b"a"))
        node.arriving.append(user(1, b"late"))
        self.assertIsNone(hatchery.receive(lambda m: m.data == b"late", timeout_ms=0))
        self.assertEqual(node.clock, 1000)

    def test_a_finite_timeout_is_one_deadline(self):
        node.deliver(user(1, b"a"), user(1, b"b"))
        self.assertIsNone(hatchery.receive(lambda m: False, timeout_ms=150))
        self.assertEqual(node.clock, 1150)

    def test_a_finite_wait_ends_with_an_arrival(self):
        node.arriving += [user(1, b"n"), user(1, b"y")]
        m = hatchery.receive(lambda m: m.data.startswith(b"y"), timeout_ms=60_000)
        self.assertEqual(m.data, b"y")
        self.assertEqual(len(node.queue), 1)

    def test_exit_and_down_messages(self):
        node.deliver(exit_message(4, host.Reason_Custom(b"bye")), down(5, 42))
        m = hatchery.receive(lambda m: isinstance(m, hatchery.DownMessage), timeout_ms=0)
        self.assertEqual((m.pid, m.monitor, m.reason), (5, 42, hatchery.NORMAL))
        self.assertEqual(m.abi_bytes(), (42).to_bytes(8, "little") + b"\x00")
        m = hatchery.receive(timeout_ms=0)
        self.assertEqual((m.sender, m.reason), (4, ExitReason.custom("bye")))

    def test_receive_json_skips_what_is_not_json(self):
        node.deliver(user(1, b"\xff"), user(2, b"{bad"), user(3, b'{"ok": [1]}'))
        self.assertEqual(hatchery.receive_json(timeout_ms=0), (3, {"ok": [1]}))
        self.assertEqual(len(node.queue), 2)

    def test_json_nested_too_deep_is_not_json(self):
        ok = b'{"a": "[[[[", "b": ' + b"[" * 120 + b"]" * 120 + b"}"
        deep = b'{"a": ' + b"[" * 129 + b"]" * 129 + b"}"
        node.deliver(user(1, deep), user(2, ok))
        self.assertEqual(hatchery.receive_json(timeout_ms=0)[0], 2)
        self.assertIsNone(hatchery.UserMessage(Pid(1), deep).json_object())
        with self.assertRaises(ValueError):
            hatchery.from_json(b"[" * 100_000)

    def test_raw_recv_checks_its_index(self):
        with self.assertRaises(hatchery.BadArgError):
            hatchery.recv(-1, 0)
        with self.assertRaises(hatchery.Timeout):
            hatchery.recv(0, 0)
        with self.assertRaises(hatchery.NoMessageError):
            hatchery.take(0)

    def test_a_negative_timeout_is_refused(self):
        with self.assertRaises(ValueError):
            hatchery.receive(timeout_ms=-1)

    def test_values_travel_as_json_and_bytes_as_they_are(self):
        hatchery.send(Pid(3), {"pid": Pid(9)})
        hatchery.send(3, b"raw")
        hatchery.send(-5, b"to nobody")  # a pid that cannot exist names no process: 0
        self.assertEqual(node.sent, [(3, b'{"pid":9}'), (3, b"raw"), (0, b"to nobody")])
        self.assertEqual(repr(Pid(12)), "<0.12>")

    def test_send_named_at_this_node_or_another(self):
        self.assertEqual(hatchery.node(), "nonode")
        hatchery.send_named_at("known", hatchery.node(), b"here")
        hatchery.send_named_at("anyone", "elsewhere", {"n": 1})
        self.assertEqual(
            node.sent_named, [("known", "nonode", b"here"), ("anyone", "elsewhere", b'{"n":1}')]
        )
        with self.assertRaises(hatchery.NotRegisteredError):
            hatchery.send_named_at("nobody", "nonode", b"x")


    def test_nodes_and_pids_of_other_nodes(self):
        self.assertEqual(hatchery.nodes(), [])
        self.assertEqual(hatchery.pid_node(hatchery.self_pid()), "nonode")
        self.assertEqual(hatchery.pid_node(77), "b")
        self.assertEqual(repr(Pid(77)), "<b.77>")
        self.assertEqual(str(hatchery.self_pid()), "<0.7>")

    def test_monitor_node_and_monitor_nodes(self):
        hatchery.monitor_node("elsewhere", True)
        m = hatchery.receive(lambda m: isinstance(m, hatchery.NodeDownMessage), timeout_ms=0)
        self.assertEqual((m.node, m.sender, m.kind), ("elsewhere", 0, hatchery.KIND_NODEDOWN))
        self.assertEqual(m.abi_bytes(), b"elsewhere")
        hatchery.monitor_node("elsewhere", False)
        self.assertEqual(node.node_monitors, [("elsewhere", True), ("elsewhere", False)])
        with self.assertRaises(hatchery.BadNameError):
            hatchery.monitor_node("")
        hatchery.monitor_nodes(True)
        self.assertTrue(node.monitors_nodes)
        node.deliver(host.Message_Nodeup("b"))
        m = hatchery.receive(timeout_ms=0)
        self.assertEqual((type(m), m.node), (hatchery.NodeUpMessage, "b"))

    def test_spawn_at(self):
        self.assertEqual(hatchery.spawn_at("nonode", "worker", {"n": 1}, link=True), 501)
        pid, ref = hatchery.spawn_monitor_at("nonode", "worker")
        self.assertEqual((pid, ref > 0), (502, True))
        self.assertEqual(
            node.spawned, [("worker", b'{"n":1}', True, False), ("worker", b"", False, True)]
        )
        with self.assertRaises(hatchery.NoProcError):
            hatchery.spawn_at("elsewhere", "worker")


class Client(unittest.TestCase):
    def setUp(self):
        node.reset()

    def test_call_takes_only_its_own_reply(self):
        def server(to, data):
            ref = json.loads(data)["$call"]["ref"]
            node.arriving += [
                user(to, b'{"$reply": {"ref": %d, "value": "other"}}' % (ref + 1)),
                user(to, b'{"$reply": {"ref": true, "value": "bool"}}'),
                user(to, b' { "$reply" : { "value" : [1, 2], "ref" : %d } } ' % ref),
            ]

        node.on_send = server
        self.assertEqual(hatchery.call(9, "get", timeout_ms=1000), [1, 2])
        self.assertEqual(json.loads(node.sent[0][1]), {"$call": {"ref": 101, "req": "get"}})
        self.assertEqual(len(node.queue), 2, "the other replies stay queued")
        self.assertEqual(node.monitors, set(), "the monitor is removed")

    def test_call_to_a_dead_server(self):
        node.on_send = lambda to, data: node.arriving.append(down(to, 101, host.Reason_Noproc()))
        with self.assertRaises(hatchery.ExitError) as e:
            hatchery.call(9, "get")
        self.assertEqual(e.exception.reason, hatchery.NOPROC)
        self.assertEqual(e.exception.code, -2)

    def test_call_timeout_leaves_nothing_behind(self):
        with self.assertRaises(hatchery.Timeout):
            hatchery.call(9, "get", timeout_ms=100)
        self.assertEqual(node.monitors, set())

    def test_cast(self):
        hatchery.cast(9, {"n": 1})
        self.assertEqual(node.sent, [(9, b'{"$cast":{"n":1}}')])


class Counter(hatchery.Server):
    def __init__(self):
        self.count = 0
        self.log = []

    def handle_call(self, request, caller):
        if request == "stop":
            raise hatchery.Stop("asked", reply="bye")
        if request == "later":
            return hatchery.NO_REPLY
        return self.count

    def handle_cast(self, n):
        self.count += n

    def handle_info(self, message):
        self.log.append(message)

    def terminate(self, reason):
        self.log.append(("terminate", reason))


class Servers(unittest.TestCase):
    def setUp(self):
        node.reset()
        self.world = hatchery.server_world(Counter)()
        self.world.start()

    def handle(self, message):
        self.world.handle(message)

    def state(self):
        return hatchery.server._server

    def test_call_cast_info(self):
        self.handle(user(5, b'{"$cast": 4}'))
        self.handle(user(5, b'{"$call": {"ref": 8, "req": "get"}}'))
        self.handle(user(5, b'{"$call": {"ref": 9, "req": "later"}}'))
        self.handle(user(5, b"plain"))
        self.handle(user(5, b'["$call"]'))
        self.handle(host.Message_Nodedown("elsewhere"))
        self.assertEqual(node.sent, [(5, b'{"$reply":{"ref":8,"value":4}}')])
        self.assertEqual(
            [m.abi_bytes() for m in self.state().log], [b"plain", b'["$call"]', b"elsewhere"]
        )

    def test_stop_replies_terminates_and_exits(self):
        with self.assertRaises(Exited) as e:
            self.handle(user(5, b'{"$call": {"ref": 3, "req": "stop"}}'))
        self.assertEqual(node.sent, [(5, b'{"$reply":{"ref":3,"value":"bye"}}')])
        self.assertEqual(e.exception.reason, host.Reason_Custom(b"asked"))
        self.assertEqual(self.state().log, [("terminate", ExitReason.custom("asked"))])

    def test_an_exit_from_the_parent_ends_the_server(self):
        self.handle(exit_message(4, host.Reason_Shutdown()))  # not the parent: info
        with self.assertRaises(Exited) as e:
            self.handle(exit_message(1, host.Reason_Shutdown()))
        self.assertEqual(e.exception.reason, host.Reason_Shutdown())
        self.assertEqual(self.state().log[-1], ("terminate", hatchery.SHUTDOWN))

    def test_the_state_survives_an_upgrade(self):
        self.handle(user(5, b'{"$cast": 40}'))
        saved = self.world.state_save()
        fresh = hatchery.server_world(Counter)()
        fresh.code_change(1, saved)
        self.assertEqual(self.state().count, 40)

    def test_a_refused_upgrade(self):
        with self.assertRaises(sys.modules["componentize_py_types"].Err) as e:
            self.world.code_change(1, b"[1, 2]")
        self.assertIn("not a JSON object", e.exception.value)

    def test_a_reply_that_cannot_go_does_not_crash(self):
        class Odd(Counter):
            def handle_call(self, request, caller):
                return {1, 2}  # a set is not JSON

        world = hatchery.server_world(Odd)()
        world.start()
        with contextlib.redirect_stderr(io.StringIO()) as err:
            world.handle(user(5, b'{"$call": {"ref": 1, "req": null}}'))
        self.assertEqual(node.sent, [])
        self.assertIn("could not be sent", err.getvalue())


if __name__ == "__main__":
    unittest.main()
