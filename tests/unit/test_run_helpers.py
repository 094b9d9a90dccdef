"""The runner's pure helpers: lane scoping, per-lane faults, PII scanning, observer reductions."""

from __future__ import annotations

import json
from pathlib import Path

from harness.drill.model import Phase
from harness.drill.observe import _peaks
from harness.drill.piiscan import scan_log
from harness.drill.run import _faults_for, _in_lane, lane_names


def test_lane_names() -> None:
    assert lane_names(3) == ["a", "b", "c"]
    assert lane_names(30)[:2] == ["0", "1"]


def test_alert_belongs_to_its_lane_by_lane_then_instance_label() -> None:
    assert _in_lane({"lane": "a", "instance": "127.0.0.1:9"}, "a", "127.0.0.1:1")
    assert not _in_lane({"lane": "b"}, "a", "127.0.0.1:1")
    assert _in_lane({"instance": "127.0.0.1:1"}, "a", "127.0.0.1:1")
    assert not _in_lane({"instance": "127.0.0.1:2"}, "a", "127.0.0.1:1")
    assert _in_lane({"alertname": "X"}, "a", "127.0.0.1:1"), "an aggregated alert belongs to every lane"


def test_faults_scoped_to_lanes_and_the_scope_key_is_not_sent() -> None:
    phase = Phase.model_validate(
        {
            "name": "p",
            "duration": "1m",
            "faults": [
                {"kind": "error", "operation": "track", "rate": 0.5, "lanes": ["a"]},
                {"kind": "bounce", "rate": 0.1},
            ],
        }
    )
    assert _faults_for(phase, "a") == [
        {"kind": "error", "operation": "track", "rate": 0.5},
        {"kind": "bounce", "rate": 0.1},
    ]
    assert _faults_for(phase, "b") == [{"kind": "bounce", "rate": 0.1}]


def test_peaks_take_the_accepted_series_only() -> None:
    recorded = [("A", 1.0, [({"lane": "a"}, 0.02), ({"lane": "b"}, 0.5)]), ("A", 2.0, [({"lane": "b"}, 0.6)])]
    lane_a = _peaks(recorded, lambda labels: labels.get("lane") == "a")
    assert lane_a == [("A", 1.0, 0.02), ("A", 2.0, None)]


def test_pii_scan_finds_unredacted_values_and_emails(tmp_path: Path) -> None:
    log = tmp_path / "stub.log"
    lines = [
        {"event": "request", "body": {"user": {"email": "[REDACTED]", "plan": "pro"}}},
        {"event": "request", "body": {"traits": {"firstName": "Ada"}}},
        {"event": "request", "note": "mail ada@example.com"},
    ]
    log.write_text("\n".join(json.dumps(line) for line in lines) + "\nplain text bob@example.org\n")
    hits = scan_log(log)
    assert hits == [
        "stub.log:2: body.traits.firstName holds a value",
        "stub.log:3: an email address appears in the line",
        "stub.log:4: an email address appears in the line",
    ]


def test_pii_scan_clean_log(tmp_path: Path) -> None:
    log = tmp_path / "stub.log"
    log.write_text(json.dumps({"body": {"email": "[REDACTED]", "userId": 7}}) + "\n")
    assert scan_log(log) == []
