"""Grafana's template-variable interpolation, as its dashboards (Scenes) and its Prometheus datasource do it.

Written from Grafana's documentation and test tables (Scenes' ``formatRegistry.test.ts`` and
``sceneInterpolator``; the Prometheus datasource's ``datasource.test.ts`` "escaping" and "interpolating
variables" cases; ``MultiValueVariable``'s All and validation rules), with the default feature toggles of a
Grafana 12 image (``prometheusSpecialCharsInLabelValues`` off).

- ``$var``, ``${var}``, ``${var:format}``, ``[[var]]`` and ``[[var:format]]`` are found with Grafana's own
  pattern; an unknown name is left as it is.
- With no ``:format`` a Prometheus query uses the datasource's formatter (:func:`prometheus_format`):
  several values become ``(v1|v2)`` with each value regex-escaped, and a single value is escaped too when the
  variable is multi-value or has an All option.
- All without a custom all value is every option's value; a custom all value is used raw (then interpolated).
- ``$__interval`` and ``$__interval_ms`` are left for Grafana's backend (:mod:`harness.promql.grafana_backend`),
  as the Prometheus datasource does; ``$__from``/``$__to`` are epoch milliseconds (``:date`` formats them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

ALL_VALUE = "$__all"
ALL_TEXT = "All"

# Grafana's VARIABLE_REGEX: $var | [[var]] / [[var:fmt]] | ${var} / ${var.field} / ${var:fmt}
VARIABLE_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}")

Value = str | list[str]
Formatter = Callable[[Value, "Variable"], str]


@dataclass(frozen=True)
class CustomAll:
    """A variable set to All whose ``allValue`` is set: used as written, not escaped (Grafana's CustomAllValue)."""

    value: str


@dataclass(frozen=True)
class Variable:
    """A dashboard variable once its options are known: what interpolation reads.

    ``value`` is the current selection (``$__all``, one value, or a list); ``options`` are ``(text, value)``
    pairs without the All option, or None when they could not be known (lint has no Prometheus to ask).
    """

    name: str
    type: str = "custom"
    value: Value = ""
    text: Value = ""
    multi: bool = False
    include_all: bool = False
    all_value: str | None = None
    options: tuple[tuple[str, str], ...] | None = ()

    def is_all(self) -> bool:
        value = self.value
        return value == ALL_VALUE or (isinstance(value, list) and bool(value) and value[0] == ALL_VALUE)

    def resolved(self) -> Value | CustomAll:
        """The value Grafana formats: All expands to every option's value (or the custom all value)."""
        if self.is_all():
            if self.all_value:
                return CustomAll(self.all_value)
            if self.options is None:
                return CustomAll(".*")  # options unknown (static lint): any value, unescaped
            return [value for _, value in self.options]
        return self.value

    def value_text(self) -> str:
        if self.is_all():
            return ALL_TEXT
        return " + ".join(self.text) if isinstance(self.text, list) else str(self.text)

    def with_options(self, options: Sequence[tuple[str, str]]) -> Variable:
        """The variable after Grafana validated its current value against freshly loaded options.

        A selection no option holds falls back to the first option (All when the variable has one and the
        options are empty); a multi-value selection keeps the values still offered.
        """
        opts = tuple(options)
        state = Variable(self.name, self.type, self.value, self.text, self.multi, self.include_all,
                         self.all_value, opts)  # fmt: skip
        if not opts:
            if self.include_all:
                return _replace(state, ALL_VALUE, ALL_TEXT)
            return _replace(state, [] if self.multi else "", [] if self.multi else "")
        if self.is_all():
            if self.include_all:
                return _replace(state, self.value, ALL_TEXT)
            first_text, first_value = opts[0]
            return _replace(
                state, [first_value] if self.multi else first_value, [first_text] if self.multi else first_text
            )
        by_value = {value: text for text, value in opts}
        if self.multi:
            current = self.value if isinstance(self.value, list) else [self.value]
            valid = [v for v in current if v in by_value]
            if not valid:
                return _replace(state, [opts[0][1]], [opts[0][0]])
            return _replace(state, valid, [by_value[v] for v in valid])
        current_value = self.value[0] if isinstance(self.value, list) and self.value else self.value
        if current_value in by_value:
            return _replace(state, current_value, by_value[str(current_value)])
        by_text = [(t, v) for t, v in opts if t == self.text]
        text, value = by_text[0] if by_text else opts[0]
        return _replace(state, value, text)


def _replace(variable: Variable, value: Value, text: Value) -> Variable:
    return Variable(variable.name, variable.type, value, text, variable.multi, variable.include_all,
                    variable.all_value, variable.options)  # fmt: skip


# -- the Prometheus datasource's formatter -----------------------------------------------------------------


def prometheus_regular_escape(value: str) -> str:
    """A single value of a variable that is neither multi nor All: backslashes and single quotes escaped.

    >>> print(prometheus_regular_escape("looking'glass"), prometheus_regular_escape("looking\\\\glass"))
    looking\\\\'glass looking\\\\glass
    """
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


_PROM_REGEX_META = re.compile(r"[$^*{}\[\]+?.()|]")


def prometheus_regex_escape(value: str) -> str:
    """A value of a multi-value or All variable: regex metacharacters escaped for a PromQL string.

    >>> print(prometheus_regex_escape("+looking$glass?"))
    \\\\+looking\\\\$glass\\\\?
    """
    return _PROM_REGEX_META.sub(lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))


