"""bench_py_noop: returns at once. Spawning it measures a Python process's start and end."""


class WitWorld:
    """The exports of the world ``process``."""

    def run(self) -> None:
        pass
