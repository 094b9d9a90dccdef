"""``promql/syntax``: an expression that does not parse, at its line and column (promtool's column when it runs).
Reported while rule files and dashboards are read."""

from harness.lint.checks.base import Check

ID = "promql/syntax"
CHECK = Check(ID, "PromQL that does not parse, with file:line:column")
