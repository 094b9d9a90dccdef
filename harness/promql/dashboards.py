"""Grafana dashboards as Grafana sees them: loaded, normalised for file provisioning, and their panel targets,
each with the datasource it really queries and the request Grafana's frontend would send for it.

- **Normalising** (what firedrill provisions): an API export wrapped in ``{"dashboard": ...}`` is unwrapped
  (file provisioning reads the title at the top level only); ``__inputs`` placeholders such as
  ``${DS_PROMETHEUS}`` are resolved to the provisioned datasources' uids, as Grafana's import does (file
  provisioning does not: grafana/grafana#10786); a missing uid gets a stable one. An input that cannot be
  resolved, an empty title or a bad uid is an :class:`InputError` naming ``file:line``.
- **Datasources**: a target's own ``datasource``, else its panel's, else the default datasource (also for a
  target of a ``-- Mixed --`` panel); a uid, a name or a ``$variable``, as Grafana's DatasourceSrv resolves it.
- **Requests**: the target's expression with the dashboard's variables interpolated (Prometheus formatter), its
  Min step, ``intervalMs`` from the panel's Min interval or the datasource's ``timeInterval``; the built-ins are
  left for the backend, whose work :mod:`harness.promql.grafana_backend` emulates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import InputError, Problem
from harness.promql.dashboard_vars import Finder, load_variables
from harness.promql.grafana_backend import (
    DEFAULT_RESOLUTION,
    BackendQuery,
    duration_text,
    frontend_interval_ms,
    plan,
)
from harness.promql.grafana_vars import Scope, Variable, interpolate


@dataclass(frozen=True)
class Datasource:
    """A datasource Grafana knows, by uid, name and plugin type."""

    uid: str
    name: str
    type: str
    default: bool = False


PROMETHEUS = Datasource("prometheus", "Prometheus", "prometheus", default=True)
JAEGER = Datasource("jaeger", "Jaeger", "jaeger")
# What firedrill provisions (harness.stack.launch renders these): dashboards resolve their references here.
PROVISIONED: tuple[Datasource, ...] = (PROMETHEUS, JAEGER)
# Grafana's built-in pseudo datasources: none of them runs PromQL.
_PSEUDO = {"-- Mixed --": "mixed", "-- Dashboard --": "dashboard", "-- Grafana --": "grafana", "grafana": "grafana",
           "__expr__": "__expr__", "-100": "__expr__"}  # fmt: skip
_UID_RE = re.compile(r"^[a-zA-Z0-9\-_]{1,40}$")
_PLACEHOLDER = re.compile(r"\$\{(.+?)\}")


@dataclass
class Dashboard:
    """A dashboard file, normalised: ``model`` is what Grafana gets, ``text`` the file as written."""

    file: str
    model: dict[str, Any]
    text: str = ""

    @property
    def uid(self) -> str:
        return str(self.model.get("uid") or "")

    @property
    def title(self) -> str:
        return str(self.model.get("title") or "")

    def line_of(self, needle: str) -> int:
        """The 1-based line where ``needle`` first appears in the file (1 when it does not)."""
        index = self.text.find(needle)
        return self.text.count("\n", 0, index) + 1 if index >= 0 else 1


def read_json(path: Path, display: str | None = None) -> tuple[str, dict[str, Any]]:
    """The file's text and JSON object; unreadable or non-object JSON is an InputError at its line."""
    file = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError.at(file, 0, "not UTF-8 text; expected a Grafana dashboard JSON file") from None
    except OSError as exc:
        raise InputError.at(file, 0, f"cannot read the dashboard ({exc.strerror or exc}); fix the path") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError.at(file, exc.lineno, f"not valid JSON: {exc.msg}; fix the dashboard") from None
    if not isinstance(data, dict):
        raise InputError.at(file, 1, "not a dashboard (expected a JSON object with panels); fix the dashboard")
    return text, data


def unwrap(data: Mapping[str, Any]) -> dict[str, Any]:
    """The dashboard model of an API export (``{"dashboard": {...}, "meta": ...}``), or the data itself."""
    inner = data.get("dashboard")
    if isinstance(inner, dict) and "panels" not in data and ("panels" in inner or "title" in inner):
        return dict(inner)
    return dict(data)


