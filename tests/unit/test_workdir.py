"""Working directories: owned, removed, and reaped only when their owner is gone, ending only what they recorded."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness import workdir


@pytest.fixture
def tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def dead_pid() -> tuple[int, int | None]:
    child = subprocess.Popen(["true"])
    started = workdir.process_start(child.pid)
    child.wait()
    return child.pid, started


def orphan(directory: Path, owner_pid: int, owner_started: int | None) -> None:
    (directory / workdir.OWNER_FILE).write_text(json.dumps({"pid": owner_pid, "started": owner_started}))


def test_made_removed_and_named_for_the_owner(tmp: Path) -> None:
    path = workdir.make_dir("drill")
    assert path.parent == tmp and path.name.startswith(f"firedrill-drill-{os.getpid()}-")
    assert workdir.reap() == []  # its owner (this process) is alive
    workdir.remove_dir(path)
    assert not path.exists()


def test_a_dead_owners_directory_and_its_children_are_reaped(tmp: Path) -> None:
    path = tmp / "firedrill-drill-999999-abc"
    path.mkdir()
    orphan(path, *dead_pid())
    child = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        workdir.record_child(path, child.pid)
        (done,) = workdir.reap()
        assert "ended 1 of its processes" in done
        assert child.wait(timeout=5) is not None
        assert not path.exists()
    finally:
        child.kill()


def test_a_reused_pid_is_never_ended(tmp: Path) -> None:
    path = tmp / "firedrill-drill-999998-abc"
    path.mkdir()
    orphan(path, *dead_pid())
    bystander = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        started = workdir.process_start(bystander.pid)
        record = {"pid": bystander.pid, "started": (started or 0) - 1, "exe": os.readlink(f"/proc/{bystander.pid}/exe")}
        (path / workdir.CHILDREN_FILE).write_text(json.dumps(record) + "\n")  # same PID, another process
        workdir.reap()
        assert bystander.poll() is None and not path.exists()
    finally:
        bystander.kill()


def test_kept_and_foreign_directories_stay(tmp: Path) -> None:
    kept = workdir.make_dir("kept", keep=True)
    orphan(kept, *dead_pid())
    data = json.loads((kept / workdir.OWNER_FILE).read_text())
    (kept / workdir.OWNER_FILE).write_text(json.dumps({**data, "keep": True}))
    foreign = tmp / "firedrill-notes"
    foreign.mkdir()
    assert workdir.reap() == []
    assert kept.exists() and foreign.exists()
