"""Static checks of alert rules, dashboards and Alertmanager routes, against what the target really exports.

>>> from pathlib import Path
>>> from harness.lint import LintInputs, lint
>>> lint(LintInputs(rules=[Path("fixtures/customerio/alerts.yml")], targets=["profile:customerio"])).errors
0
"""

from harness.lint.engine import LintInputs, lint
from harness.lint.model import Finding, LintReport

__all__ = ["Finding", "LintInputs", "LintReport", "lint"]
