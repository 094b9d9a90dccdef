"""Every kind of bad input: exit 2 before anything starts, ``file:line: what; fix``, no traceback, nothing left.

These are the input kinds the reliability campaign of issue 17 found accepted, crashing or leaking.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import CUSTOMERIO, LOCUSTFILE, Run

pytestmark = pytest.mark.live

SCENARIO = """name: bad-input
target: {profile: customerio}
rules: [alerts.yml]
alertmanager: alertmanager.yml
dashboards: [dashboard.json]
load: {locustfile: locustfile.py, users: 1, spawn_rate: 1}
compress: 30
phases:
  - name: baseline
    duration: 2m
    expect: [{silent: all}]
  - name: burst
    duration: 10m
    faults:
      - {kind: error, operation: track, rate: 0.08, status: 503}
    expect:
      - fires: CioHighErrorRate
        within: 9m
"""


def workspace(directory: Path) -> Path:
    """A valid drill and the files it reads, copied so each case can break one of them."""
    for name in ("alerts.yml", "alertmanager.yml", "dashboard.json"):
        shutil.copy(CUSTOMERIO / name, directory / name)
    shutil.copy(LOCUSTFILE, directory / "locustfile.py")
    (directory / "drill.yaml").write_text(SCENARIO)
    return directory / "drill.yaml"


def replace(file: str, old: str, new: str) -> Callable[[Path], None]:
    def change(directory: Path) -> None:
        path = directory / file
        text = path.read_text()
        assert old in text, f"{old!r} not in {file}"
        path.write_text(text.replace(old, new, 1))

    return change


def write(file: str, content: bytes) -> Callable[[Path], None]:
    return lambda directory: (directory / file).write_bytes(content)


# (id, change to the workspace, extra CLI args, file named in the error, text the error must hold)
CASES: list[tuple[str, Callable[[Path], None], list[str], str, str]] = [
    ("fault rate 1.5", replace("drill.yaml", "rate: 0.08", "rate: 1.5"), [], "drill.yaml", "less than or equal to 1"),
    ("fault operation typo", replace("drill.yaml", "operation: track", "operation: trak"), [], "drill.yaml",
     "did you mean 'track'?"),
    ("delay 1e12", replace("drill.yaml", "{kind: error, operation: track, rate: 0.08, status: 503}",
                           "{kind: latency, delay_ms: 1e12}"), [], "drill.yaml", "less than or equal to 600000"),
    ("within 0", replace("drill.yaml", "within: 9m", "within: 0"), [], "drill.yaml", "within is 0"),
    ("within longer than the phase", replace("drill.yaml", "within: 9m", "within: 20m"), [], "drill.yaml",
     "longer than phase burst"),
    ("scrape interval 0", replace("drill.yaml", "compress: 30", "compress: 30\nscrape_interval: 0"), [],
     "drill.yaml", "scrape_interval is 0"),
    ("compress 10000 in the file", replace("drill.yaml", "compress: 30", "compress: 10000"), [], "drill.yaml",
     "the largest factor is 150"),
    ("compress 0 on the command line", lambda d: None, ["--compress", "0"], "", "expected 1 <= k <= 150"),
    ("compress -3 on the command line", lambda d: None, ["--compress", "-3"], "", "expected 1 <= k <= 150"),
    ("unknown profile", replace("drill.yaml", "profile: customerio", "profile: custmerio"), [], "drill.yaml",
     "unknown profile 'custmerio'"),
    ("binary scenario", write("drill.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe"), [], "drill.yaml",
     "not UTF-8 text"),
    ("binary rules", write("alerts.yml", b"\x00\xff\xfe\x89binary"), [], "drill.yaml", "not UTF-8 text"),
    ("missing rules file: one line", replace("drill.yaml", "rules: [alerts.yml]", "rules: [gone.yml]"), [],
     "drill.yaml", "rule file gone.yml does not exist"),
    ("broken rule", replace("alerts.yml", "> 0.05\n        for: 5m", ">\n        for: 5m"), [], "alerts.yml",
     "invalid rule"),
    ("Alertmanager YAML error", replace("alertmanager.yml", "route:", "route: [\n"), [], "alertmanager.yml",
     "YAML syntax error"),
    ("group_wait: soon", replace("alertmanager.yml", "group_wait: 30s", "group_wait: soon"), [],
     "alertmanager.yml", "'soon' is not a duration"),
    ("Alertmanager duplicate key",
     replace("alertmanager.yml", "route:\n", "route:\n  group_by: [a]\n  group_by: [b]\n"), [], "alertmanager.yml",
     "duplicate key 'group_by'"),
    ("undefined receiver, at the user's file", replace("alertmanager.yml", "receiver: team-customerio",
                                                        "receiver: nobody"), [], "alertmanager.yml",
     'undefined receiver "nobody"'),
    ("truncated dashboard", lambda d: (d / "dashboard.json").write_text((d / "dashboard.json").read_text()[:200]), [],
     "dashboard.json", "not valid JSON"),
    ("locustfile syntax error", write("locustfile.py", b"def broken(:\n    pass\n"), [], "locustfile.py",
     "invalid syntax"),
    ("url target with faults", replace("drill.yaml", "target: {profile: customerio}",
                                       "target: {url: 'http://127.0.0.1:9'}"), [], "drill.yaml",
     "faults need a service that takes them"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "args", "file", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_line_before_anything_starts(
    firedrill: Callable[..., Run], tmp_path: Path, change: Callable[[Path], None], args: list[str], file: str,
    text: str,
) -> None:  # fmt: skip
    work = tmp_path / "work"
    work.mkdir()
    drill = workspace(work)
    change(work)
    run = firedrill("run", str(drill), "--stack", "processes", "--quiet", *args)
    code, out, err = run.finish(timeout=60)
    assert code == 2, f"exit {code}: {err}"
    assert "Traceback" not in err + out
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines, "no error printed"
    matching = [line for line in lines if text in line]
    assert matching, f"{text!r} not in: {lines}"
    if file:
        assert re.search(rf"{re.escape(str(work / file))}:\d+: ", matching[0]) or re.search(
            rf"{re.escape(str(work / file))}: ", matching[0]
        ), matching[0]
    assert run.seen == {} or run.left_running() == []
    assert run.left_in_tmp() == []


def test_a_missing_rules_file_is_one_line(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    drill = workspace(tmp_path)
    replace("drill.yaml", "rules: [alerts.yml]", "rules: [gone.yml]")(tmp_path)
    code, _, err = firedrill("run", str(drill), "--quiet").finish(timeout=60)
    assert code == 2 and len([line for line in err.splitlines() if line.strip()]) == 1, err


def test_an_unwritable_report_dir_is_refused_before_the_drill(firedrill: Callable[..., Run], tmp_path: Path) -> None:
    drill = workspace(tmp_path)
    (tmp_path / "blocked").write_text("a file where the report dir should go")
    run = firedrill("run", str(drill), "--quiet", "--report", str(tmp_path / "blocked" / "out"))
    code, _, err = run.finish(timeout=60)
    assert code == 2 and "cannot write reports here" in err and run.seen == {}
