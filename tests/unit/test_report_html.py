"""report.html from hand-made results: valid and self-contained, the summary, failures first with their
explanations, environment errors, and one chart per alert holding the expected series."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

from harness.drill.result import RunResult
from harness.report.charts import charted_alerts, state_bands
from harness.report.html import render_html, write_html
from tests.unit.html_checks import XHTML, charts, groups, parse_valid, path_points, texts, title
from tests.unit.report_support import broken, run, scenario, timeline

FINISHED = datetime(2024, 5, 1, 2, 19, 30)


def sections(root: ET.Element) -> list[ET.Element]:
    return [s for s in root.iter(f"{XHTML}section") if s.attrib.get("class") == "drill"]


@pytest.fixture(scope="module")
def page() -> str:
    """A passing lane, a failing lane and a drill whose Prometheus died, in that order."""
    return render_html(run(scenario(True, "b"), scenario(False), broken()), FINISHED)


def test_page_is_valid_html_and_self_contained(page: str) -> None:
    root = parse_valid(page)
    assert root.find(f".//{XHTML}title").text == "firedrill: ERROR"  # type: ignore[union-attr]
    # Two alerts in each of three drills: every chart an inline SVG, text kept as text, no metadata.
    assert len(charts(root)) == 6
    assert "<metadata>" not in page and "<text" in page


def test_summary_counts_compression_and_duration(page: str) -> None:
    root = parse_valid(page)
    summary = texts(root.find(f".//{XHTML}dl"))  # type: ignore[arg-type]
    assert "ERROR" in summary and "no verdict" in summary
    assert "7 PASS, 1 FAIL, 2 XFAIL, 1 ERROR" in summary
    assert "x30" in summary
    assert "2m30s wall, started 2024-05-01 02:17:00 UTC" in summary
    assert "stack versions" not in summary, "no versions recorded: the row is left out"


def test_stack_versions_are_shown_when_the_run_records_them(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shape issue 20 gives the run: component -> version, read from the running programs.
    recorded = {"prometheus": "3.5.0", "alertmanager": "0.28.1"}
    monkeypatch.setattr(RunResult, "versions", property(lambda self: recorded), raising=False)
    summary = texts(parse_valid(render_html(run(), FINISHED)).find(f".//{XHTML}dl"))  # type: ignore[arg-type]
    assert "stack versions prometheus 3.5.0, alertmanager 0.28.1" in summary


def test_sections_worst_first_and_failed_expectations_first_with_their_explanation(page: str) -> None:
    root = parse_valid(page)
    found = sections(root)
    headings = [texts(s.find(f"{XHTML}h2")) for s in found]  # type: ignore[arg-type]
    assert headings == ["ERROR latency", "FAIL error-burst [0]", "PASS error-burst [b]"]
    failing = found[1]
    order = [texts(h) for h in failing.iter(f"{XHTML}h3")]
    assert order[:3] == ["Failed expectations", "Expectations", "Alerts"]
    failure = texts(failing.find(f".//{XHTML}div[@class='failure']"))  # type: ignore[arg-type]
    assert "FAIL burst: notification CioHighErrorRate -> team-customerio" in failure
    assert "expected pager-customerio" in failure and "phases (production time since start):" in failure
    assert "timeline (production time" in failure and "notifications received:" in failure
    rows = failing.findall(f".//{XHTML}tbody/{XHTML}tr")
    assert [texts(r).split()[0] for r in rows] == ["FAIL", "XFAIL", "PASS", "PASS", "PASS"]
    assert rows[0].attrib.get("class") == "bad"
    assert failing.find(f".//{XHTML}div[@class='failure']") is not None
    assert found[2].find(f".//{XHTML}div[@class='failure']") is None, "nothing failed in lane b"


def test_environment_error_is_shown_as_an_error_with_its_partial_timeline() -> None:
    root = parse_valid(render_html(run(broken()), FINISHED))
    (section,) = sections(root)
    box = texts(section.find(f".//{XHTML}div[@class='error-box']"))  # type: ignore[arg-type]
    assert "Environment error in prometheus: nothing was judged" in box and "exited with code 137" in box
    assert section.find(f".//{XHTML}table") is None, "no verdicts: no table of expectations"
    assert "Alerts (partial: the drill stopped early)" in texts(section)
    (chart, _) = charts(section)
    assert path_points(groups(chart)["value"]) == 16  # the samples before it stopped (t=1..8.5 s)


def test_one_chart_per_alert_with_the_expected_series() -> None:
    result = scenario(False)
    root = parse_valid(render_html(run(result), FINISHED))
    assert charted_alerts(result) == ["CioHighErrorRate", "CioHighLatency"]
    error_rate, latency = charts(root)
    g = groups(error_rate)
    # The value: one point per non-empty sample (83 of 85: the first two found no series), threshold line.
    assert path_points(g["value"]) == 83
    assert "peak 0.08" in title(g["value"])
    assert "threshold > 0.05" in texts(error_rate) and "alert when value > 0.05" in title(g["threshold"])
    # Phases shaded and named, the fault marked when applied, with production and wall times.
    assert {"phase-0", "phase-1", "phase-2"} <= g.keys()
    assert title(g["phase-1"]).startswith("phase burst: 2m .. 12m (wall 4.0s .. 24.0s)")
    assert "fault-1" in g and "fault-0" not in g and "fault-2" not in g, "only the burst has faults"
    assert title(g["fault-1"]) == ("faults applied at 2m2s (wall 4.0s): error(operation=track, rate=0.08, status=503)")
    # Pending, then firing, then nothing: bands with their times.
    assert title(g["pending-0"]) == "pending 5m18s .. 10m18s (wall 10.6s .. 20.6s)"
    assert title(g["firing-1"]) == "firing 10m18s .. 14m3s (wall 20.6s .. 28.1s)"
    # Each notification a marker, with its receiver.
    assert title(g["notification-0"]) == "firing notification to team-customerio at 10m42s (wall 21.4s)"
    assert title(g["notification-1"]).startswith("resolved notification to team-customerio at 14m30s")
    assert "team-customerio" in texts(error_rate)
    # The within budgets, from the fault's start: fires 9m, notification 9m30s (failed), resolves 5m.
    assert title(g["budget-0"]).startswith("fires within 9m of 2m2s (wall 4.0s) (phase burst): PASS")
    assert "FAIL, delivered to team-customerio, expected pager-customerio" in title(g["budget-1"])
    assert title(g["budget-2"]).startswith("resolves within 5m of 12m1s (wall 24.0s) (phase recovery): PASS")
    assert "measured-0" in g and "measured-1" not in g, "nothing measured for the failed notification"
    rows = ("alert state", "notifications", "fires ≤ 9m", "notified ≤ 9m30s (FAIL)", "resolves ≤ 5m")
    assert all(row in texts(error_rate) for row in rows)
    # Production time on the axis, wall seconds on the top axis.
    assert "production time since the drill started (x30 compressed)" in texts(error_rate)
    assert "wall seconds" in texts(error_rate)
    # The quiet alert: its value and threshold, no bands, no notifications, no budgets.
    q = groups(latency)
    assert path_points(q["value"]) == 85 and "threshold" in q
    assert not [key for key in q if re.match(r"(pending|firing|notification|budget)-", key)]


def test_lane_scoped_faults_are_marked_only_in_their_lane() -> None:
    result = scenario(True, "b")
    result.timeline.phases[1].faults[0]["lanes"] = ["a"]
    chart = charts(parse_valid(render_html(run(result), FINISHED)))[0]
    g = groups(chart)
    assert "fault-1" not in g and title(g["phase-1"]).endswith("; no faults")
    assert "notified team-customerio ≤ 9m30s" in texts(chart), "a budget met names the receiver reached"


def test_state_bands_merge_and_end_at_the_drill_end() -> None:
    tl = timeline()
    assert state_bands(tl, "CioHighErrorRate") == [(10.6, 20.6, "pending"), (20.6, 28.1, "firing")]
    assert state_bands(tl, "CioHighLatency") == []


def test_same_report_twice_is_the_same_file(tmp_path: Path) -> None:
    first = write_html(tmp_path / "a", run(), FINISHED).read_text()
    second = write_html(tmp_path / "b", run(), FINISHED).read_text()
    assert first == second


def test_firedrill_run_writes_report_html_beside_report_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`firedrill run --report DIR` on a hand-made result (no programs run)."""
    from harness.cli import main
    from harness.drill import suite

    monkeypatch.setattr(suite, "run_scenario", lambda scenario_, options: [scenario(False)])
    code = main(["run", "scenarios/customerio/error-burst.yaml", "--quiet", "--report", str(tmp_path / "out")])
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["junit.xml", "report.html", "report.json"]
    assert len(charts(parse_valid((tmp_path / "out" / "report.html").read_text()))) == 2
    assert "report.html" in capsys.readouterr().err.replace("\n", "")  # rich wraps long paths


def test_the_pytest_plugin_session_writes_report_html(tmp_path: Path) -> None:
    from harness.drill.model import load_scenario
    from harness.drill.session import DrillOutcome, DrillSession

    session = DrillSession(report_dir=tmp_path, shared=_NoShared())  # type: ignore[arg-type]
    outcome = DrillOutcome(load_scenario(Path("scenarios/customerio/error-burst.yaml")), [scenario(False)])
    session.outcomes.append(outcome)
    lines = session.finish()
    assert any("report.html" in line for line in lines)
    assert len(charts(parse_valid((tmp_path / "report.html").read_text()))) == 2


class _NoShared:
    stack = None
    starts = 0
    reuses = 0

    def close(self) -> None:
        pass
