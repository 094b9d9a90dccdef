"""``rules/shape``: a rule file that is not what Prometheus accepts (keys, types, durations), at the key's line.
Reported while the file is read (:mod:`harness.lint.rules`)."""

from harness.lint.checks.base import Check

ID = "rules/shape"
CHECK = Check(ID, "the rule file's YAML shape: unknown keys, wrong types, bad durations")
