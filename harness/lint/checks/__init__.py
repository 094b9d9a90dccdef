"""Lint checks, one module each: ``ID``, ``CHECK`` (see :mod:`harness.lint.checks.base`); the registry lists them."""
