"""How many drills run at once: each drill's estimated load against the machine's measured headroom.

A drill waits on the clock, not on the machine: at x30 the Customer.io suite kept 2 cores 43% busy when run two at
a time. What a drill costs is its load: Locust and the stub, per user and lane. Its stack is cheap: measured on
this project's 2-core machine (``benchmarks/suite_wall.py`` prints the figures again), one Locust user of the
Customer.io locustfiles costs at most 0.045 of a core with its share of the stub (about half each); a drill's
Prometheus, Alertmanager, Jaeger, observer and sink about 0.08 together. Memory: about 150 MB for the stack and
115 MB per lane (stub and Locust).

The drills start longest schedule first (so the longest is never the last to start), and a drill starts when
its estimated load fits in the headroom, beside the drills already running; a drill too heavy for the machine on
its own runs alone. The headroom is measured before the run, and again while drills wait
(:class:`~harness.drill.headroom.HeadroomMonitor`: someone else's work that ended frees room, work that began
takes it). ``--parallel N`` replaces the estimate with "at most N at once".

Example:
    >>> from harness.drill.model import load_scenario
    >>> drills = [load_scenario(f"scenarios/customerio/{n}.yaml") for n in ("baseline", "backlog", "latency")]
    >>> two_idle_cores = Headroom(cpus=2, idle_cores=2.0, memory_mb=20_000)
    >>> packing = choose_packing(drills, "auto", two_idle_cores)
    >>> [drills[i].name for i in packing.order], packing.most_at_once()
    (['customerio-backlog', 'customerio-latency', 'customerio-baseline'], 3)
    >>> choose_packing(drills, 2).most_at_once()
    2
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from harness.drill.headroom import Headroom
from harness.drill.model import Scenario
from harness.stub.profile import ProfileError, load_profile

# One Locust user of the Customer.io locustfile (wait_time between(0.02, 0.06)), measured; a user that waits
# longer between requests costs less, in proportion to its request rate (see user_pace).
CORES_PER_USER = 0.045
_CALIBRATION_WAIT_S = 0.04
_REQUEST_S = 0.02  # a request's own time on this machine (stub and Locust), beside the wait
CORES_PER_DRILL = 0.08
# Each service of a profile beyond the first: one more scrape target every scrape interval (0.5 s at x30), its
# spans and logs. Measured: TokPulse's six services take about twice Customer.io's one at the same load.
CORES_PER_EXTRA_SERVICE = 0.06
MB_PER_DRILL = 150.0
MB_PER_LANE = 115.0
# Wall seconds a drill takes beyond its schedule: Prometheus's first scrape (its discovery sends targets at most
# every 5 s), the spans and dashboards of the last phase, teardown. Only used to print the expected wall time.
OVERHEAD_S = 7.0
# Leave this share of the free memory to everything else.
MEMORY_SHARE = 0.5

Parallel = int | Literal["auto"]


def parse_parallel(text: str) -> Parallel:
    """``auto`` or a positive count (argparse type and pytest option).

    Example:
        >>> parse_parallel("auto"), parse_parallel("3")
        ('auto', 3)
    """
    if text.strip().lower() == "auto":
        return "auto"
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"{text!r}: expected auto or a whole number >= 1")
    return count


@dataclass(frozen=True)
class DrillCost:
    """One drill's schedule (wall seconds) and its estimated load."""

    name: str
    schedule_s: float
    cores: float
    memory_mb: float


def drill_cost(scenario: Scenario, compress: float | None = None) -> DrillCost:
    """A drill's wall-clock schedule and estimated cores and memory, from its phases and load.

    Example:
        >>> from harness.drill.model import load_scenario
        >>> drill_cost(load_scenario("scenarios/customerio/below-threshold.yaml"))
        DrillCost(name='customerio-below-threshold', schedule_s=24.0, cores=0.53, memory_mb=380.0)
    """
    k = compress if compress is not None else scenario.compress
    schedule_s = sum(phase.duration for phase in scenario.phases) / k
    lanes = scenario.target.lanes
    users = 0
    if scenario.load is not None:
        users = max(phase.users if phase.users is not None else scenario.load.users for phase in scenario.phases)
    pace = user_pace(Path(scenario.load.locustfile)) if scenario.load is not None else 1.0
    services = _service_count(scenario.target.profile, scenario.base_dir)
    cores = CORES_PER_DRILL + (CORES_PER_USER * pace * users + CORES_PER_EXTRA_SERVICE * (services - 1)) * lanes
    memory = MB_PER_DRILL + (MB_PER_LANE * lanes if scenario.target.profile is not None or users else 0.0)
    return DrillCost(scenario.name, round(schedule_s, 3), round(cores, 3), memory)


@cache
def _service_count(profile: str | None, base_dir: Path) -> int:
    """How many services the drill's stub serves (1 for a URL target or a profile that cannot be read here)."""
    if profile is None:
        return 1
    try:
        return len(load_profile(profile, base_dir).services)
    except ProfileError:
        return 1


