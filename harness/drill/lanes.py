"""Lanes: N copies of the target in one drill, each with its own stub, load and faults, judged apart.

Example:
    >>> lane_names(3)
    ['a', 'b', 'c']
    >>> in_lane({"lane": "b", "alertname": "X"}, "b", set()), in_lane({"instance": "127.0.0.1:1"}, "a", {"127.0.0.1:2"})
    (True, False)
"""

from __future__ import annotations

import string

from harness.drill.model import Phase
from harness.stub.faults import to_control


def lane_names(count: int) -> list[str]:
    return list(string.ascii_lowercase[:count]) if count <= 26 else [str(i) for i in range(count)]


def faults_for(phase: Phase, lane: str, k: float = 1.0) -> list[dict[str, object]]:
    """The phase's faults for one lane, as the control API takes them (a fault with ``lanes`` only there)."""
    return [to_control(fault, k) for fault in phase.faults if fault.lanes is None or lane in fault.lanes]


def in_lane(labels: dict[str, str], lane: str, addresses: set[str]) -> bool:
    """An alert belongs to a lane by its lane or instance label; one that aggregated both away to all lanes."""
    if "lane" in labels:
        return labels["lane"] == lane
    if "instance" in labels:
        return labels["instance"] in addresses
    return True
