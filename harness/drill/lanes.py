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
from harness.stack.spec import Probe
from harness.stub import HEALTH_PATH
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


def probes_for(blackbox: list[str], lanes: list[str], stub_ports: list[dict[str, int]]) -> list[Probe]:
    """The blackbox exporter's probes: each named service's /health in every lane, or a URL as written.

    >>> [p.url for p in probes_for(["api", "https://example.com/up"], ["a", "b"], [{"api": 1}, {"api": 2}])]
    ['http://127.0.0.1:1/health', 'http://127.0.0.1:2/health', 'https://example.com/up']
    """
    probes = []
    for entry in blackbox:
        if entry.startswith(("http://", "https://")):
            probes.append(Probe(entry, {"lane": lanes[0]}))
            continue
        probes += [Probe(f"http://127.0.0.1:{ports[entry]}{HEALTH_PATH}", {"lane": lane})
                   for lane, ports in zip(lanes, stub_ports, strict=True)]  # fmt: skip
    return probes
