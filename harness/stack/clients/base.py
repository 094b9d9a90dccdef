"""What every client shares: one request with transport failures converted, JSON bodies checked, numbers and
versions read as the APIs report them."""

from __future__ import annotations

import math
from typing import Any

import httpx

from harness.errors import StackError

# One series of a query result: its labels and (unix seconds, value) points. NaN is not a value (both clients
# drop it); +Inf and -Inf are.
SeriesData = tuple[dict[str, str], list[tuple[float, float]]]


class QueryRejected(ValueError):
    """Prometheus (or Grafana) refused a query as invalid: a fault of the query, not of the stack."""


def call(component: str, send: Any, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """One request, with transport failures converted to StackError naming the component."""
    try:
        return send(method, path, **kwargs)  # type: ignore[no-any-return]
    except httpx.HTTPError as exc:
        raise StackError(f"{component}: {method} {path} failed ({type(exc).__name__}: {exc})") from None


def json_body(component: str, response: httpx.Response) -> Any:
    """The response's JSON body; a body that is not JSON is a StackError (a proxy page, a crashed server)."""
    try:
        return response.json()
    except ValueError:
        snippet = response.text[:120].replace("\n", " ")
        raise StackError(
            f"{component}: {response.request.method} {response.request.url.path} answered HTTP "
            f"{response.status_code} with a body that is not JSON ({snippet!r})"
        ) from None


def version_text(value: Any) -> str | None:
    """A version as reported, or None when the program left it empty."""
    return str(value).strip() or None if value is not None else None


def number(text: Any) -> float | None:
    """A sample value as the APIs write it (``"1.5"``, ``"+Inf"``); None for NaN or what is not a number."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value
