"""promtool, run and read: rule files checked before anything starts, its complaints as ``file:line``.

Shared by the drill (a broken rule file stops a drill before the stack starts) and the linter. The promtool is
the one of the Prometheus that will run (harness.programs): Prometheus 3's parser rejects what 2's accepted.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import programs
from harness.errors import InputError
from harness.promql.v3 import RENAMED_FUNCTIONS, rename_advice


def find_promtool(prometheus: str | None = None) -> str | None:
    """The promtool that comes with the Prometheus at ``prometheus`` (default: the one the drills run).

    Example:
        >>> find_promtool("/nowhere/prometheus") is None
        True
    """
    server = programs.chosen("prometheus", prometheus)
    if server is None:
        return None
    tool = programs.tool_for(server, "promtool")
    return tool.path if tool is not None else None


def check_rule_files(rule_files: list[Path], promtool: str | None = None) -> None:
    """Validate rule files with promtool before anything starts; InputError naming file, line and fix.

    ``promtool`` defaults to the one of the Prometheus the drills run (:func:`find_promtool`).

    Example:
        >>> check_rule_files([Path("fixtures/customerio/alerts.yml")])  # doctest: +SKIP
    """
    promtool = promtool or find_promtool()
    for rule_file in rule_files:
        if not Path(rule_file).is_file():
            raise InputError.at(str(rule_file), 0, "rule file not found; check the path")
        if promtool is None:
            continue
        result = subprocess.run([promtool, "check", "rules", str(rule_file)], capture_output=True, text=True)
        if result.returncode != 0:
            raise InputError(f"{promtool_problem(str(rule_file), result.stderr + result.stdout)}; fix it "
                             f"(`{Path(promtool).name} check rules {rule_file}`)")  # fmt: skip


def renamed_hint(message: str) -> str:
    """``message`` with the fix added when it calls a function Prometheus 3 renamed "unknown".

    >>> renamed_hint('parse error: unknown function with name "holt_winters"')  # doctest: +ELLIPSIS
    'parse error: unknown function with name "holt_winters" (Prometheus 3 renamed it): call double_exponential...'
    """
    for old in RENAMED_FUNCTIONS:
        if f'unknown function with name "{old}"' in message:
            return f"{message} (Prometheus 3 renamed it): {rename_advice(old)}"
    return message


def promtool_problem(rule_file: str, output: str) -> str:
    """promtool's first real complaint as `file:line: message` (it prints `file: line:col: message`)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(f"{rule_file}:"):
            rest = line[len(rule_file) + 1 :].strip()
            position, _, message = rest.partition(": ")
            row = position.split(":")[0]
            if row.isdigit():
                return f"{rule_file}:{row}: invalid rule: {renamed_hint(message)}"
            return f"{rule_file}: invalid rule file: {renamed_hint(rest)}"
    detail = next((line for line in lines if not line.startswith(("Checking", "FAILED"))), "promtool rejected it")
    return f"{rule_file}: invalid rule file: {detail}"
