"""When a started component counts as ready, and when its port was taken (which the stack retries)."""

from __future__ import annotations

import httpx
import pytest

from harness.errors import StackError
from harness.stack import readiness
from harness.stack.launch import Launch
from harness.stack.provider import Running
from harness.stack.readiness import PortTaken, wait_ready
from harness.stack.spec import Component


class _Program(Running):
    """A component as the stack sees it: alive or not, its log, and whether it holds its port."""

    component = Component.PROMETHEUS

    def __init__(self, alive: bool = True, log: str = "", holds: bool | None = True) -> None:
        self._alive, self._log, self._holds = alive, log, holds

    @property
    def ident(self) -> str:
        return "pid 4242"

    def address(self, port: str = "web") -> str:
        return "127.0.0.1:9"

    def alive(self) -> bool:
        return self._alive

    def logs(self, lines: int = 20) -> str:
        return self._log

    def holds_port(self, port: str) -> bool | None:
        return self._holds

    def stop(self) -> None:
        pass

    def put_files(self, files: dict[str, bytes]) -> None:
        pass


LAUNCH = Launch(Component.PROMETHEUS, args=[])


@pytest.fixture
def answers_200(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness.httpx, "get", lambda url, **_: httpx.Response(200))


@pytest.mark.usefixtures("answers_200")
def test_ready_when_it_answers_from_its_own_port() -> None:
    wait_ready(Component.PROMETHEUS, _Program(holds=True), LAUNCH, timeout_s=1)
    wait_ready(Component.PROMETHEUS, _Program(holds=None), LAUNCH, timeout_s=1)  # a container: cannot be told


@pytest.mark.usefixtures("answers_200")
def test_an_answer_from_another_program_on_its_port_is_a_taken_port() -> None:
    with pytest.raises(PortTaken, match="answered, but from another program"):
        wait_ready(Component.PROMETHEUS, _Program(holds=False), LAUNCH, timeout_s=1)


def test_dying_of_a_taken_port_is_a_taken_port_and_any_other_death_is_not() -> None:
    taken = _Program(alive=False, log='level=ERROR msg="listen tcp 127.0.0.1:9090: bind: address already in use"')
    with pytest.raises(PortTaken, match="bind: address already in use"):
        wait_ready(Component.PROMETHEUS, taken, LAUNCH, timeout_s=1)
    broken = _Program(alive=False, log='starting\nlevel=ERROR msg="error loading config"\nbye')
    with pytest.raises(StackError, match="exited during start-up: level=ERROR") as raised:
        wait_ready(Component.PROMETHEUS, broken, LAUNCH, timeout_s=1)
    assert not isinstance(raised.value, PortTaken)


def test_not_ready_in_time_names_the_url_and_the_last_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness.httpx, "get", lambda url, **_: httpx.Response(503))
    with pytest.raises(StackError, match=r"not ready at http://127.0.0.1:9/-/ready after 0s \(HTTP 503\)"):
        wait_ready(Component.PROMETHEUS, _Program(), LAUNCH, timeout_s=0.1)
