"""``rules/promtool``: what ``promtool check rules`` rejects that the linter did not already report.
Reported while rule files are read (:func:`harness.lint.rules.promtool_findings`)."""

from harness.lint.checks.base import Check

ID = "rules/promtool"
CHECK = Check(ID, "what promtool check rules rejects beyond the checks above")
