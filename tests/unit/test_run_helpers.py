"""The runner's pure helpers: lane scoping, per-lane faults, PII scanning, observer reductions."""

from __future__ import annotations

import json
from pathlib import Path

from harness.drill.logscan import scan_lines
from harness.drill.model import Phase
from harness.drill.observe import MAX_SCOPES, Observer, _peaks, next_sample_due, reduce_series
from harness.drill.run import faults_for, in_lane, lane_names
from harness.pii import PiiPolicy
from harness.stack.clients import Sample


def test_lane_names() -> None:
    assert lane_names(3) == ["a", "b", "c"]
    assert lane_names(30)[:2] == ["0", "1"]


def test_alert_belongs_to_its_lane_by_lane_then_instance_label() -> None:
    assert in_lane({"lane": "a", "instance": "127.0.0.1:9"}, "a", "127.0.0.1:1")
    assert not in_lane({"lane": "b"}, "a", "127.0.0.1:1")
    assert in_lane({"instance": "127.0.0.1:1"}, "a", "127.0.0.1:1")
    assert not in_lane({"instance": "127.0.0.1:2"}, "a", "127.0.0.1:1")
    assert in_lane({"alertname": "X"}, "a", "127.0.0.1:1"), "an aggregated alert belongs to every lane"


def test_faults_scoped_to_lanes_and_the_scope_key_is_not_sent() -> None:
    phase = Phase.model_validate(
        {
            "name": "p",
            "duration": "1m",
            "faults": [
                {"kind": "error", "operation": "track", "rate": 0.5, "lanes": ["a"]},
                {"kind": "event", "event": "email_bounced", "fraction": 0.1},
                {"kind": "gauge", "metric": "pool", "ramp_to": 90, "over": "5m"},
            ],
        }
    )
    bounce = {"kind": "event", "event": "email_bounced", "fraction": 0.1}
    ramp = {"kind": "gauge", "metric": "pool", "ramp_to": 90.0, "over_s": 10.0}  # 5m of production time at x30
    assert faults_for(phase, "a", k=30) == [{"kind": "error", "operation": "track", "rate": 0.5}, bounce, ramp]
    assert faults_for(phase, "b", k=30) == [bounce, ramp]


def test_peaks_take_the_accepted_series_only() -> None:
    recorded = [("A", 1.0, [({"lane": "a"}, 0.02), ({"lane": "b"}, 0.5)]), ("A", 2.0, [({"lane": "b"}, 0.6)])]
    lane_a = _peaks(recorded, lambda labels: labels.get("lane") == "a")
    assert lane_a == [("A", 1.0, 0.02), ("A", 2.0, None)]


