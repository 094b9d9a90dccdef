"""Scenario loading: a valid drill, and one problem per mistake, each with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.expectations import FiresExpectation, NotificationExpectation, SilentExpectation, TracesExpectation
from harness.drill.model import load_scenario
from harness.errors import InputError
from harness.stub.faults import to_control

RULES = """groups:
  - name: cio
    rules:
      - alert: CioHighErrorRate
        expr: rate(e[5m]) / rate(t[5m]) > 0.05
        for: 5m
      - alert: CioQueueBacklog
        expr: customerio_queue_depth > 1000
        for: 10m
"""

GOOD = """name: customerio-error-burst
target:
  profile: customerio
rules: [rules/alerts.yml]
dashboards: [dash.json]
load:
  locustfile: locustfile.py
  users: 10
  spawn_rate: 10
compress: 30
seed: 7
phases:
  - name: baseline
    duration: 5m
    expect:
      - silent: all
  - name: burst
    duration: 10m
    faults:
      - {kind: error, operation: track, rate: 0.08}
    expect:
      - fires: CioHighErrorRate
        within: 7m
        labels: {severity: warning}
      - notification: CioHighErrorRate
        receiver: team-warning
        within: 8m
      - silent: CioQueueBacklog
      - metric: 'customerio_queue_depth > 1000'
        mode: throughout
      - traces: {service: customerio-stub, min_spans: 5, status: error, min_duration: 2s}
      - dashboard: dash.json
      - logs: no_pii
  - name: recovery
    duration: 5m
    expect:
      - resolves: CioHighErrorRate
        within: 4m
"""


@pytest.fixture()
def drill_dir(tmp_path: Path) -> Path:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "alerts.yml").write_text(RULES)
    (tmp_path / "locustfile.py").write_text("")
    (tmp_path / "dash.json").write_text('{"title": "d", "panels": []}')
    return tmp_path


def test_loads_valid_scenario(drill_dir: Path) -> None:
    path = drill_dir / "drill.yaml"
    path.write_text(GOOD)
    s = load_scenario(path)
    assert s.compress == 30 and s.seed == 7 and s.source == path.resolve()
    assert s.rules == [drill_dir.resolve() / "rules" / "alerts.yml"]
    burst = s.phase("burst")
    assert burst.duration == 600
    assert to_control(burst.faults[0]) == {"kind": "error", "operation": "track", "rate": 0.08}
    fires, note, silent, _metric, traces = burst.expect[:5]
    assert isinstance(fires, FiresExpectation) and fires.within == 420 and fires.labels == {"severity": "warning"}
    assert isinstance(note, NotificationExpectation) and note.status == "firing"
    assert isinstance(silent, SilentExpectation) and silent.silent == ["CioQueueBacklog"]
    assert isinstance(traces, TracesExpectation) and traces.traces.min_duration == 2
    assert [e.kind for e in burst.expect] == [
        "fires", "notification", "silent", "metric", "traces", "dashboard", "logs",
    ]  # fmt: skip
    assert s.with_compress(1).compress == 1


BAD = """name: customerio-error-burst
target:
  profile: customerio
rules: [rules/alerts.yml, rules/missing.yml]
load:
  locustfile: nope.py
  users: 0
compress: 0.5
phases:
  - name: baseline
    duration: 5 minutes
    expect:
      - silent: all
      - fire: CioHighErrorRate
  - name: burst
    duration: 10m
    faults:
      - {kind: explode}
    expect:
      - fires: CioHighErrorRate
        within: 7
        labelz: {}
      - metric: 'rate(x[5m] > '
"""


def test_one_problem_per_mistake_with_lines(drill_dir: Path) -> None:
    path = drill_dir / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    got = {(p.line, p.message.split(":")[0]) for p in info.value.problems}
    assert got == {
        (4, "rule file rules/missing.yml does not exist; expected an existing file"),
        (6, "locustfile nope.py does not exist; expected an existing file"),
        (7, "load.users"),
        (8, "compress"),
        (11, "phases[0].duration"),
        (14, "phases[0].expect[1]"),
        (18, "phases[1].faults[0]"),
        (21, "phases[1].expect[0].within"),
        (22, "phases[1].expect[0].labelz"),
        (23, "phases[1].expect[1].metric"),
    }
    text = str(info.value)
    assert f"{path.resolve()}:11: phases[0].duration: '5 minutes' is not a duration; expected" in text
    assert all("; expected" in p.message for p in info.value.problems)


def test_unknown_alert_duplicate_phase_and_keys(drill_dir: Path) -> None:
    path = drill_dir / "d.yaml"
    path.write_text(
        GOOD.replace("fires: CioHighErrorRate", "fires: CioHighErorRate").replace("name: recovery", "name: burst")
        + "    duration: 1m\n"
    )
    with pytest.raises(InputError) as info:
        load_scenario(path)
    messages = [str(p) for p in info.value.problems]
    lines = path.read_text().splitlines()
    fires_line = next(i for i, line in enumerate(lines, 1) if "fires:" in line)
    assert any(f":{len(lines)}: duplicate key 'duration'" in m for m in messages)
    assert any(f":{fires_line}: " in m and "did you mean 'CioHighErrorRate'" in m for m in messages)
    assert any("phase 'burst' repeated" in m for m in messages)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: x\nphases:\n  - name: [unclosed\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert len(info.value.problems) == 1
    assert info.value.problems[0].line == 4 and "YAML syntax error" in str(info.value)


def test_target_needs_exactly_one_kind(drill_dir: Path) -> None:
    path = drill_dir / "t.yaml"
    path.write_text(GOOD.replace("  profile: customerio\n", "  lanes: 2\n"))
    with pytest.raises(InputError, match=r":2: target: give either profile or url"):
        load_scenario(path)


def test_a_dashboard_grafana_could_not_load_is_reported_at_its_line(drill_dir: Path) -> None:
    (drill_dir / "dash.json").write_text(
        '{"title": "d",\n "__inputs": [{"name": "DS_LOKI", "type": "datasource", "pluginId": "loki"}],\n'
        ' "panels": [{"datasource": {"uid": "${DS_LOKI}"}}]}'
    )
    path = drill_dir / "drill.yaml"
    path.write_text(GOOD)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (Path(problem.file).name, problem.line) == ("dash.json", 3)
    assert "__inputs DS_LOKI needs a loki datasource" in problem.message


def test_blackbox_probes_a_service_of_the_profile_or_a_url(drill_dir: Path) -> None:
    path = drill_dir / "probes.yaml"
    path.write_text(GOOD.replace("compress: 30\n", "compress: 30\nblackbox: [customerio-stub, 'https://x.test/up']\n"))
    assert load_scenario(path, programs=False).blackbox == ["customerio-stub", "https://x.test/up"]
    path.write_text(GOOD.replace("compress: 30\n", "compress: 30\nblackbox:\n  - customerio\n"))
    with pytest.raises(InputError) as caught:
        load_scenario(path, programs=False)
    (problem,) = caught.value.problems
    assert problem.line == 12  # the entry itself
    assert problem.message == ("'customerio' is not something to probe; expected a service of the profile "
                               "(customerio-stub) or an http(s) URL")  # fmt: skip