def input_values(model: Mapping[str, Any], datasources: Sequence[Datasource]) -> tuple[dict[str, str], list[str]]:
    """``${NAME}`` -> value for each ``__inputs`` entry, and the names no value can be found for.

    A datasource input gets the uid of the provisioned datasource of its plugin type; a constant its value.
    """
    values: dict[str, str] = {}
    missing: list[str] = []
    for entry in model.get("__inputs") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        name, kind, plugin = str(entry["name"]), entry.get("type"), entry.get("pluginId")
        if kind == "datasource" and plugin == "__expr__":
            values[name] = "__expr__"
        elif kind == "datasource":
            match = next((ds for ds in datasources if ds.type == plugin), None)
            values.update({name: match.uid} if match else {})
            missing += [] if match else [name]
        elif kind == "constant" and entry.get("value") is not None:
            values[name] = str(entry["value"])
        else:
            missing.append(name)
    return values, missing


def input_problems(board: Dashboard, datasources: Sequence[Datasource] = PROVISIONED) -> list[Problem]:
    """Each ``__inputs`` entry that cannot be resolved, at the line of its first use (else its declaration)."""
    problems = []
    by_name = {str(e.get("name")): e for e in board.model.get("__inputs") or [] if isinstance(e, dict)}
    for name in input_values(board.model, datasources)[1]:
        entry = by_name.get(name, {})
        used = "${" + name + "}"
        line = board.line_of(used) if used in board.text else board.line_of(json.dumps(name))
        if entry.get("type") == "datasource":
            have = ", ".join(f"{ds.type} (uid {ds.uid})" for ds in datasources)
            what = (f"__inputs {name} needs a {entry.get('pluginId') or '?'} datasource, which firedrill does not "
                    f"provision (it provisions {have}); point the panels at one of those or drop them")  # fmt: skip
        else:
            what = f"__inputs {name} ({entry.get('type') or 'no type'}) has no value; give it a value or remove it"
        problems.append(Problem(board.file, line, what))
    return problems


def _substitute_inputs(node: Any, values: Mapping[str, str]) -> Any:
    if isinstance(node, str):
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), node)
    if isinstance(node, list):
        return [_substitute_inputs(item, values) for item in node]
    if isinstance(node, dict):
        return {k: _substitute_inputs(v, values) for k, v in node.items() if k != "__inputs"}
    return node


def load(path: Path, datasources: Sequence[Datasource] = PROVISIONED, display: str | None = None) -> Dashboard:
    """Read and normalise a dashboard for provisioning; every problem is an InputError line.

    >>> load(Path("fixtures/customerio/dashboard.json")).uid
    'customerio-ops'
    """
    text, data = read_json(path, display)
    board = Dashboard(display or str(path), unwrap(data), text)
    problems = input_problems(board, datasources)
    values, _ = input_values(board.model, datasources)
    model = _substitute_inputs(board.model, values)
    model["id"] = None  # a provisioned dashboard gets its id from Grafana
    if not str(model.get("title") or "").strip():
        problems.append(Problem(board.file, 1, "the dashboard has no title, and Grafana "
                                "refuses to provision a dashboard without one; add a top-level \"title\""))  # fmt: skip
    uid = model.get("uid")
    if uid in (None, ""):
        digest = hashlib.sha1(text.encode()).hexdigest()[:8]  # stable across machines and checkouts
        model["uid"] = f"fd-{re.sub(r'[^A-Za-z0-9_-]', '-', path.stem)[:28]}-{digest}"
    elif not _UID_RE.match(str(uid)):
        problems.append(Problem(board.file, board.line_of('"uid"'), f"uid {uid!r} is not a Grafana uid; use at most "
                                "40 letters, digits, '-' or '_'"))  # fmt: skip
    if problems:
        raise InputError(problems)
    return Dashboard(board.file, model, text)


def check_provisioned(boards: Sequence[Dashboard]) -> None:
    """Dashboards provisioned together need distinct uids and titles, or Grafana loads only one of each."""
    problems = []
    for what in ("uid", "title"):
        seen: dict[str, Dashboard] = {}
        for board in boards:
            key = board.uid if what == "uid" else board.title
            first = seen.setdefault(key, board)
            if first is not board:
                message = (
                    f"{what} {key!r} is also the {what} of {first.file}; Grafana provisions only one of them, "
                    "give each its own"
                )
                problems.append(Problem(board.file, board.line_of(f'"{what}"'), message))
    if problems:
        raise InputError(problems)


# -- panels and their targets -----------------------------------------------------------------------------