def prometheus_format(value: Value, variable: Variable) -> str:
    """The Prometheus datasource's ``interpolateQueryExpr``: how ``$var`` reads in a PromQL query.

    >>> print(prometheus_format(["a|bc", "de|f"], Variable("v", multi=True)))
    (a\\\\|bc|de\\\\|f)
    """
    if not variable.multi and not variable.include_all:
        return prometheus_regular_escape(value) if isinstance(value, str) else ",".join(value)
    if isinstance(value, str):
        return prometheus_regex_escape(value)
    escaped = [prometheus_regex_escape(v) for v in value]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


# -- the format registry (``${var:format}``) ---------------------------------------------------------------


def _js_string(value: Value) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


def _regex_escape(value: str) -> str:
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m.group(0), value)


def _is_js_number(value: str) -> bool:
    text = value.strip()
    if not text or text in ("Infinity", "+Infinity", "-Infinity"):
        return True
    try:
        float(text)
    except ValueError:
        return bool(re.fullmatch(r"0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+", text))
    return text.lower() not in ("nan", "inf", "+inf", "-inf", "infinity")


def _lucene_escape(value: str) -> str:
    if _is_js_number(value):
        return value
    return re.sub(r"([!*+\-=<>\s&|()\[\]{}^~?:\\/\"])", r"\\\1", value)


def _strict_uri_component(value: str) -> str:
    return quote(value, safe="-_.~")


def _strict_uri(value: str) -> str:
    return quote(value, safe=";,/?:@&=+$#-_.~")


