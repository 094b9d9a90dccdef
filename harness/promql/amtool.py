"""amtool, run and read: an Alertmanager config checked the way Alertmanager itself loads it.

Shared by the drill (a config Alertmanager would reject stops a drill before anything starts) and the linter.

Example:
    >>> check_config(Path("fixtures/customerio/alertmanager.yml")) is None   # doctest: +SKIP
    True
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from harness import programs
from harness.errors import Problem

TIMEOUT_S = 30


def amtool_problem(file: str, lines: list[str], output: str) -> Problem:
    """amtool's complaint at the line it names (``yaml: line N``) or where the value it quotes appears.

    >>> amtool_problem("am.yml", ["route:", "  receiver: pager"], 'FAILED: undefined receiver "pager" used in route')
    Problem(file='am.yml', line=2, message='undefined receiver "pager" used in route')
    """
    lines_out = [line.strip() for line in output.splitlines() if line.strip()]
    at = next((i for i, line in enumerate(lines_out) if "FAILED" in line), None)
    failed = lines_out[at : at + 2] if at is not None else lines_out
    # A message that ends with ":" continues on the next line ("yaml: unmarshal errors:" then the error).
    text = failed[0] + (" " + failed[1] if len(failed) > 1 and failed[0].endswith(":") else "") if failed else ""
    message = text.split("FAILED:", 1)[-1].strip() or "amtool check-config failed"
    line = 1
    if match := re.search(r"line (\d+)", message):
        line = int(match.group(1))
    elif match := re.search(r'"([^"]+)"', message):
        line = next((i + 1 for i, text in enumerate(lines) if match.group(1) in text), 1)
    return Problem(file, line, message)


def find_amtool(alertmanager: str | None = None) -> str | None:
    """The amtool that comes with the Alertmanager at ``alertmanager`` (default: the one the drills run,
    FIREDRILL_ALERTMANAGER_BIN or the newest installed); None when there is none.

    >>> find_amtool("/nowhere/alertmanager") is None
    True
    """
    server = programs.chosen("alertmanager", alertmanager)
    if server is None:
        tool = None if alertmanager else programs.newest("amtool")
    else:
        tool = programs.tool_for(server, "amtool")
    return tool.path if tool is not None else None


def check_config(path: Path, display: str | None = None, amtool: str | None = None) -> Problem | None:
    """None when Alertmanager accepts the config (or amtool is not installed), else its complaint at a line.

    ``amtool`` defaults to the one of the Alertmanager the drills run (:func:`find_amtool`).
    """
    amtool = amtool or find_amtool()
    if amtool is None:
        return None
    try:
        result = subprocess.run([amtool, "check-config", str(path)], capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return Problem(display or str(path), 0, f"amtool check-config took over {TIMEOUT_S}s")
    if result.returncode == 0:
        return None
    lines = path.read_text(errors="replace").splitlines()
    return amtool_problem(display or str(path), lines, result.stdout + result.stderr)
