"""PromQL helpers shared by the compressor, the linter and the judge.

promql_parser's AST nodes are copies on attribute access (assigning a field does not change the tree) and
its own ``str()`` prints ``x{}`` and mis-escapes quotes in label values. So we never edit nodes: we read
them and print a new string with :class:`PromQLPrinter`, whose ``duration`` and ``call`` hooks a subclass
can override. Printed text always re-parses to the same tree (tested), which is what "normalised" means here.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import promql_parser as pp

from harness.promql.duration import format_duration, td_seconds

DurationRole = Literal["range", "offset", "subquery_range", "subquery_step"]

COMPARISON_OPS = frozenset({">", "<", ">=", "<=", "==", "!="})
_FLIPPED = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


def quote(value: str) -> str:
    """Quote a PromQL string; JSON escapes are a subset of the Go escapes PromQL accepts."""
    return json.dumps(value, ensure_ascii=False)


def format_number(value: float) -> str:
    """Format a number literal the way Prometheus reads it back."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class PromQLPrinter:
    """Print a promql_parser AST back to PromQL text.

    Subclasses override :meth:`duration` (every duration in the tree passes through it with its role) and
    :meth:`call` (to rewrite function arguments or wrap calls).

    >>> PromQLPrinter().print(pp.parse('sum by (le) (rate(x{a="1"}[5m]))'))
    'sum by (le) (rate(x{a="1"}[5m]))'
    """

    def print(self, node: pp.Expr) -> str:
        """Return PromQL for ``node``."""
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"unsupported PromQL node {type(node).__name__}")
        text: str = method(node)
        return text

    # -- hooks -----------------------------------------------------------------------------------------
    def duration(self, seconds: float, role: DurationRole) -> float:
        """Return the duration to print for ``seconds`` in ``role``; identity here."""
        return seconds

    def call(self, node: pp.Call, args: list[str]) -> str:
        """Print a function call from its already-printed arguments."""
        return f"{node.func.name}({', '.join(args)})"

    # -- nodes -----------------------------------------------------------------------------------------
    def _modifiers(self, offset: timedelta | None, at: pp.AtModifier | None) -> str:
        out = ""
        if at is not None:
            if at.type == pp.AtModifierType.Start:
                out += " @ start()"
            elif at.type == pp.AtModifierType.End:
                out += " @ end()"
            else:
                assert at.at is not None
                out += f" @ {at.at.timestamp():.3f}".rstrip("0").rstrip(".")
        if offset is not None and td_seconds(offset) != 0:
            out += f" offset {format_duration(self.duration(td_seconds(offset), 'offset'))}"
        return out

    def _selector(self, node: pp.VectorSelector) -> str:
        matchers = [m for m in node.matchers.matchers if not (node.name and m.name == "__name__")]
        groups = [matchers] if matchers else []
        groups += [list(g) for g in node.matchers.or_matchers]
        body = " or ".join(",".join(self._matcher(m) for m in g) for g in groups)
        name = node.name or ""
        return f"{name}{{{body}}}" if body or not name else name

    @staticmethod
    def _matcher(m: pp.Matcher) -> str:
        # MatchOp is not hashable, hence the linear lookup.
        ops = ((pp.MatchOp.Equal, "="), (pp.MatchOp.NotEqual, "!="), (pp.MatchOp.Re, "=~"), (pp.MatchOp.NotRe, "!~"))
        op = next(text for kind, text in ops if m.op == kind)
        return f"{m.name}{op}{quote(m.value)}"

    def _VectorSelector(self, node: pp.VectorSelector) -> str:
        return self._selector(node) + self._modifiers(node.offset, node.at)

    def _MatrixSelector(self, node: pp.MatrixSelector) -> str:
        vs = node.vector_selector
        rng = format_duration(self.duration(td_seconds(node.range), "range"))
        return f"{self._selector(vs)}[{rng}]" + self._modifiers(vs.offset, vs.at)

    def _SubqueryExpr(self, node: pp.SubqueryExpr) -> str:
        rng = format_duration(self.duration(td_seconds(node.range), "subquery_range"))
        step = "" if node.step is None else format_duration(self.duration(td_seconds(node.step), "subquery_step"))
        return f"{self.print(node.expr)}[{rng}:{step}]" + self._modifiers(node.offset, node.at)

    def _Call(self, node: pp.Call) -> str:
        return self.call(node, [self.print(a) for a in node.args])

    def _AggregateExpr(self, node: pp.AggregateExpr) -> str:
        mod = ""
        if node.modifier is not None:
            kind = "by" if node.modifier.type == pp.AggModifierType.By else "without"
            mod = f" {kind} ({', '.join(node.modifier.labels)})"
        args = ([self.print(node.param)] if node.param is not None else []) + [self.print(node.expr)]
        return f"{node.op}{mod} ({', '.join(args)})"

    def _BinaryExpr(self, node: pp.BinaryExpr) -> str:
        op = str(node.op)
        mod = node.modifier
        parts = [op]
        if mod is not None:
            if mod.return_bool:
                parts.append("bool")
            if mod.matching is not None:
                kind = "on" if mod.matching.type == pp.LabelModifierType.Include else "ignoring"
                parts.append(f"{kind} ({', '.join(mod.matching.labels)})")
            for card, word in (
                (pp.VectorMatchCardinality.ManyToOne, "group_left"),
                (pp.VectorMatchCardinality.OneToMany, "group_right"),
            ):
                if mod.card == card:
                    labels = mod.group_labels or []
                    parts.append(f"{word} ({', '.join(labels)})" if labels else word)
        return f"{self.print(node.lhs)} {' '.join(parts)} {self.print(node.rhs)}"

    def _UnaryExpr(self, node: pp.UnaryExpr) -> str:
        return "-" + self.print(node.expr)

    def _ParenExpr(self, node: pp.ParenExpr) -> str:
        return f"({self.print(node.expr)})"

    def _NumberLiteral(self, node: pp.NumberLiteral) -> str:
        return format_number(node.val)

    def _StringLiteral(self, node: pp.StringLiteral) -> str:
        return quote(node.val)


