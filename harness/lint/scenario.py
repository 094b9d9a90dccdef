"""Scenario mode: what the drill checks (``drill/*``) see of one scenario: its expectations with their lines, the
rules they name, the routing of its Alertmanager config, and its faults.

What a fault hits is read through :func:`harness.stub.faults.hit_fraction`, shared with the drill.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.drill.expectations import (
    Expectation,
    FiresExpectation,
    NotificationExpectation,
    ResolvesExpectation,
    SilentExpectation,
)
from harness.drill.model import Phase, Scenario
from harness.lint.checks.base import LintContext
from harness.lint.model import Finding, Query, Rule, Severity
from harness.lint.routes import Routing
from harness.lint.source import display_path
from harness.yamlsrc import YamlDoc


@dataclass(frozen=True)
class ExpectationAt:
    """One expectation of a phase, where it is in the file, and whether its alert fires already at phase start."""

    phase: Phase
    expectation: Expectation
    loc: tuple[int | str, ...]
    already_firing: bool


@dataclass
class DrillContext:
    """One scenario with its rules (and their parsed queries), its routing, and the lint context."""

    scenario: Scenario
    doc: YamlDoc
    rules: list[Rule]
    queries: dict[tuple[str, int], Query] = field(default_factory=dict)
    routing: Routing | None = None
    ctx: LintContext = field(default_factory=LintContext)

    @classmethod
    def load(cls, scenario: Scenario, rules: list[Rule], **kwargs: Any) -> DrillContext:
        """Re-read the scenario file for its line numbers (it was validated when loaded)."""
        assert scenario.source is not None
        text = Path(scenario.source).read_text(encoding="utf-8")
        return cls(scenario, YamlDoc.parse(text, display_path(scenario.source)), rules, **kwargs)

    @property
    def file(self) -> str:
        """The scenario file as the user wrote it."""
        return self.doc.file

    def expectations(self) -> Iterator[ExpectationAt]:
        """Every expectation in phase order, knowing which alerts earlier phases left firing."""
        firing: set[str] = set()
        for pi, phase in enumerate(self.scenario.phases):
            before = set(firing)
            for ei, exp in enumerate(phase.expect):
                alert = exp.alert
                yield ExpectationAt(phase, exp, ("phases", pi, "expect", ei), alert is not None and alert in before)
                if isinstance(exp, FiresExpectation):
                    firing.add(exp.fires)
                elif isinstance(exp, ResolvesExpectation) and exp.alert:
                    firing.discard(exp.alert)
                elif isinstance(exp, SilentExpectation) and exp.silent != "all":
                    firing -= set(exp.silent)  # silent: all ignores alerts carried over, so it proves nothing

    def firing_expectations(self) -> Iterator[tuple[ExpectationAt, FiresExpectation | NotificationExpectation]]:
        """``fires`` and firing ``notification`` expectations of alerts not already firing, with a budget."""
        for at in self.expectations():
            exp = at.expectation
            if at.already_firing:
                continue
            if isinstance(exp, FiresExpectation) or isinstance(exp, NotificationExpectation) and exp.status == "firing":
                yield at, exp

    def rules_for(self, alert: str, labels: dict[str, str]) -> list[Rule]:
        """The alerting rules named ``alert`` whose static labels do not contradict ``labels``."""
        return [
            r
            for r in self.rules
            if r.kind == "alert" and r.name == alert and all(r.labels.get(k, v) == v for k, v in labels.items())
        ]

    def query(self, rule: Rule) -> Query | None:
        """The parsed expression of ``rule`` (None when it does not parse)."""
        return self.queries.get((rule.file, rule.line))

    def finding(
        self, loc: tuple[int | str, ...], check: str, severity: Severity, message: str, suggestion: str
    ) -> Finding:
        """A finding at the scenario line of ``loc``."""
        return Finding(file=self.file, line=self.doc.line(loc), check=check, severity=severity, message=message,
                       suggestion=suggestion)  # fmt: skip
