"""`firedrill trend` on report.json files written from hand-made results: runs in order, the timed series per
alert with budgets, verdict flips, the page (valid, one chart per alert), and unreadable input (exit 2)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from harness.cli import main
from harness.report.json import write_json
from harness.report.trend import load_runs, timed_series, verdict_flips
from tests.unit.html_checks import XHTML, charts, groups, parse_valid, path_points, texts, title
from tests.unit.report_support import run, scenario

START = datetime(2024, 5, 1, 2, 17)
NIGHTS = 5
WRONG_RECEIVER_ON = (2,)  # the notification went to the wrong receiver on the third night only


def nightly(directory: Path, night: int) -> Path:
    """One night's report.json: times to fire grow 10% a night."""
    result = scenario(notified_right=night not in WRONG_RECEIVER_ON)
    for phase in result.phases:
        for index, verdict in enumerate(phase.verdicts):
            if verdict.kind == "fires" and verdict.measured_s is not None:
                phase.verdicts[index] = verdict.model_copy(update={"measured_s": 480.0 * (1 + 0.1 * night)})
    results = run(result).model_copy(update={"started_at": START + timedelta(days=night)})
    return write_json(directory / f"night-{night}", results)


@pytest.fixture
def nights(tmp_path: Path) -> Path:
    # Written newest first: the order comes from each report's started_at, not from the file names.
    for night in reversed(range(NIGHTS)):
        nightly(tmp_path / "reports", night)
    return tmp_path / "reports"


def test_runs_are_ordered_by_their_start(nights: Path) -> None:
    runs = load_runs([nights / "night-3" / "report.json", nights])
    assert [run.when for run in runs] == [f"2024-05-0{d} 02:17" for d in range(1, NIGHTS + 1)]
    assert len(runs) == NIGHTS, "a report named twice counts once"


def test_timed_series_per_alert_with_budgets(nights: Path) -> None:
    series = {line.label: line for line in timed_series(load_runs([nights]))}
    assert sorted(series) == [
        "fires (burst)",
        "notification -> team-customerio (burst)",
        "resolves (recovery)",
    ]
    fires = series["fires (burst)"]
    assert (fires.scenario, fires.alert) == ("error-burst", "CioHighErrorRate")
    assert [p[0] for p in fires.points if p] == pytest.approx([480, 528, 576, 624, 672])
    assert {p[1] for p in fires.points if p} == {540}
    notified = series["notification -> team-customerio (burst)"]
    assert [p[0] if p else "missing" for p in notified.points] == [520.5, 520.5, None, 520.5, 520.5]
    assert [p[2] for p in notified.points if p] == ["pass", "pass", "fail", "pass", "pass"]


def test_verdict_flips(nights: Path) -> None:
    runs = load_runs([nights])
    flips = verdict_flips(runs)
    assert [(f.expectation, runs[f.before_run].when, runs[f.after_run].when, f.before, f.after) for f in flips] == [
        ("notification CioHighErrorRate", "2024-05-02 02:17", "2024-05-03 02:17", "pass", "fail"),
        ("notification CioHighErrorRate", "2024-05-03 02:17", "2024-05-04 02:17", "fail", "pass"),
    ]
    assert flips[0].reason == "delivered to team-customerio, expected pager-customerio"


def test_trend_page(nights: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "site" / "trend.html"
    assert main(["trend", str(nights), "--out", str(out)]) == 0
    assert f"{out}: 5 run(s), 1 alert(s) charted, 2 verdict flip(s)" in capsys.readouterr().out
    root = parse_valid(out.read_text())
    (chart,) = charts(root)
    g = groups(chart)
    # Each timed expectation a line over the runs it measured, its budget dashed beside it.
    assert path_points(g["series-0"]) == NIGHTS  # fires
    assert path_points(g["series-1"]) == NIGHTS - 1  # notification: nothing measured on the failed night
    assert path_points(g["series-2"]) == NIGHTS  # resolves
    assert title(g["budget-0"]) == "fires (burst): budget 9m"
    assert title(g["point-0-4"]) == "2024-05-05 02:17: fires (burst) 11m12s (budget 9m): PASS"
    assert title(g["point-1-2"]) == (
        "2024-05-03 02:17: notification -> team-customerio (burst) nothing measured (budget 9m30s): FAIL"
    )
    assert "production time" in texts(chart)
    tables = root.findall(f".//{XHTML}table")
    flips = [texts(row) for row in tables[0].iter(f"{XHTML}tr")][1:]
    assert flips[0].startswith("2024-05-03 02:17 error-burst burst notification CioHighErrorRate PASS → FAIL")
    assert len([row for row in tables[1].iter(f"{XHTML}tr")][1:]) == NIGHTS


def test_one_run_and_a_report_with_an_environment_error(tmp_path: Path) -> None:
    from tests.unit.report_support import broken

    path = write_json(tmp_path / "one", run(broken(), scenario()))
    data = json.loads(path.read_text())
    path.write_text(json.dumps({**data, "versions": {"prometheus": "3.5.0"}}))  # as issue 20's reports record them
    out = tmp_path / "trend.html"
    assert main(["trend", str(path), "--out", str(out)]) == 0
    root = parse_valid(out.read_text())
    assert len(charts(root)) == 1
    assert "stack versions (latest) prometheus 3.5.0" in texts(root)
    assert "1 drill(s) with an environment error" in texts(root)
    assert "No expectation changed its verdict between runs." in texts(root)


def test_unreadable_reports_exit_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "report.json"
    bad.write_text('{"verdict": "pass",\n "scenarios": [}\n')
    assert main(["trend", str(bad), "--out", str(tmp_path / "t.html")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"firedrill: error: {bad}:2: not JSON")
    not_ours = tmp_path / "other.json"
    not_ours.write_text(json.dumps({"hello": 1}))
    assert main(["trend", str(not_ours)]) == 2
    assert "not a firedrill report" in capsys.readouterr().err
    assert main(["trend", str(tmp_path / "missing")]) == 2
    assert "missing: cannot read (No such file or directory)" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["trend", str(empty)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"firedrill: error: no report.json found in {empty};")
    assert not (tmp_path / "t.html").exists() and not Path("trend.html").exists()
