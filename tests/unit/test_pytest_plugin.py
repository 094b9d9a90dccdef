"""The pytest plugin's collection: which files become drills, test names, markers, errors (nothing runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.expectations import NotificationExpectation, ResolvesExpectation, TracesExpectation
from harness.drill.session import expectation_label, parse_images
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
