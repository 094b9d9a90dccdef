"""Errors that firedrill reports to a person: one line, naming the cause and the fix."""

from __future__ import annotations


class FiredrillError(Exception):
    """Base for errors the CLI prints as one line and exits 2 on (bad input or environment)."""

    exit_code = 2


class StackError(FiredrillError):
    """The observability stack could not be started or used.

    Example:
        >>> raise StackError("prometheus: binary not found on PATH; install it with `apt-get install prometheus`")
        Traceback (most recent call last):
        ...
        harness.errors.StackError: prometheus: binary not found on PATH; install it with `apt-get install prometheus`
    """
