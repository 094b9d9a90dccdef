"""What every lint check is: an id, a one-line description, and the hook the engine calls it through.

A check is one module in this package with an ``ID`` constant and a ``CHECK``; :mod:`harness.lint.registry`
lists them once. Hooks by what they look at:

- ``on_query``: one parsed PromQL expression (a rule's or a dashboard panel's);
- ``on_rule``: one rule with its parsed expression (None when it does not parse);
- ``on_rules``: every rule of the run at once (duplicates across files);
- ``on_routes``: the routing of one Alertmanager config;
- ``on_drill``: one scenario, its expectations against its rules and routes.

A check with no hook is reported while its input is read (``rules/shape``, ``promql/syntax``, ...): the reader
imports its ``ID`` so the string exists once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import promql_parser as pp

from harness.lint.labelsets import LabelSet, label_set, selector_set

if TYPE_CHECKING:
    from harness.lint.contract import Contract
    from harness.lint.model import Finding, Query, Rule
    from harness.lint.routes import Routing
    from harness.lint.scenario import DrillContext


@dataclass(frozen=True)
class LintContext:
    """What checks of rules and queries may consult: the metric contract, recorded names, the intervals, and
    the Prometheus major the rules are judged for."""

    contract: Contract | None = None
    recorded: frozenset[str] = frozenset()
    scrape_s: float = 15.0
    recording_rules: dict[str, Rule] = field(default_factory=dict)
    # The major of the Prometheus the rules are judged for (the one the drills run): what it reads differently.
    prometheus_major: int = 3

    def labels_of(self, sel: pp.VectorSelector) -> frozenset[str] | None:
        """Label names of the series ``sel`` selects, from the contract (None: unknown or recorded)."""
        if self.contract is None or not sel.name or sel.name in self.recorded:
            return None
        return self.contract.labels_of(sel)

    def label_set(self, node: pp.Expr) -> LabelSet:
        """What the contract and the operators say about the labels of ``node``'s result."""

        def facts(sel: pp.VectorSelector) -> LabelSet | None:
            if self.contract is None or not sel.name or sel.name in self.recorded:
                return None
            if self.contract.view(sel) is None:
                return None
            return selector_set(sel, self.contract.labels_of(sel), self.contract.jobs_of(sel))

        return label_set(node, facts)


QueryHook = Callable[["Query", LintContext], "list[Finding]"]
RuleHook = Callable[["Rule", "Query | None", LintContext], "list[Finding]"]
RulesHook = Callable[["list[Rule]", LintContext], "list[Finding]"]
RoutesHook = Callable[["Routing"], "list[Finding]"]
DrillHook = Callable[["DrillContext"], "list[Finding]"]


@dataclass(frozen=True)
class Check:
    """One check: ``id`` (``area/name``), a one-line ``description``, and at most one hook."""

    id: str
    description: str
    on_query: QueryHook | None = None
    on_rule: RuleHook | None = None
    on_rules: RulesHook | None = None
    on_routes: RoutesHook | None = None
    on_drill: DrillHook | None = None
    # Off unless --enable names it: a house style some teams want, not a bug.
    default: bool = True
