"""A dashboard's variables (``templating.list``) as Grafana loads them: options found, current value validated.

Query variables get their options from the datasource (``label_values``, ``label_names``, ``metrics``,
``query_result`` or a series selector), filtered by the variable's regex and sorted by its sort order, as
Grafana's Prometheus variable support and Scenes' ``metricNamesToVariableValues`` do. Running the query is the
caller's: it passes a ``find`` function (the drill asks Prometheus); without one, query variables whose options
were not saved in the JSON have unknown options (static lint).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from harness.promql.grafana_backend import MS, format_interval, parse_interval, round_interval
from harness.promql.grafana_vars import ALL_VALUE, Scope, Variable, interpolate

QueryKind = Literal["label_names", "label_values", "metrics", "query_result", "series"]


@dataclass(frozen=True)
class VariableQuery:
    """A Prometheus variable query, parsed: which API answers it and with what."""

    kind: QueryKind
    label: str = ""
    match: str = ""  # label_values' metric or selector, label_names' match, metrics' regex, the series selector
    expr: str = ""  # query_result's expression


# Find a query's option texts over [start_s, end_s].
Finder = Callable[[VariableQuery, float, float], list[str]]

_LABEL_VALUES = re.compile(r"^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$")
_LABEL_NAMES = re.compile(r"^label_names\(\)\s*$")
_LABEL_NAMES_MATCH = re.compile(r"^label_names\((.+)\)\s*$")
_METRICS = re.compile(r"^metrics\((.+)\)\s*$")
_QUERY_RESULT = re.compile(r"^query_result\((.+)\)\s*$")


def parse_variable_query(query: str) -> VariableQuery | None:
    """Grafana's Prometheus variable query syntax (PrometheusMetricFindQuery); None for an empty query.

    >>> parse_variable_query("label_values(up{job='a'}, instance)")
    VariableQuery(kind='label_values', label='instance', match="up{job='a'}", expr='')
    """
    text = query.strip()
    if not text or text in ("label_values()", "metrics()", "query_result()"):
        return None
    if (m := _LABEL_NAMES_MATCH.match(text)) and not _LABEL_NAMES.match(text):
        return VariableQuery("label_names", match=m.group(1))
    if _LABEL_NAMES.match(text):
        return VariableQuery("label_names")
    if m := _LABEL_VALUES.match(text):
        selector = m.group(1) or ""
        return VariableQuery(
            "label_values", label=m.group(2), match="" if selector.replace(" ", "") in ("", "{}") else selector
        )
    if m := _METRICS.match(text):
        return VariableQuery("metrics", match=m.group(1))
    if m := _QUERY_RESULT.match(text):
        return VariableQuery("query_result", expr=m.group(1))
    return VariableQuery("series", match=text)


def _query_text(raw: Any) -> str:
    """A variable's query as text: newer dashboards save an object (the query editor's model)."""
    if isinstance(raw, str):
        return raw
    if not isinstance(raw, dict):
        return ""
    if isinstance(raw.get("query"), str) and raw["query"]:
        return str(raw["query"])
    kind = raw.get("qryType")
    if kind == 0:
        return f"label_names({raw['match']})" if raw.get("match") else "label_names()"
    if kind == 1:
        metric = str(raw.get("metric") or "")
        filters = ",".join(f'{f["label"]}{f.get("op", "=")}"{f["value"]}"' for f in raw.get("labelFilters") or [])
        selector = metric + ("{" + filters + "}" if filters else "")
        return (
            f"label_values({selector},{raw.get('label', '')})" if selector else f"label_values({raw.get('label', '')})"
        )
    if kind == 2:
        return f"metrics({raw.get('metric', '')})"
    if kind == 3:
        return "query_result(" + re.sub(r"[\r\n]+", "", str(raw.get("varQuery") or "")) + ")"
    if kind == 4:
        return str(raw.get("seriesQuery") or "")
    return str(raw.get("classicQuery") or "")


def _js_regex(text: str) -> tuple[re.Pattern[str], bool]:
    """A JavaScript regex literal ("/x(.*)/g") or bare pattern, for Python; the second item is the g flag."""
    m = re.fullmatch(r"/(.*)/([gimsuy]*)", text, re.S)
    pattern, flags = (m.group(1), m.group(2)) if m else (text, "")
    pattern = re.sub(r"\(\?<([A-Za-z_]\w*)>", r"(?P<\1>", pattern)
    py_flags = (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0) | (re.S if "s" in flags else 0)
    return re.compile(pattern, py_flags), "g" in flags


def options_from_texts(texts: Sequence[str], regex: str = "", sort: int = 0) -> list[tuple[str, str]]:
    """(text, value) options from what the query returned: the regex extracts (``text``/``value`` groups, or
    the first group), duplicates go, then the sort order applies.

    >>> options_from_texts(["job-b", "job-a", "other"], regex="/job-(.*)/", sort=1)
    [('a', 'a'), ('b', 'b')]
    """
    options: list[tuple[str, str]] = []
    pattern, global_flag = _js_regex(regex) if regex else (None, False)
    for item in texts:
        text = value = item
        if pattern is not None:
            matches = list(pattern.finditer(value)) if global_flag else [m for m in [pattern.search(value)] if m]
            if not matches:
                continue
            named = [m.groupdict() for m in matches if m.groupdict()]
            groups = [m for m in matches if m.re.groups > 0]
            if any(d.get("value") or d.get("text") for d in named):
                vals = next((d["value"] for d in named if d.get("value")), None)
                txts = next((d["text"] for d in named if d.get("text")), None)
                value, text = (vals or txts or ""), (txts or vals or "")
            elif len(matches) > 1 and groups:
                options += [(m.group(1), m.group(1)) for m in matches]
                continue
            elif groups:
                text = value = groups[0].group(1) or ""
        options.append((text, value))
    seen: set[str] = set()
    unique = [o for o in options if not (o[1] in seen or seen.add(o[1]))]  # type: ignore[func-returns-value]
    return _sorted(unique, sort)


def _sorted(options: list[tuple[str, str]], sort: int) -> list[tuple[str, str]]:
    if sort in (1, 2):
        options = sorted(options, key=lambda o: o[0])
    elif sort in (3, 4):
        options = sorted(options, key=lambda o: int(m.group(1)) if (m := re.search(r"(\d+)", o[0])) else -1)
    elif sort in (5, 6):
        options = sorted(options, key=lambda o: o[0].lower())
    elif sort in (7, 8):
        options = sorted(
            options, key=lambda o: [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", o[0])]
        )
    return options[::-1] if sort in (2, 4, 6, 8) else options


def _custom_options(query: str) -> list[tuple[str, str]]:
    """A custom variable's options: comma-separated (``\\,`` escapes a comma), ``text : value`` pairs."""
    options = []
    for part in re.findall(r"(?:\\,|[^,])+", query):
        item = part.strip()
        if not item:
            continue
        text, sep, value = item.partition(" : ")
        text, value = (text.strip(), value.strip()) if sep else (item, item)
        options.append((text.replace("\\,", ","), value.replace("\\,", ",")))
    return options


