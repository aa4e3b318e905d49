"""conf_py_server: version 1 of the conformance protocol's counter server (world
``upgradable-behaviour``)."""

import hatchery
from counter import counter

WitWorld = hatchery.server_world(counter(1))
