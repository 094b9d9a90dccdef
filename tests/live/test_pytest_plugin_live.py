"""`pytest` on a directory of drill YAMLs, for real: the two drills at once, one test per expectation, a failure
explained with its timeline, report.json, JUnit and report.html written, the session's stack reset for a fixture
test after a drill left an alert firing on it, nothing left running.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tests.browser_support import visit
from tests.conftest import child_pids
from tests.unit.html_checks import XHTML, charts, parse_valid, texts

pytestmark = pytest.mark.live
pytest_plugins = ["pytester"]

DRILLS = Path(__file__).parent / "plugin_drills"


PYTHON_TESTS = """
import httpx
from harness.drill.session import assert_drill_passed


def test_drill_from_python(firedrill_drill):
    assert_drill_passed(firedrill_drill("drill_2_quiet.yaml"))


def test_stack_and_stub_fixtures(firedrill_stack, firedrill_stub):
    stub = firedrill_stub("customerio", lane="z")
    assert "customerio_requests_total" in httpx.get(stub.metrics_url).text
    assert firedrill_stack.prometheus.query("vector(1)")[0].value == 1
    assert firedrill_stack.prometheus.query("up") == []   # reset: no targets, no series from the drills
"""


def _copy_drill(source: Path, target: Path) -> None:
    """The drill with its relative paths made absolute, so it runs from pytester's directory."""
    data = yaml.safe_load(source.read_text())
    data["rules"] = [str((source.parent / p).resolve()) for p in data["rules"]]
    data["alertmanager"] = str((source.parent / data["alertmanager"]).resolve())
    data["load"]["locustfile"] = str((source.parent / data["load"]["locustfile"]).resolve())
    target.write_text(yaml.safe_dump(data, sort_keys=False))


def test_drills_run_at_once_as_tests(pytester: pytest.Pytester) -> None:
    _copy_drill(DRILLS / "fires.yaml", pytester.path / "drill_1_fires.yaml")
    _copy_drill(DRILLS / "quiet.yaml", pytester.path / "drill_2_quiet.yaml")
    pytester.makepyfile(test_python_drills=PYTHON_TESTS)
    before = child_pids()
    result = pytester.runpytest_subprocess(
        "-v",
        "-p",
        "no:cacheprovider",
        "--firedrill-stack",
        "processes",
        "--firedrill-report",
        str(pytester.path / "out"),
        "--junitxml",
        str(pytester.path / "junit.xml"),
        # Both at once whatever the machine's load (auto would decide from the headroom it measures).
        "--firedrill-parallel",
        "2",
        timeout=240,
    )
    output = result.stdout.str()
    print(output)
    # One test per expectation, named scenario::phase::expectation.
    result.stdout.fnmatch_lines(
        [
            "*drill_1_fires.yaml::plugin-fires::baseline::silent(all) PASSED*",
            "*drill_1_fires.yaml::plugin-fires::burst::fires(TrackErrors) PASSED*",
            "*drill_1_fires.yaml::plugin-fires::burst::notification(TrackErrors->team-customerio) PASSED*",
            "*drill_1_fires.yaml::plugin-fires::burst::fires(NeverFires) FAILED*",
            "*drill_1_fires.yaml::plugin-fires::burst::notification(TrackErrors->pager-customerio) FAILED*",
            "*drill_2_quiet.yaml::plugin-quiet::healthy::silent(all) PASSED*",
            "*drill_2_quiet.yaml::plugin-quiet::healthy::rules_have_data(TrackErrors) PASSED*",
            "*test_python_drills.py::test_drill_from_python PASSED*",
            "*test_python_drills.py::test_stack_and_stub_fixtures PASSED*",
        ]
    )
    result.assert_outcomes(passed=7, failed=2)
    # The failure reads on its own in a CI log: phases and faults, the alert's states, values, notifications.
    result.stdout.fnmatch_lines(
        [
            "*fires NeverFires: *(FAIL)",
            "*phases (production time since start):*",
            "*> burst *error(operation=track, rate=0.5*",
            "*timeline (production time, one column = *",
            "*alert   ....*(p pending, F firing)",
            "*NeverFires: never left inactive*",
            "*value of *alert when > 2*",
            "*phase peak*",
            "*notifications for NeverFires: none received*",
        ]
    )
    # The wrong receiver: the strip shows the alert firing and notified; the list says where it went.
    result.stdout.fnmatch_lines(
        [
            "*notification TrackErrors: *(FAIL)",
            "*alert   ....*pp*FFF*(p pending, F firing)",
            "*notify  ....*^*(^ firing, v resolved)",
            "*firing   -> team-customerio  TrackErrors",
        ]
    )
    # The two YAML drills at once on two stacks, before the first test (the Python test's drill_2_quiet.yaml is
    # the collected one: it is served from those results); then the fixture test on the session's stack, the one
    # plugin-fires ran on (the longest drill starts first) and left TrackErrors firing on: reset, nothing carried.
    result.stdout.fnmatch_lines(["firedrill: packing: 2 drills, all at once (asked for at most 2)*"])
    assert "firedrill: ran 2 drill(s) in " in output and "up to 2 at once" in output
    assert "2 drill(s) on 2 stack start(s), 1 reuse(s)" in output
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    assert [s["name"] for s in report["scenarios"]] == ["plugin-fires", "plugin-quiet"]
    assert report["verdict"] == "fail"
    # report.html beside it: a chart per alert of each drill (TrackErrors, NeverFires), valid and opened in
    # Chromium offline with no console errors.
    html = pytester.path / "out" / "report.html"
    root = parse_valid(html.read_text())
    assert len(charts(root)) == 2 * 2
    assert [texts(h).split()[0:2] for h in root.iter(f"{XHTML}h2")][:1] == [["FAIL", "plugin-fires"]]
    seen = visit(html, pytester.path / "report.png", full_page=True)
    assert (seen.console, seen.page_errors, seen.refused) == ([], [], [])
    junit = ET.parse(pytester.path / "junit.xml").getroot()
    cases = junit.findall(".//testcase")
    assert len(cases) == 9
    assert len([c for c in cases if c.find("failure") is not None]) == 2
    assert child_pids() <= before, "the plugin left processes running"
