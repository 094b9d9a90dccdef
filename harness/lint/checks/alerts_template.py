"""``alerts/template``: annotation and label templates that do not parse, use unknown functions or variables,
read ``$labels.x`` the expression drops, or put ``$value`` in a label (see :mod:`harness.lint.templates`)."""

from __future__ import annotations

from harness.lint.checks.base import Check, LintContext
from harness.lint.model import Finding, Query, Rule
from harness.lint.templates import check_templates

ID = "alerts/template"


def run(rule: Rule, query: Query | None, ctx: LintContext) -> list[Finding]:
    """Template problems of one alerting rule."""
    return check_templates(rule, query, ctx.labels_of, ID)


CHECK = Check(
    ID, "annotation/label templates: syntax, unknown functions, $labels.x the expression drops, $value in labels",
    on_rule=run,
)  # fmt: skip
