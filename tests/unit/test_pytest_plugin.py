"""The pytest plugin's collection: which files become drills, test names, markers, errors (nothing runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.drill.expectations import NotificationExpectation, ResolvesExpectation, TracesExpectation
from harness.drill.judge import judge
from harness.drill.model import Scenario
from harness.drill.result import ScenarioResult
from harness.drill.session import expectation_label, parse_images
from harness.drill.timeline import AlertTransition, PhaseWindow, Timeline
from harness.errors import FiredrillError

pytest_plugins = ["pytester"]

SUITE = Path(__file__).parents[2] / "scenarios" / "customerio"


def _drill(path: Path, name: str = "mine", tags: str = "[]") -> None:
    rules = (SUITE.parents[1] / "fixtures" / "customerio" / "alerts.yml").resolve()
    path.write_text(
        f"name: {name}\ntags: {tags}\ntarget: {{profile: customerio}}\nrules: ['{rules}']\n"
        "phases:\n  - name: healthy\n    duration: 10m\n    expect:\n      - silent: all\n"
        "      - fires: CioHighErrorRate\n        within: 5m\n      - fires: CioHighErrorRate\n        within: 6m\n"
    )


def _collected(result: pytest.RunResult) -> list[str]:
    return [line for line in result.stdout.lines if "::" in line]


def test_suite_collected_with_flag_one_test_per_expectation(pytester: pytest.Pytester) -> None:
    without = pytester.runpytest(str(SUITE), "--collect-only", "-q", "-p", "no:cacheprovider")
    assert _collected(without) == [], "scenario files not named drill_* must need --firedrill"
    result = pytester.runpytest(str(SUITE), "--firedrill", "--collect-only", "-q", "-p", "no:cacheprovider")
    names = [line.split(".yaml::", 1)[1] for line in _collected(result)]
    assert "customerio-error-burst::burst::fires(CioHighErrorRate{operation=track})" in names
    assert "customerio-error-burst::burst::notification(CioHighErrorRate->team-customerio)" in names
    assert "customerio-error-burst::recovery::notification(CioHighErrorRate->team-customerio,resolved)" in names
    assert "customerio-baseline::healthy::traces(customerio-stub,ok)" in names
    # Two lanes: one test per lane.
    assert "customerio-below-threshold::mild-errors::silent(all)[lane 0]" in names
    assert "customerio-below-threshold::mild-errors::silent(all)[lane 1]" in names


def test_drill_files_by_pattern_and_ini(pytester: pytest.Pytester) -> None:
    _drill(pytester.path / "drill_mine.yaml")
    _drill(pytester.path / "check_other.yaml", name="other")
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    assert _collected(result) == [
        "drill_mine.yaml::mine::healthy::silent(all)",
        "drill_mine.yaml::mine::healthy::fires(CioHighErrorRate)",
        "drill_mine.yaml::mine::healthy::fires(CioHighErrorRate)#2",
    ]
    pytester.makeini("[pytest]\nfiredrill_files = check_*.yaml\n")
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    assert {line.split("::")[1] for line in _collected(result)} == {"other"}


def test_tags_become_markers(pytester: pytest.Pytester) -> None:
    _drill(pytester.path / "drill_nightly.yaml", name="long", tags="[nightly, slow]")
    _drill(pytester.path / "drill_quick.yaml", name="quick")
    selected = pytester.runpytest("--collect-only", "-q", "-m", "nightly", "-p", "no:cacheprovider")
    assert {line.split("::")[1] for line in _collected(selected)} == {"long"}
    rest = pytester.runpytest("--collect-only", "-q", "-m", "firedrill and not slow", "-p", "no:cacheprovider")
    assert {line.split("::")[1] for line in _collected(rest)} == {"quick"}


def test_broken_drill_is_a_collection_error_with_file_and_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "drill_broken.yaml").write_text(
        "name: broken\ntarget: {profile: customerio}\nphases:\n  - name: p\n    duration: soon\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*drill_broken.yaml:5:*duration*"])


def test_bad_image_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--firedrill-image", "prometeus=x", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --firedrill-image 'prometeus=x': expected COMPONENT=IMAGE *"])


def test_a_wrong_prometheus_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--firedrill-prometheus", "/nowhere/prometheus", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --firedrill-prometheus /nowhere/prometheus: no such file; give the path *"])


def test_expectation_labels() -> None:
    assert expectation_label(ResolvesExpectation(resolves="A", within="1m", labels={"op": "x"})) == "resolves(A{op=x})"
    assert (
        expectation_label(NotificationExpectation(notification="A", receiver="pager", status="resolved", within="1m"))
        == "notification(A->pager,resolved)"
    )
    assert expectation_label(TracesExpectation(traces={"service": "svc", "status": "error"})) == "traces(svc,error)"


def test_parse_images() -> None:
    assert parse_images([]) == {}
    with pytest.raises(FiredrillError, match="COMPONENT=IMAGE"):
        parse_images(["prometheus"])


CONFTEST_FAKE_DRILLS = """
import os, time
import harness.drill.session, harness.drill.suite
from tests.unit.drill_fakes import quiet_results

