"""``dashboard/variable``: a panel target that uses a variable the dashboard does not define.
Reported while dashboards are read (:mod:`harness.lint.dashboards`)."""

from harness.lint.checks.base import Check

ID = "dashboard/variable"
CHECK = Check(ID, "a dashboard target using a variable the dashboard does not define")