@cache
def user_pace(locustfile: Path) -> float:
    """How busy one user of ``locustfile`` keeps the machine, relative to the calibration's user: the ratio of
    request rates, from the fastest ``wait_time`` its user classes declare (``between``, ``constant``,
    ``constant_pacing``, ``constant_throughput``); 1.0 when it declares none that can be read.

    Example:
        >>> user_pace(Path("scenarios/customerio/locustfile.py"))
        1.0
        >>> round(user_pace(Path("scenarios/cs-fte/locustfile.py")), 2)   # between(0.05, 0.2)
        0.41
    """
    try:
        tree = ast.parse(locustfile.read_text())
    except (OSError, SyntaxError, ValueError):
        return 1.0
    waits = [wait for node in ast.walk(tree) if (wait := _mean_wait_s(node)) is not None and wait >= 0]
    if not waits:
        return 1.0
    return round(min(1.0, (_CALIBRATION_WAIT_S + _REQUEST_S) / (min(waits) + _REQUEST_S)), 3)


def _mean_wait_s(node: ast.AST) -> float | None:
    """The mean seconds between a user's requests, for ``wait_time = between(a, b)`` and the like."""
    if not (
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "wait_time" for t in node.targets)
    ):
        return None
    call = node.value
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
        return None
    try:
        args = [float(ast.literal_eval(arg)) for arg in call.args]
    except (ValueError, TypeError, SyntaxError):
        return None
    if call.func.id == "between" and len(args) == 2:
        return (args[0] + args[1]) / 2
    if call.func.id in ("constant", "constant_pacing") and len(args) == 1:
        return args[0]
    if call.func.id == "constant_throughput" and len(args) == 1 and args[0] > 0:
        return 1 / args[0]
    return None


@dataclass(frozen=True)
class Packing:
    """Which drills start when: longest first, each when :meth:`admits` says it fits beside the running ones."""

    costs: tuple[DrillCost, ...]
    order: tuple[int, ...]
    limit: int  # never more than this many at once
    budget_cores: float | None  # None: no CPU estimate (an explicit --parallel N)
    headroom: Headroom | None
    asked: Parallel

    def admits(self, running: Sequence[int], candidate: int, budget_cores: float | None = None) -> bool:
        """True when drill ``candidate`` may start beside the ``running`` ones.

        ``budget_cores`` is the headroom measured now (see :class:`HeadroomMonitor`), else the one at the start.
        """
        if not running:
            return True  # a drill too heavy for the machine still runs, alone
        if len(running) >= self.limit:
            return False
        if self.budget_cores is None:
            return True
        budget = budget_cores if budget_cores is not None else self.budget_cores
        load = sum(self.costs[i].cores for i in running) + self.costs[candidate].cores
        return load <= budget + 1e-9

    def to_start(self, waiting: Sequence[int], running: Sequence[int], budget_cores: float | None = None) -> list[int]:
        """The waiting drills to start now, in order (a lighter one may start while a heavier one waits)."""
        started: list[int] = []
        for candidate in waiting:
            if self.admits([*running, *started], candidate, budget_cores):
                started.append(candidate)
        return started

    def simulate(self) -> tuple[float, int]:
        """(expected wall seconds, most drills at once) if every drill takes its schedule plus OVERHEAD_S."""
        waiting, now, most = list(self.order), 0.0, 0
        running: dict[int, float] = {}  # index -> expected end
        while waiting or running:
            for index in self.to_start(waiting, list(running)):
                waiting.remove(index)
                running[index] = now + self.costs[index].schedule_s + OVERHEAD_S
            most = max(most, len(running))
            now = min(running.values())
            running = {i: end for i, end in running.items() if end > now}
        return now, most

    def most_at_once(self) -> int:
        return self.simulate()[1]

    def describe(self) -> str:
        """One line: how many at once and why, and the expected wall time against the longest schedule."""
        count = len(self.costs)
        wall, most = self.simulate()
        longest = max((c.schedule_s for c in self.costs), default=0.0)
        plural = "drill" if count == 1 else "drills"
        if most <= 1 and count > 1:
            head = f"{count} {plural} one after another"
        elif most == count:
            head = f"{count} {plural}, all at once"
        else:
            head = f"{count} {plural}, up to {most} at once, longest first"
        if self.budget_cores is None:
            why = f"asked for at most {self.asked}"
        else:
            assert self.headroom is not None
            loads = ", ".join(f"{c.name} {c.cores:.2f}" for c in sorted(self.costs, key=lambda c: -c.cores))
            why = (
                f"each starts when its estimated load fits in {self.budget_cores:.2f} cores "
                f"({self.headroom.describe()}); estimated cores: {loads}"
            )
            if self.limit < count:
                why += f"; memory allows {self.limit} at once"
        return f"{head} ({why}); expected wall ~{wall:.0f}s, longest schedule {longest:.0f}s"


def choose_packing(
    scenarios: Sequence[Scenario],
    parallel: Parallel = "auto",
    headroom: Headroom | None = None,
    compress: float | None = None,
) -> Packing:
    """The packing for these drills: ``auto`` measures the headroom (unless given) and estimates each drill."""
    costs = tuple(drill_cost(s, compress) for s in scenarios)
    order = tuple(sorted(range(len(costs)), key=lambda i: (-costs[i].schedule_s, i)))
    if parallel != "auto":
        return Packing(costs, order, max(1, parallel), None, headroom, parallel)
    headroom = headroom or Headroom.measure()
    biggest = max((c.memory_mb for c in costs), default=MB_PER_DRILL)
    by_memory = max(1, int(headroom.memory_mb * MEMORY_SHARE // biggest))
    return Packing(costs, order, min(max(1, len(costs)), by_memory), headroom.idle_cores, headroom, "auto")


__all__ = ["DrillCost", "Headroom", "Packing", "Parallel", "choose_packing", "drill_cost", "parse_parallel"]