def _saved_options(var: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(o.get("text", o.get("value"))), str(o.get("value")))
        for o in var.get("options") or []
        if isinstance(o, dict) and o.get("value") not in (None, ALL_VALUE)
    ]


def _current(var: Mapping[str, Any]) -> tuple[Any, Any]:
    current = var.get("current") or {}
    value = current.get("value", "") if isinstance(current, dict) else ""
    text = current.get("text", value) if isinstance(current, dict) else value
    if isinstance(value, list):
        value = [str(v) for v in value]
    elif value is None:
        value = ""
    else:
        value = str(value)
    if isinstance(text, list):
        text = [str(t) for t in text]
    return value, text if text is not None else ""


def auto_interval(var: Mapping[str, Any], range_ms: int) -> str:
    """An interval variable's ``auto`` value: the range over ``auto_count`` steps, rounded, at least
    ``auto_min`` (rangeutil.calculateInterval)."""
    count = int(var.get("auto_count") or 30)
    low = parse_interval(str(var.get("auto_min") or "10s"))
    interval = round_interval(range_ms * MS // max(count, 1))
    return format_interval(max(interval, low))


def load_variables(
    model: Mapping[str, Any],
    *,
    find: Finder | None = None,
    from_ms: int = 0,
    to_ms: int = 3_600_000,
    datasources: Sequence[Any] = (),
) -> dict[str, Variable]:
    """Every variable of the dashboard, in order (a query may use the variables above it).

    ``datasources`` are the provisioned ones (objects with uid, name and type) for datasource variables.
    """
    variables: dict[str, Variable] = {}
    for var in (model.get("templating") or {}).get("list") or []:
        if not isinstance(var, dict) or not var.get("name"):
            continue
        name, kind = str(var["name"]), str(var.get("type") or "query")
        value, text = _current(var)
        query = _query_text(var.get("query"))
        base = Variable(name, kind, value, text, bool(var.get("multi")), bool(var.get("includeAll")),
                        str(var["allValue"]) if var.get("allValue") else None, None)  # fmt: skip
        if kind == "constant":
            variables[name] = Variable(name, kind, query, query)
            continue
        if kind == "textbox":
            shown = value if value not in ("", []) else query
            variables[name] = Variable(name, kind, shown, shown)
            continue
        if kind == "interval":
            if isinstance(value, str) and value.startswith("$__auto"):
                value = text = auto_interval(var, to_ms - from_ms)
            variables[name] = Variable(name, kind, value, text)
            continue
        options: list[tuple[str, str]] | None
        if kind == "custom":
            options = _custom_options(query)
        elif kind == "datasource":
            pattern = _js_regex(str(var["regex"]))[0] if var.get("regex") else None
            options = [
                (ds.name, ds.uid)
                for ds in datasources
                if ds.type == query and (pattern is None or pattern.search(ds.name))
            ]
            if value in ("default", ["default"]):
                default = next((ds for ds in datasources if getattr(ds, "default", False) and ds.type == query), None)
                base = Variable(name, kind, default.uid if default else value, default.name if default else text)
        elif kind == "query":
            saved = _saved_options(var)
            if find is not None and not (var.get("refresh") == 0 and saved):
                parsed = parse_variable_query(interpolate(query, Scope(variables, from_ms, to_ms)))
                texts = find(parsed, from_ms / 1000, to_ms / 1000) if parsed else []
                options = options_from_texts(texts, str(var.get("regex") or ""), int(var.get("sort") or 0))
            else:
                options = saved or None
        else:
            continue  # adhoc, groupby and the like hold no value a query interpolates
        variables[name] = base.with_options(options) if options is not None else base
    return variables