def normalize(expr: str) -> str:
    """Parse and re-print an expression, so two spellings of one query compare equal.

    >>> normalize("rate( x{}[300s] )")
    'rate(x[5m])'
    """
    return PromQLPrinter().print(pp.parse(expr))


@dataclass(frozen=True)
class Comparison:
    """A top-level ``value <op> threshold`` in an alert expression (op normalised to value-on-the-left)."""

    op: str
    threshold: float
    value_expr: str
    returns_bool: bool


def unparen(node: pp.Expr) -> pp.Expr:
    """Strip redundant parentheses around a node."""
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    return node


def _number(node: pp.Expr) -> float | None:
    node = unparen(node)
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.UnaryExpr):
        inner = _number(node.expr)
        return None if inner is None else -inner
    return None


def top_level_comparison(expr: str | pp.Expr, printer: PromQLPrinter | None = None) -> Comparison | None:
    """Find ``<value> <op> <number>`` at the top of an expression, for "peaked at X, threshold Y" reasons.

    ``value_expr`` is the side without the number, printed by ``printer``: querying it returns a value even
    when the alert condition is false, which the expression itself (a filter) does not.

    >>> top_level_comparison("0.05 < rate(x[5m])")
    Comparison(op='>', threshold=0.05, value_expr='rate(x[5m])', returns_bool=False)
    """
    node = unparen(pp.parse(expr) if isinstance(expr, str) else expr)
    printer = printer or PromQLPrinter()
    if not isinstance(node, pp.BinaryExpr) or str(node.op) not in COMPARISON_OPS:
        return None
    op = str(node.op)
    returns_bool = bool(node.modifier is not None and node.modifier.return_bool)
    rhs, lhs = _number(node.rhs), _number(node.lhs)
    if rhs is not None and lhs is None:
        return Comparison(op, rhs, printer.print(node.lhs), returns_bool)
    if lhs is not None and rhs is None:
        return Comparison(_FLIPPED[op], lhs, printer.print(node.rhs), returns_bool)
    return None


def compares(value: float, op: str, threshold: float) -> bool:
    """Evaluate ``value <op> threshold`` as PromQL would."""
    return {
        ">": value > threshold,
        "<": value < threshold,
        ">=": value >= threshold,
        "<=": value <= threshold,
        "==": value == threshold,
        "!=": value != threshold,
    }[op]


def check_expr(expr: str) -> str | None:
    """Return None when ``expr`` parses, else the parser's message (for "file:line: ..." problems)."""
    try:
        pp.parse(expr)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None
