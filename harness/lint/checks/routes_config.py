"""``routes/config``: an Alertmanager config that ``amtool check-config`` rejects, at the line it points to.
Reported while the config is read (:mod:`harness.lint.routes`)."""

from harness.lint.checks.base import Check

ID = "routes/config"
CHECK = Check(ID, "an Alertmanager config amtool check-config rejects")
