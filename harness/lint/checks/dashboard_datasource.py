"""``dashboard/datasource``: PromQL on a non-Prometheus datasource, an undeclared datasource variable, or panels
on different Prometheus datasources. Reported while dashboards are read (:mod:`harness.lint.dashboards`)."""

from harness.lint.checks.base import Check

ID = "dashboard/datasource"
CHECK = Check(ID, "PromQL on a non-Prometheus or undeclared datasource; panels on different Prometheus datasources")