def _panels(panels: Any) -> Iterator[dict[str, Any]]:
    for panel in panels or []:
        if isinstance(panel, dict):
            yield panel
            # Collapsed rows keep their panels nested; expanded rows list them at top level.
            yield from _panels(panel.get("panels"))


@dataclass(frozen=True)
class PanelTarget:
    """One query of one panel, with the datasource Grafana would send it to."""

    panel_title: str
    ref_id: str
    expr: str
    datasource: Datasource | None  # None: the reference names no datasource Grafana knows
    datasource_ref: str  # the reference as written, for messages
    interval: str = ""  # the target's Min step
    panel_interval: str = ""  # the panel's Min interval (lower limit of $__interval)
    max_data_points: int = 0
    instant: bool = False
    range: bool = False
    interval_factor: int = 0

    @property
    def is_promql(self) -> bool:
        return self.datasource is not None and self.datasource.type == "prometheus"

    @property
    def problem(self) -> str | None:
        """Why Grafana cannot run this target, if it cannot."""
        if self.datasource is None:
            return f"datasource {self.datasource_ref} was not found (Grafana shows an error for this panel)"
        return None


def _ref_text(ref: Any) -> str:
    if isinstance(ref, dict):
        return str(ref.get("uid") or ref.get("type") or "default")
    return "default" if ref in (None, "") else str(ref)


def resolve_datasource(
    ref: Any, variables: Mapping[str, Variable], datasources: Sequence[Datasource]
) -> Datasource | None:
    """The datasource a reference names: default for none, a pseudo datasource, a variable's value, a uid or
    a name (Grafana's DatasourceSrv.getInstanceSettings)."""
    key = ref.get("uid") if isinstance(ref, dict) else ref
    default = next((ds for ds in datasources if ds.default), None)
    if key in (None, "", "default"):
        return default
    key = str(key)
    if key in _PSEUDO:
        return Datasource(key, key, _PSEUDO[key])
    if key.startswith("$"):
        key = interpolate(
            key, Scope(variables), lambda value, _: value[0] if isinstance(value, list) and value else str(value)
        )
        if key == "default":
            return default
    return next((ds for ds in datasources if ds.uid == key), None) or next(
        (ds for ds in datasources if ds.name == key), None
    )


def panel_targets(
    model: Mapping[str, Any], variables: Mapping[str, Variable], datasources: Sequence[Datasource] = PROVISIONED
) -> list[PanelTarget]:
    """Every query Grafana would run for the dashboard (hidden and empty ones are not run), in panel order.

    Targets whose datasource is not Prometheus are included (see :attr:`PanelTarget.is_promql`), except those
    whose reference declares a non-Prometheus type firedrill does not provision (a Loki panel).
    """
    out = []
    for panel in _panels(model.get("panels")):
        title = str(panel.get("title", ""))
        panel_ref = panel.get("datasource")
        panel_ds = resolve_datasource(panel_ref, variables, datasources)
        used = {str(t.get("refId")) for t in panel.get("targets") or [] if isinstance(t, dict) and t.get("refId")}
        letters = (chr(c) for c in range(ord("A"), ord("Z") + 1))
        for target in panel.get("targets") or []:
            if not isinstance(target, dict):
                continue
            ref_id = str(target.get("refId") or next(c for c in letters if c not in used))
            expr = target.get("expr")
            if target.get("hide") or not isinstance(expr, str) or not expr.strip():
                continue
            ref = target.get("datasource")
            if ref is None:
                # A target without its own reference uses its panel's; in a mixed panel, the default.
                ref = None if panel_ds is not None and panel_ds.type == "mixed" else panel_ref
            ds = resolve_datasource(ref, variables, datasources)
            declared = ref.get("type") if isinstance(ref, dict) else None
            if ds is None and declared and declared != "prometheus" and all(d.type != declared for d in datasources):
                continue  # e.g. a Loki panel: not PromQL, and no such datasource here
            out.append(
                PanelTarget(title, ref_id, expr, ds, _ref_text(ref), str(target.get("interval") or ""),
                            str(panel.get("interval") or ""), int(panel.get("maxDataPoints") or 0),
                            bool(target.get("instant")), bool(target.get("range")),
                            int(target.get("intervalFactor") or 0))
            )  # fmt: skip
    return out


