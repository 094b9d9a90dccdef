"""CPU cost of one scrape of each stub service: prometheus_client's ``generate_latest`` against the stub's cached
text format (``harness/stub/runtime/text_format.py``), which must write the same bytes.

For every profile under ``fixtures/``, builds each service's registry with the series it creates up front, records
one run of every operation and one occurrence of every event, then times repeated renders in process CPU time.
Prints, per service: exposition lines, milliseconds per scrape with each renderer, and the share of one core a
stub spends on scrapes at a 0.5 s scrape interval (x30 compression of a 15 s interval). Prints only; no assertions.

Usage::

    .venv/bin/python benchmarks/stub_exposition.py [--renders 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from prometheus_client import generate_latest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.stub.profile import load_profile  # noqa: E402
from harness.stub.runtime.metrics import ServiceMetrics  # noqa: E402
from harness.stub.runtime.text_format import TextFormat  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRAPE_INTERVAL_S = 0.5


def _cpu_ms(render: Callable[[], bytes], renders: int) -> float:
    render()  # the first render fills the cache; a drill scrapes hundreds of times
    start = time.process_time()
    for _ in range(renders):
        render()
    return (time.process_time() - start) / renders * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=50)
    args = parser.parse_args()
    print(f"{'service':28} {'lines':>6} {'generate_latest':>16} {'cached':>9} {'cores at 0.5 s':>15}")
    for path in sorted(ROOT.glob("fixtures/*/profile.yaml")):
        profile = load_profile(path)
        stub_total = [0.0, 0.0]
        for service in profile.services:
            metrics = ServiceMetrics(profile, service, values=lambda family, labels: 1.0, k=30.0)
            for op in service.operations:
                metrics.record_run(op.name, {"operation": op.name}, 200, 0.1, None)
            for event in service.events:
                metrics.record_event(event, {}, 200, 0.1, 1.0)
            text = TextFormat()
            lines = metrics.exposition().count(b"\n")
            plain = _cpu_ms(partial(generate_latest, metrics.registry), args.renders)
            cached = _cpu_ms(partial(text.render, metrics.registry), args.renders)
            stub_total[0] += plain
            stub_total[1] += cached
            print(f"{service.name:28} {lines:6d} {plain:13.1f} ms {cached:6.1f} ms")
        cores = [ms / 1000 / SCRAPE_INTERVAL_S for ms in stub_total]
        print(f"{'  stub ' + path.parent.name:28} {'':6} {stub_total[0]:13.1f} ms {stub_total[1]:6.1f} ms "
              f"{cores[0]:6.2f} -> {cores[1]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
