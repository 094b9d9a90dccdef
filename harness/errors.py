"""One error tree for everything firedrill reports to a person (as httpx's ``_exceptions.py``).

::

    FiredrillError                    exit 2: one line per problem, a traceback only with --debug
    ├── InputError                    bad input, found before anything starts: ``file:line: what; fix``
    ├── ComponentError                the harness's own environment failed: never a verdict on the user's rules
    │   └── StackError                  Prometheus, Alertmanager, Jaeger, Grafana, Docker, the sink
    └── Interrupted                   Ctrl-C or SIGTERM: exit 130, after teardown

Lower libraries' errors (httpx, docker, yaml, pydantic, subprocess) are converted where firedrill calls them,
so callers catch these types only. Failed expectations are verdicts (exit 1), not errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class FiredrillError(Exception):
    """Base of every error the CLI prints as one line (or one line per problem) and exits 2 on."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located by 1-based line.

    >>> str(Problem("d.yaml", 3, "bad; expected good"))
    'd.yaml:3: bad; expected good'
    """

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class InputError(FiredrillError):
    """Input that cannot be used: every problem found, one ``file:line: what; expected ...`` line each.

    >>> print(InputError([Problem("a.yaml", 2, "x is 0; expected > 0"), Problem("a.yaml", 5, "y missing")]))
    a.yaml:2: x is 0; expected > 0
    a.yaml:5: y missing
    >>> print(InputError.at("rules.yml", 7, "bad expr; fix it"))
    rules.yml:7: bad expr; fix it
    """

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        self.problems = [Problem("", 0, problems)] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(str(p).removeprefix(": ") for p in self.problems))

    @classmethod
    def at(cls, file: str, line: int, message: str) -> InputError:
        """One problem at ``file:line`` (line 0: the file as a whole)."""
        return cls([Problem(file, line, message)])


class ComponentError(FiredrillError):
    """A part of the harness's own environment failed: a stack component, the stub, Locust, the observer.

    ``component`` names it; the message says what happened and, where there is one, the last lines of its log.
    A drill that meets one stops: its result is ``error``, never ``pass`` or ``fail``.

    >>> str(ComponentError("prometheus", "exited with code -9"))
    'prometheus: exited with code -9'
    """

    def __init__(self, component: str, detail: str) -> None:
        self.component = component
        self.detail = detail
        super().__init__(f"{component}: {detail}")


class StackError(ComponentError):
    """The observability stack could not be started or used.

    The component is the text before the first colon, as every message here starts with it.

    >>> raise StackError("prometheus: binary not found on PATH; install it with `apt-get install prometheus`")
    Traceback (most recent call last):
    ...
    harness.errors.StackError: prometheus: binary not found on PATH; install it with `apt-get install prometheus`
    """

    def __init__(self, message: str) -> None:
        component, sep, detail = message.partition(": ")
        if not sep or " " in component:
            component, detail = "stack", message
        super().__init__(component, detail)


class Interrupted(FiredrillError):
    """Ctrl-C or SIGTERM: what was running is torn down, then the CLI exits 130."""

    exit_code = 130

    def __init__(self, during: str = "") -> None:
        self.during = during
        super().__init__(f"interrupted{' during ' + during if during else ''}; everything started was stopped")