def fake(scenario, options):
    with open(os.environ["FAKE_RUNS"], "a") as log:
        log.write(f"{os.getpid()} {scenario.name} start {time.monotonic()}\\n")
    time.sleep(0.3)
    with open(os.environ["FAKE_RUNS"], "a") as log:
        log.write(f"{os.getpid()} {scenario.name} end {time.monotonic()}\\n")
    return quiet_results(scenario)

harness.drill.suite.run_scenario = fake
harness.drill.session.run_scenario = fake
"""


def _fake_drill_dir(pytester: pytest.Pytester) -> Path:
    for name in ("one", "two", "three"):
        _drill(pytester.path / f"drill_{name}.yaml", name=name)
    pytester.makeconftest(CONFTEST_FAKE_DRILLS)
    return pytester.path / "runs.log"


def _runs(log: Path) -> list[tuple[str, str, str, float]]:
    rows = [line.split() for line in log.read_text().splitlines()]
    return [(pid, name, what, float(t)) for pid, name, what, t in rows]


def _overlapped(runs: list[tuple[str, str, str, float]]) -> bool:
    starts = [t for _, _, what, t in runs if what == "start"]
    ends = [t for _, _, what, t in runs if what == "end"]
    return max(starts) < min(ends)


def test_selected_drills_run_at_once_before_the_first_test(pytester: pytest.Pytester) -> None:
    log = _fake_drill_dir(pytester)
    pytester._monkeypatch.setenv("FAKE_RUNS", str(log))
    pytester._monkeypatch.setenv("PYTHONPATH", str(SUITE.parents[1]))
    args = ["-p", "no:cacheprovider", "-p", "no:xdist", "-k", "not three", "-v"]
    result = pytester.runpytest_subprocess(*args, "--firedrill-parallel", "2")
    result.assert_outcomes(passed=2, failed=4)
    runs = _runs(log)
    assert sorted({name for _, name, _, _ in runs}) == ["one", "two"], "the deselected drill must not run"
    assert len(runs) == 4 and _overlapped(runs), "the two drills did not run at once"
    result.stdout.fnmatch_lines(["firedrill: packing: 2 drills, all at once (asked for at most 2)*"])
    # auto is the default: the packing comes from the measured headroom (how many depends on the machine's load).
    log.unlink()
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=2, failed=4)
    result.stdout.fnmatch_lines(["firedrill: packing: 2 drills*each starts when its estimated load fits in*"])


def test_parallel_1_runs_drills_one_by_one_as_their_tests_come(pytester: pytest.Pytester) -> None:
    log = _fake_drill_dir(pytester)
    pytester._monkeypatch.setenv("FAKE_RUNS", str(log))
    pytester._monkeypatch.setenv("PYTHONPATH", str(SUITE.parents[1]))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "--firedrill-parallel", "1")
    result.assert_outcomes(passed=3, failed=6)
    runs = _runs(log)
    assert [name for _, name, what, _ in runs if what == "start"] == ["one", "three", "two"]
    assert not _overlapped(runs)
    assert "packing:" not in result.stdout.str()


def test_under_xdist_one_worker_runs_every_drill_once(pytester: pytest.Pytester) -> None:
    log = _fake_drill_dir(pytester)
    pytester._monkeypatch.setenv("FAKE_RUNS", str(log))
    pytester._monkeypatch.setenv("PYTHONPATH", str(SUITE.parents[1]))
    args = ["-p", "no:cacheprovider", "-n", "2", "--firedrill-report", "out", "--firedrill-parallel", "3"]
    result = pytester.runpytest_subprocess(*args)
    result.assert_outcomes(passed=3, failed=6)
    runs = _runs(log)
    assert sorted(name for _, name, what, _ in runs if what == "start") == ["one", "three", "two"]
    assert len({pid for pid, _, _, _ in runs}) == 1, "every drill runs in one worker"
    assert _overlapped(runs)
    # The controller prints what the running worker said; its report holds every drill.
    result.stdout.fnmatch_lines(["firedrill: [[]gw?[]] packing: 3 drills, all at once*"])
    report = json.loads((pytester.path / "out" / "report.json").read_text())
    assert sorted(s["name"] for s in report["scenarios"]) == ["one", "three", "two"]


def test_bad_parallel_option_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--firedrill-parallel", "none", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --firedrill-parallel 'none': expected auto or a whole number >= 1"])


def test_xfail_maps_to_pytests_strict_xfail(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """An expected failure that fails is XFAIL; one that holds is XPASS(strict), a failure; others as usual.

    The drill itself is faked (no programs run): its timeline says the alert went pending, then fired."""
    rules = (SUITE.parents[1] / "fixtures" / "customerio" / "alerts.yml").resolve()
    (pytester.path / "drill_xf.yaml").write_text(
        f"name: xf\ntarget: {{profile: customerio}}\nrules: ['{rules}']\ncompress: 30\nphases:\n"
        "  - name: burst\n    duration: 10m\n    expect:\n"
        "      - silent: [CioHighErrorRate]\n        xfail: 'seed rule: fires at 2%'\n"
        "      - fires: CioHighErrorRate\n        within: 9m\n        xfail: 'expected never to fire'\n"
        "      - fires: CioHighErrorRate\n        within: 9m\n"
    )

    def fake_run(scenario: Scenario, options: object) -> list[ScenarioResult]:
        states = [AlertTransition(alert="CioHighErrorRate", state=s, t=t, labels={}) for s, t in
                  (("pending", 1.0), ("firing", 5.0))]  # fmt: skip
        tl = Timeline(scenario=scenario.name, lane="a", k=30, transitions=states,
                      phases=[PhaseWindow(name="burst", start=0, end=20, faults_applied_at=0)])  # fmt: skip
        return [ScenarioResult(name=scenario.name, lane="a", timeline=tl, phases=judge(scenario, tl))]

    monkeypatch.setattr("harness.drill.session.run_scenario", fake_run)
    monkeypatch.setattr("harness.drill.suite.run_scenario", fake_run)  # drills at once run through the suite
    result = pytester.runpytest("-p", "no:cacheprovider", "-rfxX")
    result.assert_outcomes(passed=1, xfailed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "FAILED drill_xf.yaml::xf::burst::fires(CioHighErrorRate) - [[]XPASS(strict)[]]*",
            "XFAIL drill_xf.yaml::xf::burst::silent(CioHighErrorRate) - seed rule: fires at 2%",
        ]
    )
    assert "[XPASS(strict)] expected never to fire" in result.stdout.str()