def _html(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _quoted(value: Value, quote_char: str, escape: Callable[[str], str]) -> str:
    values = value if isinstance(value, list) else [value]
    return ",".join(f"{quote_char}{escape(v)}{quote_char}" for v in values)


def _date(value: Value, args: list[str]) -> str | None:
    try:
        ms = int(_js_string(value))
    except ValueError:
        return "NaN"
    arg = args[0] if args else "iso"
    if arg == "ms":
        return str(ms)
    if arg == "seconds":
        return str(round(ms / 1000))
    if arg == "iso":
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return None  # moment.js display formats are not emulated: the reference is left as written


def format_value(value: Value, fmt: str, variable: Variable) -> str | None:
    """``${var:fmt}``: one of Grafana's named formats (arguments after ``:``); None when not emulated.

    >>> v = Variable("server")
    >>> [format_value(["test.", "test2"], f, v) for f in ("regex", "pipe", "csv", "json", "glob", "distributed")]
    ['(test\\\\.|test2)', 'test.|test2', 'test.,test2', '["test.","test2"]', '{test.,test2}', 'test.,server=test2']
    """
    name, *args = fmt.split(":")
    values = value if isinstance(value, list) else None
    if name == "regex":
        if values is None:
            return _regex_escape(str(value))
        escaped = [_regex_escape(v) for v in values]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    if name == "lucene":
        if values is None:
            return _lucene_escape(str(value))
        return "__empty__" if not values else "(" + " OR ".join(f'"{_lucene_escape(v)}"' for v in values) + ")"
    if name == "raw":
        return _js_string(value)
    if name in ("pipe", "csv"):
        return ("|" if name == "pipe" else ",").join(values) if values is not None else str(value)
    if name == "join":
        return (args[0] if args else ",").join(values) if values is not None else str(value)
    if name == "distributed":
        if values is None:
            return str(value)
        return ",".join(v if i == 0 else f"{variable.name}={v}" for i, v in enumerate(values))
    if name == "html":
        return _html(", ".join(values) if values is not None else str(value))
    if name == "json":
        return str(value) if values is None else json.dumps(values, separators=(",", ":"), ensure_ascii=False)
    if name == "percentencode":
        return _strict_uri_component("{" + ",".join(values) + "}" if values is not None else str(value))
    if name == "uriencode":
        return _strict_uri("{" + ",".join(values) + "}" if values is not None else str(value))
    if name == "singlequote":
        return _quoted(value, "'", lambda v: v.replace("'", "\\'"))
    if name == "doublequote":
        return _quoted(value, '"', lambda v: v.replace('"', '\\"'))
    if name == "sqlstring":
        return _quoted(value, "'", lambda v: v.replace("'", "''").replace('"', '\\"'))
    if name == "queryparam":
        return "&".join(f"var-{variable.name}={_strict_uri_component(v)}" for v in (values or [str(value)]))
    if name == "customqueryparam":
        key = _strict_uri_component(args[0] if args and args[0] else variable.name)
        prefix = _strict_uri_component(args[1] if len(args) > 1 else "")
        return "&".join(f"{key}={prefix}{_strict_uri_component(v)}" for v in (values or [str(value)]))
    if name == "text":
        return variable.value_text()
    if name == "date":
        return _date(value, args)
    # glob, and any unknown format (Grafana falls back to glob)
    return "{" + ",".join(values) + "}" if values is not None and len(values) > 1 else _js_string(value)


# -- interpolation ----------------------------------------------------------------------------------------


@dataclass
class Scope:
    """What a target's text is interpolated with: the dashboard's variables and the time macros."""

    variables: Mapping[str, Variable] = field(default_factory=dict)
    from_ms: int | None = None
    to_ms: int | None = None
    # Names left for Grafana's backend, normalised to ``$name`` (the Prometheus datasource passes these).
    backend: tuple[str, ...] = ("__interval", "__interval_ms")


def interpolate(text: str, scope: Scope, formatter: Formatter | None = prometheus_format, depth: int = 0) -> str:
    """Replace every variable reference Grafana would replace in ``text``; unknown ones stay as written.

    >>> op = Variable("op", value=["track", "send.email"], text=["track", "send.email"], multi=True)
    >>> scope = Scope({"op": op})
    >>> print(interpolate('rate(x{op=~"$op"}[$__interval])', scope))
    rate(x{op=~"(track|send\\\\.email)"}[$__interval])
    >>> print(interpolate('${op:csv} ${op:text} $unknown', scope))
    track,send.email track + send.email $unknown
    """

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        fmt = match.group(3) or match.group(6)
        if name in scope.backend:
            return "$" + name
        if name in ("__from", "__to"):
            ms = scope.from_ms if name == "__from" else scope.to_ms
            if ms is None:
                return match.group(0)
            macro = Variable(name, "macro", str(ms), str(ms))
            formatted = format_value(str(ms), fmt, macro) if fmt else str(ms)
            return match.group(0) if formatted is None else formatted
        variable = scope.variables.get(name)
        if variable is None:
            return match.group(0)
        value = variable.resolved()
        if isinstance(value, CustomAll):
            if fmt == "text":
                return ALL_TEXT
            if fmt == "percentencode":
                return _strict_uri_component(value.value)
            if fmt == "queryparam":
                return f"var-{variable.name}={ALL_TEXT}"
            # A custom all value is not escaped, but variables inside it are interpolated (as plain text).
            return interpolate(value.value, scope, None, depth + 1) if depth < 10 else value.value
        if fmt:
            formatted = format_value(value, fmt, variable)
            return match.group(0) if formatted is None else formatted
        if formatter is not None:
            return formatter(value, variable)
        return format_value(value, "glob", variable) or ""

    return VARIABLE_RE.sub(replace, text)