def test_pii_scan_finds_unredacted_values_and_values_by_kind(tmp_path: Path) -> None:
    log = tmp_path / "stub.log"
    lines = [
        {"event": "request", "body": {"user": {"email": "[REDACTED]", "plan": "pro"}}},
        {"event": "request", "body": {"traits": {"firstName": "Ada"}}},
        {"event": "mail ada@example.com", "request_id": "bob@example.org"},
        {"recipient": "+1 415 555 0100", "trace_id": "4bf92f3577b34da6a3ce929d0e0e4736"},
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\nplain text bob@example.org\n")
    lines_read, hits = scan_lines(log, 0, log.stat().st_size, PiiPolicy.of())
    assert lines_read == 5
    assert hits == [
        "stub.log:2: body.traits.firstName holds a value",
        "stub.log:3: event: an email address",
        "stub.log:3: request_id: an email address",
        "stub.log:4: recipient: a phone number",
        "stub.log:5: value: an email address",
    ]


def test_pii_scan_reads_only_its_phase(tmp_path: Path) -> None:
    log = tmp_path / "stub.log"
    first = json.dumps({"body": {"email": "ada@example.com"}}) + "\n"
    log.write_text(first + json.dumps({"body": {"email": "[REDACTED]", "userId": 7}}) + "\n")
    assert scan_lines(log, len(first), log.stat().st_size, PiiPolicy.of()) == (1, [])
    assert scan_lines(log, 0, len(first), PiiPolicy.of())[1] == ["stub.log:1: body.email holds a value"]


def test_a_sample_keeps_one_peak_per_lane_scope_and_lanes_get_the_same_peaks() -> None:
    # A rule by (operation, status, lane, instance): 600 series per sample, of which a lane's peak is all the
    # report and the judge use.
    series = [
        ({"lane": lane, "instance": f"127.0.0.1:{port}", "operation": f"op{op}", "status": "error"}, op / 100 + port)
        for lane, port in (("a", 1), ("b", 2), ("c", 3))
        for op in range(200)
    ]
    reduced = reduce_series(series)
    assert len(reduced) == 3
    for lane in ("a", "b", "c"):
        belongs = lambda labels, lane=lane: labels.get("lane") == lane  # noqa: E731
        assert _peaks([("A", 1.0, reduced)], belongs) == _peaks([("A", 1.0, series)], belongs)
    aggregated = reduce_series([({"operation": "x"}, 0.2), ({"operation": "y"}, 0.3)])
    assert aggregated == [({}, 0.3)], "aggregated away from lanes: one peak for every lane"


def test_a_sample_holds_at_most_max_scopes_keeping_the_highest() -> None:
    series = [({"instance": f"10.0.0.1:{i}"}, float(i)) for i in range(500)]
    reduced = reduce_series(series)
    assert len(reduced) == MAX_SCOPES
    assert min(value for _, value in reduced) == 500 - MAX_SCOPES


def test_observer_memory_is_bounded_by_scopes_not_series() -> None:
    class Prometheus:
        def query(self, expr: str) -> list[Sample]:
            return [Sample({"lane": "a", "operation": f"op{i}"}, i / 1000) for i in range(1000)]

    observer = Observer(Prometheus(), lambda: 1.0, 0.1, {"A": "x"}, 0.5, 1.0)  # type: ignore[arg-type]
    observer.watch_metrics(["q"])
    for _ in range(10):
        observer._sample()
    assert all(len(series) == 1 for _, _, series in observer._expr_series + observer._metric_series)
    assert [s.value for s in observer.expr_samples()] == [0.999] * 10
    assert [s.value for s in observer.metric_samples()] == [0.999] * 10


def test_samples_keep_a_fixed_cadence_one_per_evaluation_interval() -> None:
    # Polls every 0.2 s, evaluation every 0.5 s: due times stay on the 0.5 s grid, never drifting by a poll.
    due, taken = 0.0, []
    for poll in range(1, 61):  # as Observer._loop does
        now = 100 + poll * 0.2
        if now >= due:
            taken.append(now)
            due = next_sample_due(due, now, 0.5)
    # 12 s of polls: a sample in every 0.5 s evaluation interval (24), none missed for the poll's granularity.
    assert len(taken) == 24
    assert all(sum(1 for t in taken if start <= t < start + 0.5) == 1 for start in (100.2 + 0.5 * i for i in range(23)))
    # Far behind (a stalled poll): restart from now instead of sampling in a burst.
    assert next_sample_due(1.0, 5.0, 0.5) == 5.5


def test_log_scan_counts_lines_without_a_field(tmp_path: Path) -> None:
    from harness.drill.logscan import scan_log

    log = tmp_path / "api.log"
    lines = [{"requestId": "r1", "req": {"method": "GET"}}, {"msg": "faults set"}, {"requestId": ""}, "not json"]
    log.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    scan = scan_log(log, 0, log.stat().st_size, PiiPolicy.of(), ["requestId", "req.method"])
    assert scan.lines == 4
    assert scan.missing == {"requestId": 3, "req.method": 3}
    assert scan.missing_at[:2] == ["api.log:2: no requestId", "api.log:2: no req.method"]


def test_a_phase_s_log_lines_are_scanned_after_the_next_phase_began(tmp_path: Path) -> None:
    # The runner collects a phase once the next one has started (its faults applied first): the earlier phase
    # must still be read over its own lines, not over an empty range.
    from typing import cast

    from harness.drill.logscan import LogSource
    from harness.drill.observe import PhaseCollector
    from harness.drill.timeline import PhaseWindow
    from harness.stack import Stack

    log = tmp_path / "api.log"
    log.write_text("")
    collector = PhaseCollector(cast(Stack, None), 0.0, 0.5, [LogSource("a", log)])
    burst = Phase.model_validate({"name": "burst", "duration": "1m", "expect": [{"logs": {"fields": ["requestId"]}}]})
    collector.phase_started()
    log.write_text(json.dumps({"requestId": "r1", "email": "ada@example.com"}) + "\n" + json.dumps({"msg": "x"}) + "\n")
    collector.phase_ended("burst")
    collector.phase_started()  # the next phase
    with log.open("a") as handle:
        handle.write(json.dumps({"requestId": "r2"}) + "\n")
    (scan,) = collector.collect(burst, PhaseWindow(name="burst", start=0, end=1)).logs["a"]
    assert (scan.lines, scan.missing, scan.phase) == (2, {"requestId": 1}, "burst")
    assert scan.pii_hits == ["api.log:1: email holds a value"]
