"""The suites' dashboards and traffic that gives every one of their panels data, for the live dashboard tests."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from harness.drill.model import load_scenario
from harness.stack import Component
from harness.stack.processes import find_binary
from harness.stack.spec import image_for

ROOT = Path(__file__).resolve().parents[2]


def suite_dashboards(profile: str = "customerio") -> list[Path]:
    """Every dashboard a scenario of scenarios/ on ``profile`` provisions or expects, once each (the traffic and
    faults below are that profile's; other suites' dashboards are checked by their own drills)."""
    found: list[Path] = []
    for path in sorted((ROOT / "scenarios").rglob("*.yaml")):
        scenario = load_scenario(path)
        if scenario.target.profile != profile:
            continue
        found += [Path(p) for p in scenario.dashboards]
        wants = [w for phase in scenario.phases for exp in phase.expect for w in exp.wants()]
        found += [Path(w.key) for w in wants if w.what == "dashboard"]
    return list(dict.fromkeys(p.resolve() for p in found))


# Faults that give every panel of the suites' dashboards data (the error ratio, bounced emails).
FAULTS = [
    {"kind": "error", "operation": "track", "rate": 0.2, "status": 503},
    {"kind": "event", "event": "email_bounced", "fraction": 0.3},
]


def grafana_provider() -> tuple[str | None, str]:
    """("processes" or "containers", "") where Grafana can run, else (None, why not)."""
    if find_binary(Component.GRAFANA):
        return "processes", ""
    image = image_for(Component.GRAFANA)
    try:
        from harness.stack.containers import docker_client, image_present

        if image_present(docker_client(timeout=3), image):
            return "containers", ""
        why = f"image {image} is not in Docker (the pre-release workflow pulls it: docker pull {image})"
    except Exception as exc:
        why = f"no Docker to run image {image} ({exc})"
    return None, f"Grafana: no `grafana` binary on PATH and {why}; not installable here"


# (path, body): the Customer.io traffic mix of scenarios/customerio/locustfile.py, without Locust.
_REQUESTS = [
    ("/v1/track", {"userId": 1, "name": "order_placed"}),
    ("/v1/identify", {"userId": 1, "traits": {"plan": "pro"}}),
    ("/v1/send/email", {"to": {"customerId": "cus_1"}, "template": "receipt"}),
    ("/v1/webhook", {"event": "delivered"}),
    ("/v1/webhook", {"event": "bounced"}),
]


def drive_mix(url: str, seconds: float, threads: int = 4) -> int:
    """POST the traffic mix for ``seconds`` (bounded), from ``threads`` keep-alive clients; requests sent."""
    deadline = time.monotonic() + seconds

    def worker(offset: int) -> int:
        sent = 0
        with httpx.Client(base_url=url, timeout=5) as client:
            while time.monotonic() < deadline:
                path, body = _REQUESTS[(sent + offset) % len(_REQUESTS)]
                client.post(path, json=body)
                sent += 1
                time.sleep(0.01)
        return sent

    with ThreadPoolExecutor(threads) as pool:
        return sum(pool.map(worker, range(threads)))
