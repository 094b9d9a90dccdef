"""The runner's pure helpers: lane scoping, per-lane faults, PII scanning, observer reductions."""

from __future__ import annotations

import json
from pathlib import Path

from harness.drill.model import Phase
from harness.drill.observe import _peaks, scan_lines
from harness.drill.run import faults_for, in_lane, lane_names
from harness.pii import PiiPolicy


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
