"""The interface both providers implement: start a component from a Launch, report where it listens, stop it."""

from __future__ import annotations

from abc import ABC, abstractmethod

from harness.stack.launch import Launch, Wiring
from harness.stack.spec import Component, StackSpec


class Running(ABC):
    """A started component: a local process or a container."""

    component: Component

    @property
    @abstractmethod
    def ident(self) -> str:
        """`pid 1234` or `container 3f2a...`: what teardown will end."""

    @abstractmethod
    def address(self, port: str = "web") -> str:
        """host:port where the harness reaches the named port (always loopback)."""

    def url(self, port: str = "web") -> str:
        return f"http://{self.address(port)}"

    @abstractmethod
    def alive(self) -> bool: ...

    @abstractmethod
    def logs(self, lines: int = 20) -> str: ...

    def exit_reason(self) -> str:
        """How it ended, when it has ("exited with code 1", "killed by SIGKILL"); "" when unknown."""
        return ""

    def holds_port(self, port: str) -> bool | None:
        """Whether this program (or a child of it) listens on its named port; None when that cannot be told."""
        return None

    @abstractmethod
    def stop(self) -> None:
        """End this component only; idempotent."""

    @abstractmethod
    def put_files(self, files: dict[str, bytes]) -> None:
        """Write config files where the running component reads them (before a reload)."""


class Provider(ABC):
    """Runs components somewhere: local processes or Docker containers."""

    name: str

    @abstractmethod
    def check(self, spec: StackSpec) -> None:
        """Raise StackError (one line, with the fix) when this provider cannot run `spec` here."""

    @abstractmethod
    def wiring(self, spec: StackSpec) -> Wiring: ...

    @abstractmethod
    def dirs(self, component: Component) -> tuple[str, str]:
        """(config dir, data dir) as the component sees them."""

    @abstractmethod
    def start(self, launch: Launch) -> Running: ...

    def forget_data(self, component: Component) -> None:  # noqa: B027 (containers start with empty data)
        """Empty the component's data dir before it is started again (no state carried between drills)."""

    def close(self) -> None:  # noqa: B027 (optional hook: most providers own nothing to release)
        """Release what the provider itself created (temp dirs, networks)."""
