"""The packing decision: each drill's estimated load against the measured headroom, longest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.model import Scenario, load_scenario
from harness.drill.packing import (
    CORES_PER_DRILL,
    CORES_PER_USER,
    OVERHEAD_S,
    Headroom,
    choose_packing,
    drill_cost,
    parse_parallel,
)

SUITE = Path(__file__).parents[2] / "scenarios" / "customerio"
NAMES = ["backlog", "baseline", "below-threshold", "bounce", "error-burst", "latency"]


def _suite() -> list[Scenario]:
    return [load_scenario(SUITE / f"{name}.yaml") for name in NAMES]


def _idle(cores: float, memory_mb: float = 20_000) -> Headroom:
    return Headroom(cpus=2, idle_cores=cores, memory_mb=memory_mb)


def test_cost_is_the_load_per_user_and_lane_on_top_of_a_cheap_stack() -> None:
    backlog, baseline, below, *_ = _suite()
    # backlog: 10 users, 2 + 20 + 8 minutes at x30; below-threshold: 5 users in each of 2 lanes.
    assert drill_cost(backlog).schedule_s == 60.0
    assert drill_cost(backlog).cores == pytest.approx(CORES_PER_DRILL + 10 * CORES_PER_USER)
    assert drill_cost(below).cores == pytest.approx(CORES_PER_DRILL + 2 * 5 * CORES_PER_USER)
    assert drill_cost(below).memory_mb > drill_cost(baseline).memory_mb
    # --compress changes the schedule, not the load.
    assert drill_cost(backlog, compress=60).schedule_s == 30.0


def test_phase_users_raise_the_estimate() -> None:
    baseline = load_scenario(SUITE / "baseline.yaml")
    phases = [baseline.phases[0].model_copy(update={"users": 20})]
    assert drill_cost(baseline.model_copy(update={"phases": phases})).cores == pytest.approx(
        CORES_PER_DRILL + 20 * CORES_PER_USER
    )


def test_longest_schedule_starts_first() -> None:
    scenarios = _suite()
    packing = choose_packing(scenarios, "auto", _idle(2.0))
    assert [scenarios[i].name.removeprefix("customerio-") for i in packing.order] == [
        "bounce", "backlog", "latency", "error-burst", "below-threshold", "baseline",
    ]  # fmt: skip


def test_two_idle_cores_run_the_customerio_suite_within_its_longest_schedule_plus_overhead() -> None:
    packing = choose_packing(_suite(), "auto", _idle(2.0))
    wall, most = packing.simulate()
    assert most >= 4
    # The target: the suite within 1.3x its longest drill's schedule (bounce, 72 s), overhead included.
    assert 72 + OVERHEAD_S <= wall <= 1.3 * 72


def test_drills_start_only_while_their_estimated_load_fits() -> None:
    packing = choose_packing(_suite(), "auto", _idle(1.0))
    costs = packing.costs
    started = packing.to_start(list(packing.order), [])
    assert sum(costs[i].cores for i in started) <= 1.0
    # The heaviest drill that does not fit waits; a lighter one behind it may start.
    waiting = [i for i in packing.order if i not in started]
    assert all(sum(costs[i].cores for i in started) + costs[w].cores > 1.0 for w in waiting)


def test_a_drill_too_heavy_for_the_machine_still_runs_alone() -> None:
    packing = choose_packing(_suite(), "auto", _idle(0.1))
    assert packing.to_start(list(packing.order), []) == [packing.order[0]]
    assert packing.most_at_once() == 1
    assert "one after another" in packing.describe()


def test_memory_caps_the_count() -> None:
    packing = choose_packing(_suite(), "auto", _idle(2.0, memory_mb=1600))
    assert packing.limit == 2 and packing.most_at_once() == 2
    assert "memory allows 2 at once" in packing.describe()


def test_parallel_n_ignores_the_estimate() -> None:
    packing = choose_packing(_suite(), 3, _idle(0.1))
    assert packing.budget_cores is None and packing.most_at_once() == 3
    assert packing.describe().startswith("6 drills, up to 3 at once, longest first (asked for at most 3)")
    assert choose_packing(_suite(), 1).describe().startswith("6 drills one after another (asked for at most 1)")


def test_describe_says_how_many_and_why() -> None:
    text = choose_packing(_suite(), "auto", _idle(1.5)).describe()
    assert "1.50 of 2 cores idle" in text and "GiB free" in text
    assert "estimated cores: customerio-backlog 0.53" in text
    assert "longest schedule 81s" in text


def test_measured_headroom_is_plausible() -> None:
    headroom = Headroom.measure(sample_s=0.2, slices=2)
    assert headroom.cpus >= 1 and 0 <= headroom.idle_cores <= headroom.cpus
    assert headroom.memory_mb > 0


@pytest.mark.parametrize("text", ["0", "-1", "many", ""])
def test_parse_parallel_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="expected auto or a whole number >= 1"):
        parse_parallel(text)


def test_monitor_counts_only_other_peoples_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two seconds in which the machine was busy 3 CPU-seconds, 2 of them ours: others used half a core."""
    from harness.drill import headroom as module

    clock = iter([100.0, 102.0, 102.5, 104.0])
    busy = iter([10.0, 13.0, 13.0])
    ours = iter([{1: 5.0, 2: 1.0}, {1: 6.0, 3: 1.0}, {1: 6.0, 3: 1.0}])  # pid 2 exited, pid 3 is new
    monkeypatch.setattr(module.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(module, "_busy_s", lambda times: next(busy))
    monkeypatch.setattr(module.HeadroomMonitor, "_our_cpu_s", lambda self: next(ours))
    monitor = module.HeadroomMonitor(Headroom(cpus=2, idle_cores=0.3, memory_mb=1000), every_s=2.0)
    assert monitor.budget() == 1.5
    assert monitor.budget() == 1.5, "not measured again within every_s"
    assert monitor.budget() == 2.0
