"""The client-escalation-calls fixtures (seed 003) without running anything: the seed's rules kept verbatim, the
profile covering the seed's metric catalogue, the corrected drills linting clean, and lint naming exactly the
seed's known bugs (the same ones the seed drills show live)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from harness.drill.model import load_scenario
from harness.lint.cli import add_arguments, inputs_from
from harness.lint.engine import lint
from harness.lint.exposition import Exposition, load_target
from harness.lint.model import LintReport
from tests.unit.lint_support import LINT, ROOT

FIXTURES = ROOT / "fixtures" / "escalation-calls"
SCENARIOS = ROOT / "scenarios" / "escalation-calls"


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def _rules_only(path: Path) -> str:
    """The YAML from `groups:` on: the file's own header comment set aside."""
    text = path.read_text()
    return text[text.index("groups:") :]


def test_the_seed_rules_are_the_seeds_own_text() -> None:
    # tests/fixtures/lint/seed003_alerts.yml is the seed's "Alert Rules" block, copied verbatim for lint's tests.
    assert _rules_only(FIXTURES / "alerts.seed.yml") == _rules_only(LINT / "seed003_alerts.yml")
    seed = yaml.safe_load((FIXTURES / "alerts.seed.yml").read_text())
    corrected = yaml.safe_load((FIXTURES / "alerts.yml").read_text())
    names = [[r["alert"] for g in doc["groups"] for r in g["rules"]] for doc in (seed, corrected)]
    assert len(names[0]) == 19 and names[1] == [*names[0][:3], "ServiceUnreachable", *names[0][3:]]


def test_the_profile_exports_the_seeds_metric_catalogue() -> None:
    catalogue = Exposition.parse((LINT / "seed003.prom").read_text(), "seed003.prom")
    app = load_target("profile:escalation-calls@client-escalation-calls")
    assert set(catalogue.series) <= set(app.series)
    node = load_target("profile:escalation-calls@node-exporter")
    assert {"node_memory_MemTotal_bytes", "node_memory_MemAvailable_bytes"} <= set(node.series)
    assert "node_memory_total_bytes" not in set(app.series) | set(node.series)  # the seed's name exists nowhere


def _lint(*scenarios: Path) -> LintReport:
    """`firedrill lint SCENARIO...` as the command line runs it."""
    args = argparse.ArgumentParser()
    add_arguments(args)
    return lint(inputs_from(args.parse_args([str(p.relative_to(ROOT)) for p in scenarios])))


def _alert(message: str) -> str:
    found = re.match(r"alert (\w+)", message)
    return found[1] if found else message


def test_the_corrected_drills_lint_clean() -> None:
    drills = [p for p in sorted(SCENARIOS.glob("*.yaml")) if not p.stem.endswith("-seed")]
    report = _lint(*drills)
    assert [str(f) for f in report.findings] == []
    routes = {row.alert: row.receivers for row in report.routes}
    assert routes["HighOptOutRate"] == routes["TCPAViolationsPrevented"] == ["compliance-email"]
    assert routes["BruteForceAttack"] == ["oncall-pagerduty", "security-slack"]


def test_lint_names_exactly_the_seeds_known_bugs() -> None:
    report = _lint(SCENARIOS / "incidents-seed.yaml")
    errors = sorted((_alert(f.message), f.check) for f in report.findings if f.severity == "error")
    assert errors == [
        ("HighErrorRate", "smells/rate-units"),
        ("HighLLMCost", "smells/rate-units"),
        ("HighLLMErrorRate", "smells/self-ratio"),
        ("HighMemoryUsage", "promql/series"),
        ("HighOptOutRate", "smells/rate-units"),
        ("TCPAViolationsPrevented", "smells/rate-units"),
    ]
    # No team label on the seed's rules: everything not critical lands on the default channel, TCPA included.
    unrouted = {_alert(f.message) for f in report.findings if f.check == "routes/default"}
    assert {"TCPAViolationsPrevented", "HighOptOutRate"} <= unrouted


def test_every_drill_loads_and_the_opt_out_drills_are_nightly() -> None:
    tags = {p.stem: load_scenario(p).tags for p in SCENARIOS.glob("*.yaml")}
    assert tags["opt-outs"] == tags["opt-outs-seed"] == ["nightly", "slow"]
    assert all(not t for name, t in tags.items() if not name.startswith("opt-outs"))
