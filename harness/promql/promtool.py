"""promtool, run and read: rule files checked before anything starts, its complaints as ``file:line``.

Shared by the drill (a broken rule file stops a drill before the stack starts) and the linter.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from harness.errors import InputError


def check_rule_files(rule_files: list[Path]) -> None:
    """Validate rule files with promtool before anything starts; InputError naming file, line and fix.

    Example:
        >>> check_rule_files([Path("fixtures/customerio/alerts.yml")])  # doctest: +SKIP
    """
    promtool = shutil.which("promtool")
    for rule_file in rule_files:
        if not Path(rule_file).is_file():
            raise InputError.at(str(rule_file), 0, "rule file not found; check the path")
        if promtool is None:
            continue
        result = subprocess.run([promtool, "check", "rules", str(rule_file)], capture_output=True, text=True)
        if result.returncode != 0:
            raise InputError(f"{promtool_problem(str(rule_file), result.stderr + result.stdout)}; fix it "
                             f"(`promtool check rules {rule_file}`)")  # fmt: skip


def promtool_problem(rule_file: str, output: str) -> str:
    """promtool's first real complaint as `file:line: message` (it prints `file: line:col: message`)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        if line.startswith(f"{rule_file}:"):
            rest = line[len(rule_file) + 1 :].strip()
            position, _, message = rest.partition(": ")
            row = position.split(":")[0]
            if row.isdigit():
                return f"{rule_file}:{row}: invalid rule: {message}"
            return f"{rule_file}: invalid rule file: {rest}"
    detail = next((line for line in lines if not line.startswith(("Checking", "FAILED"))), "promtool rejected it")
    return f"{rule_file}: invalid rule file: {detail}"
