"""Working directories under the system temp dir: made for an owner, removed by it, reaped when it was killed.

Every directory firedrill makes is ``firedrill-<kind>-<pid>-<random>`` and holds an owner record (the owning
process's PID and start time). Its owner removes it on exit, on an error, on SIGTERM and on Ctrl-C. A process
killed with SIGKILL cannot; so each firedrill run first reaps directories whose owner is gone: it ends the child
processes the directory recorded (by PID, and only when the PID is still the same program, started at the
same time) and removes the directory. ``--keep`` leaves a directory in place and says where.

Example:
    >>> path = make_dir("example")
    >>> owner(path)["pid"] == os.getpid(), path.name.startswith(f"firedrill-example-{os.getpid()}-")
    (True, True)
    >>> remove_dir(path); path.exists()
    False
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

OWNER_FILE = ".firedrill-owner.json"
CHILDREN_FILE = ".firedrill-children.jsonl"
_NAME = re.compile(r"^firedrill-[A-Za-z0-9_.-]+-(\d+)-[A-Za-z0-9_]+$")

_lock = threading.Lock()
_owned: set[Path] = set()


def process_start(pid: int) -> int | None:
    """A process's start time in clock ticks since boot (``/proc/PID/stat`` field 22); None when it is gone.

    With the PID it identifies one process: a PID reused later has another start time.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[19]) if len(fields) > 19 else None


def _executable(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


def make_dir(kind: str, keep: bool = False) -> Path:
    """A new working directory for ``kind`` owned by this process; removed at exit unless ``keep``."""
    path = Path(tempfile.mkdtemp(prefix=f"firedrill-{kind}-{os.getpid()}-"))
    record = {"pid": os.getpid(), "started": process_start(os.getpid()), "kind": kind, "keep": keep}
    (path / OWNER_FILE).write_text(json.dumps(record))
    if not keep:
        with _lock:
            _owned.add(path)
    return path


def remove_dir(path: Path) -> None:
    """Remove a working directory (idempotent)."""
    with _lock:
        _owned.discard(path)
    shutil.rmtree(path, ignore_errors=True)


def record_child(directory: Path, pid: int) -> None:
    """Note a child process in ``directory``, so a reaper can end it if this process dies without doing so."""
    entry = {"pid": pid, "started": process_start(pid), "exe": _executable(pid)}
    with contextlib.suppress(OSError), (directory / CHILDREN_FILE).open("a") as handle:
        handle.write(json.dumps(entry) + "\n")


def owner(path: Path) -> dict[str, Any]:
    """The directory's owner record (empty when it has none)."""
    try:
        data = json.loads((path / OWNER_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: int, started: int | None) -> bool:
    now = process_start(pid)
    return now is not None and (started is None or now == started)


def _end(entry: dict[str, Any]) -> bool:
    """End a recorded child if it is still the same program; True when it was ended."""
    pid = int(entry.get("pid", 0))
    if pid <= 1 or not _alive(pid, entry.get("started")) or _executable(pid) != entry.get("exe", ""):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig) if os.getpgid(pid) == pid else os.kill(pid, sig)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _alive(pid, entry.get("started")):
            time.sleep(0.05)
        if not _alive(pid, entry.get("started")):
            return True
    return True


def reap(root: Path | None = None) -> list[str]:
    """Remove directories whose owner has died (ending the children they recorded); returns what was done."""
    done = []
    base = Path(root or tempfile.gettempdir())
    for path in sorted(base.glob("firedrill-*")):
        if not path.is_dir() or not _NAME.match(path.name):
            continue
        record = owner(path)
        if not record or record.get("keep") or _alive(int(record.get("pid", 0)), record.get("started")):
            continue
        ended = 0
        for children in path.rglob(CHILDREN_FILE):  # a drill's stubs record theirs in its subdirectories
            with contextlib.suppress(OSError):
                for line in children.read_text().splitlines():
                    with contextlib.suppress(ValueError):
                        ended += _end(json.loads(line))
        shutil.rmtree(path, ignore_errors=True)
        done.append(f"{path} (owner pid {record.get('pid')} is gone; ended {ended} of its processes)")
    return done


@atexit.register
def _remove_owned() -> None:
    with _lock:
        paths = list(_owned)
        _owned.clear()
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
