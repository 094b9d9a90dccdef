"""Shared fixtures: which stack providers this machine can exercise, and leak checks after live tests."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack.spec import Component

# Lint's fixture drills (tests/fixtures/lint/drills/drill_*.yaml, some broken on purpose) are inputs, not tests.
collect_ignore_glob = ["fixtures/*"]

# `firedrill images build --prefix P` builds P/<name>:offline; FIREDRILL_OFFLINE_PREFIX points the tests at them.
_PREFIX = os.environ.get("FIREDRILL_OFFLINE_PREFIX", "firedrill")
OFFLINE_IMAGES = {
    Component.PROMETHEUS: f"{_PREFIX}/prometheus:offline",
    Component.ALERTMANAGER: f"{_PREFIX}/alertmanager:offline",
    Component.JAEGER: f"{_PREFIX}/jaeger:offline",
    Component.BLACKBOX: f"{_PREFIX}/blackbox:offline",
}


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for ``--dist loadgroup`` (make test): the tests that read the packed batch of drills (their module
    names ``SUITE_NAME`` or ``BATCH_DRILLS``, tests/live/suites.py) share one worker, which runs the batch once;
    every other module is a group of its own, so its module-scoped fixtures run once too.

    Under loadgroup the groups are handed out in collection order (make test passes
    ``--no-loadscope-reorder``): the batch first, as it is the longest; the tests that start programs next; the
    unit tests and docstring examples last, when the batch's tail has left the most room for their CPU.
    """
    for item in items:
        item.add_marker(pytest.mark.xdist_group("batch" if _reads_the_batch(item) else item.path.stem))
    if under_loadgroup(config):
        items.sort(key=_turn)  # stable: a module's tests keep their order


def under_loadgroup(config: pytest.Config) -> bool:
    """Whether this is a worker of ``--dist loadgroup`` (xdist sets the worker's own ``dist`` to ``no``)."""
    return bool(getattr(config.option, "loadgroup", False))


@pytest.fixture(autouse=True)
def _program_choice_stays_in_its_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """``explicit_binaries`` exports the programs it checked (``FIREDRILL_<NAME>_BIN``) for the whole process. A
    test that calls it must not leave its choice, often a fake, to the tests after it in the same process: under
    make test, live tests that start real programs."""
    for name in ("PROMETHEUS", "ALERTMANAGER"):
        variable = f"FIREDRILL_{name}_BIN"
        monkeypatch.setenv(variable, os.environ.get(variable, ""))  # the undo restores the value, or its absence
        if not os.environ[variable]:
            monkeypatch.delenv(variable)


def _reads_the_batch(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    return module is not None and (hasattr(module, "SUITE_NAME") or hasattr(module, "BATCH_DRILLS"))


def _turn(item: pytest.Item) -> int:
    """0: reads the batch; 1: starts programs of its own (tests/live, reliability, browser); 2: unit tests and
    docstring examples."""
    here = Path(__file__).parent
    if _reads_the_batch(item):
        return 0
    return 1 if here in item.path.parents and here / "unit" not in item.path.parents else 2


# The Prometheus majors every suite must pass on: 3 (built by `make setup`) and Debian's 2.42 (with Alertmanager
# 0.25, its companion package). The drills run the newest unless told otherwise.
MAJORS = [3, 2]


def programs_of_major(major: int) -> dict[Component, str]:
    """Prometheus of ``major`` and the Alertmanager of its generation, as ``StackSpec.binaries``; the test fails,
    naming the fix, when they are not installed."""
    from harness.stack.processes import binaries_for_major

    found = binaries_for_major(major)
    if found is None:
        what = "Debian's `prometheus` and `prometheus-alertmanager`" if major == 2 else "Prometheus 3 (make setup)"
        pytest.fail(f"no Prometheus {major} and Alertmanager installed: install {what}; run `make setup`")
    return found


def docker_ready() -> str | None:
    """None when a Docker daemon answers and the offline images exist, else the reason it can't be used."""
    try:
        from harness.stack.containers import docker_client, image_present

        client = docker_client(timeout=3)
    except Exception as exc:
        return str(exc)
    missing = [image for image in OFFLINE_IMAGES.values() if not image_present(client, image)]
    return f"offline images missing: {', '.join(missing)} (run `firedrill images build`)" if missing else None


def require_docker() -> None:
    """Fail, naming the fix, when Docker or the offline images are missing: `make setup` provides both."""
    reason = docker_ready()
    if reason is not None:
        pytest.fail(f"containers provider needs Docker and the offline images: {reason}; run `make setup`")


@pytest.fixture(params=["processes", "containers"])
def provider(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each live stack test runs on both providers; containers use the offline images on host networking."""
    if request.param == "containers":
        require_docker()
        monkeypatch.setenv("FIREDRILL_NETWORK", "host")
        monkeypatch.setenv("FIREDRILL_PULL", "never")
        for component, image in OFFLINE_IMAGES.items():
            monkeypatch.setenv(f"FIREDRILL_IMAGE_{component.name}", image)
    return str(request.param)


def child_pids() -> set[int]:
    """Live (non-zombie) children of this test process, read from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            children.add(int(stat.parent.name))
    return children


def container_ids() -> set[str]:
    """Containers this test process started (Testcontainers labels each with its process's session id): the
    live run's other xdist workers start their own at the same time."""
    from testcontainers.core.labels import LABEL_SESSION_ID, SESSION_ID

    command = ["docker", "ps", "-aq", "--filter", f"label={LABEL_SESSION_ID}={SESSION_ID}"]
    result = subprocess.run(command, capture_output=True, text=True)
    return set(result.stdout.split()) if result.returncode == 0 else set()


@pytest.fixture
def no_leaks() -> Iterator[None]:
    """Fail the test if it leaves a child process or a container behind."""
    containers_before = container_ids()
    yield
    leftover = child_pids()
    assert not leftover, f"child processes left running: {sorted(leftover)}"
    new_containers = container_ids() - containers_before
    assert not new_containers, f"containers left behind: {sorted(new_containers)}"


def sigint_as_in_a_terminal() -> None:
    """``preexec_fn`` for a child the test will Ctrl-C: a shell starts background jobs with SIGINT ignored, and a
    Python started so never raises KeyboardInterrupt. A test run from such a job (CI scripts, ``make test &``)
    would see the child ignore the signal it sends; a terminal's Ctrl-C is what the tests mean."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