def backend_query(
    target: PanelTarget, variables: Mapping[str, Variable], from_ms: int, to_ms: int, ds_interval: str
) -> BackendQuery:
    """The query as Grafana's frontend sends it to ``/api/ds/query`` for the time range [from_ms, to_ms]."""
    scope = Scope(variables, from_ms, to_ms)
    max_points = target.max_data_points or DEFAULT_RESOLUTION
    low_limit = interpolate(target.panel_interval, scope, None) or ds_interval
    return BackendQuery(
        expr=interpolate(target.expr, scope),
        from_ms=from_ms,
        to_ms=to_ms,
        interval_ms=frontend_interval_ms(to_ms - from_ms, max_points, low_limit),
        max_data_points=max_points,
        interval=interpolate(target.interval, scope, None),
        interval_factor=target.interval_factor,
        instant=target.instant,
        range=target.range,
    )


# -- a static view, for lint ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelQuery:
    """One PromQL target of one panel as Prometheus would receive it, and as written."""

    panel_title: str
    ref_id: str
    expr: str
    raw_expr: str = field(default="", compare=False)


def panel_queries(
    dashboard: Path | Mapping[str, Any],
    *,
    step_s: float = 1.0,
    range_s: float = 60.0,
    scrape_s: float = 0.5,
    variables: Mapping[str, str] | None = None,
    find: Finder | None = None,
) -> list[PanelQuery]:
    """All PromQL targets of a dashboard (nested rows included), as Grafana would send them to Prometheus over
    the last ``range_s`` seconds on a datasource scraped every ``scrape_s`` (``step_s`` is kept for callers;
    the step is Grafana's). ``variables`` override current values; query variables keep their saved options
    unless ``find`` answers their queries. Targets on other datasources are skipped.

    >>> panel_queries({"panels": [{"title": "RPS", "targets": [{"refId": "A", "expr": "rate(x[$__range])"}]}]})
    [PanelQuery(panel_title='RPS', ref_id='A', expr='rate(x[60s])', raw_expr='rate(x[$__range])')]
    """
    data = read_json(dashboard)[1] if isinstance(dashboard, Path) else dashboard
    model = unwrap(data)
    values, _ = input_values(model, PROVISIONED)
    model = _substitute_inputs(model, values)
    to_ms, from_ms = 0, -round(range_s * 1000)
    found = load_variables(model, find=find, from_ms=from_ms, to_ms=to_ms, datasources=PROVISIONED)
    for name, value in (variables or {}).items():
        found[name] = replace(found.get(name, Variable(name)), value=value, text=value)
    ds_interval = duration_text(scrape_s)
    out = []
    for target in panel_targets(model, found, PROVISIONED):
        if target.datasource is not None and not target.is_promql:
            continue
        query = plan(backend_query(target, found, from_ms, to_ms, ds_interval), ds_interval)
        out.append(PanelQuery(target.panel_title, target.ref_id, query.expr, target.expr))
    return out


def template_defaults(dashboard: Mapping[str, Any]) -> dict[str, str]:
    """Each variable's current value as a PromQL query reads it (static: saved options only)."""
    from harness.promql.grafana_vars import prometheus_format

    out = {}
    for name, var in load_variables(unwrap(dashboard), datasources=PROVISIONED).items():
        value = var.resolved()
        out[name] = value.value if not isinstance(value, str | list) else prometheus_format(value, var)
    return out


def builtin_variables(step_s: float, range_s: float, scrape_s: float) -> dict[str, str]:
    """The built-ins Grafana's backend substitutes, for a query over ``range_s`` on a datasource scraped every
    ``scrape_s`` with ``intervalMs`` of ``step_s`` (no Min step)."""
    names = ("__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s",
             "__range_ms")  # fmt: skip
    ds = duration_text(scrape_s)
    to_ms = round(range_s * 1000)
    query = BackendQuery(" ".join("$" + n for n in names), 0, to_ms, interval_ms=round(step_s * 1000))
    return dict(zip(names, plan(query, ds).expr.split(" "), strict=True))


def substitute(expr: str, values: Mapping[str, str]) -> str:
    """Replace ``$var``, ``${var}``, ``${var:fmt}`` and ``[[var]]`` by already formatted values; unknown ones stay.

    >>> substitute('rate(x{job=~"$job"}[$__rate_interval])', {"job": ".*", "__rate_interval": "2s"})
    'rate(x{job=~".*"}[2s])'
    """
    from harness.promql.grafana_vars import VARIABLE_RE

    def repl(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        return values.get(name, match.group(0))

    return VARIABLE_RE.sub(repl, expr)
