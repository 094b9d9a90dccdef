"""Grafana dashboards: list PromQL panel queries with template variables substituted, ready to run."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.promql.duration import format_duration

# ${var:format} and ${var}, [[var]] and [[var:format]], then bare $var; longest forms first.
_VAR_RE = re.compile(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


@dataclass(frozen=True)
class PanelQuery:
    """One PromQL target of one panel, with variables substituted."""

    panel_title: str
    ref_id: str
    expr: str


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        # Collapsed rows keep their panels nested; expanded rows list them at top level.
        yield from _panels(panel.get("panels") or [])


def template_defaults(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Each template variable's current value; "All"/multi selections become ``.*`` (or ``.+`` if required)."""
    values: dict[str, str] = {}
    for var in (dashboard.get("templating") or {}).get("list") or []:
        name = var.get("name")
        if not name:
            continue
        current = (var.get("current") or {}).get("value")
        if isinstance(current, list):
            current = current[0] if len(current) == 1 else "$__all"
        if current in (None, "", "$__all"):
            current = var.get("allValue") or (".*" if var.get("includeAll", True) else ".+")
        values[name] = str(current)
    return values


def builtin_variables(step_s: float, range_s: float, scrape_s: float) -> dict[str, str]:
    """Grafana's built-in interval variables for a query step, time range and scrape interval (wall seconds).

    ``$__rate_interval`` is max(4 * scrape, step + scrape), as Grafana computes it.
    """
    return {
        "__interval": format_duration(step_s),
        "__interval_ms": str(round(step_s * 1000)),
        "__rate_interval": format_duration(max(4 * scrape_s, step_s + scrape_s)),
        "__range": format_duration(range_s),
        "__range_s": str(round(range_s)),
        "__range_ms": str(round(range_s * 1000)),
    }


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace ``$var``, ``${var}``, ``${var:fmt}`` and ``[[var]]``; unknown variables are left as they are.

    >>> substitute('rate(x{job=~"$job"}[$__rate_interval])', {"job": ".*", "__rate_interval": "2s"})
    'rate(x{job=~".*"}[2s])'
    """

    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(3)
        return values.get(name, match.group(0))

    return _VAR_RE.sub(repl, expr)


def panel_queries(
    dashboard: Path | Mapping[str, Any],
    *,
    step_s: float = 1.0,
    range_s: float = 60.0,
    scrape_s: float = 0.5,
    variables: Mapping[str, str] | None = None,
) -> list[PanelQuery]:
    """All PromQL targets of a dashboard (nested rows included), variables substituted.

    ``variables`` override template defaults. Targets without ``expr`` (other data sources) are skipped.

    >>> panel_queries({"panels": [{"title": "RPS", "targets": [{"refId": "A", "expr": "rate(x[$__range])"}]}]})
    [PanelQuery(panel_title='RPS', ref_id='A', expr='rate(x[1m])')]
    """
    data = json.loads(dashboard.read_text(encoding="utf-8")) if isinstance(dashboard, Path) else dashboard
    # Exported dashboards wrap the model in {"dashboard": {...}} when saved from the API.
    if "dashboard" in data and "panels" not in data:
        data = data["dashboard"]
    values = {**builtin_variables(step_s, range_s, scrape_s), **template_defaults(data), **(variables or {})}
    out = []
    for panel in _panels(data.get("panels") or []):
        for i, target in enumerate(panel.get("targets") or []):
            expr = target.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                continue
            ref = str(target.get("refId") or chr(ord("A") + i))
            out.append(PanelQuery(str(panel.get("title", "")), ref, substitute(expr, values)))
    return out
