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
