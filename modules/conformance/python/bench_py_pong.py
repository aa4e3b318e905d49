"""bench_py_pong: echoes every user message to its sender until one is exactly ``stop``.
Round trips against it measure a Python process's receive and send."""

import hatchery


def _user(m: hatchery.Message):
    return m if isinstance(m, hatchery.UserMessage) else None


class WitWorld:
    """The exports of the world ``process``."""

    def run(self) -> None:
        while True:
            m = hatchery.receive_match(_user)
            if m.data == b"stop":
                return
            hatchery.send(m.sender, m.data)
