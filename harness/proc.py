"""Ending child processes that firedrill started: by PID (its process group), never by name."""

from __future__ import annotations

import os
import signal
import subprocess


def terminate(popen: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM the process group `popen` leads, SIGKILL it after `grace_s`; a no-op once it has exited.

    Every child firedrill starts leads its own process group (`start_new_session=True`), so the group is
    exactly what firedrill started, helpers forked by the child included.

    Example:
        >>> child = subprocess.Popen(["sleep", "30"], start_new_session=True)
        >>> terminate(child); child.returncode == -signal.SIGTERM
        True
    """
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signal.SIGTERM)
        popen.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(timeout=grace_s)
    except ProcessLookupError:
        pass


def describe_returncode(code: int | None) -> str:
    """A child's return code in words.

    Example:
        >>> describe_returncode(-9), describe_returncode(1), describe_returncode(None)
        ('killed by SIGKILL', 'exited with code 1', 'still running')
    """
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def log_tail(text: str, lines: int = 3, width: int = 160) -> str:
    """The last meaningful lines of a log, each cut to ``width``, joined with " | " for a one-line message.

    Example:
        >>> log_tail("a\\n\\nb\\n" + "c" * 200, lines=2, width=5)
        'b | cc...'
    """
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(line if len(line) <= width else line[: width - 3] + "..." for line in kept) or "(empty log)"
