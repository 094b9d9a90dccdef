"""``dashboard/inputs``: an ``__inputs`` entry of a dashboard exported for sharing that firedrill cannot resolve
(a datasource of a plugin it does not provision, a constant without value): a drill would stop on it. Reported
while dashboards are read (:mod:`harness.lint.dashboards`)."""

from harness.lint.checks.base import Check

ID = "dashboard/inputs"
CHECK = Check(ID, "an __inputs placeholder (${DS_...}) that no provisioned datasource or value resolves")
