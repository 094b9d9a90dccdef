"""Generic walks over promql_parser ASTs: every selector with its context, result label sets, positions.

These sit next to :mod:`harness.promql.expr` (printing, durations, comparisons) and use it; nothing here knows
about rule files or dashboards.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import promql_parser as pp

from harness.promql.duration import td_seconds
from harness.promql.expr import unparen

# Functions whose result keeps the labels of their (first vector) argument unchanged.
_NO_LABELS = frozenset({"time", "vector", "scalar", "pi"})
_LABEL_ADDING = frozenset({"label_replace", "label_join"})
_KEEP_INNER_AGGS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})
# Functions that need two samples in their window.
TWO_SAMPLE_FUNCS = frozenset({"rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear"})
PER_SECOND_FUNCS = frozenset({"rate", "irate"})


def children(node: pp.Expr) -> list[pp.Expr]:
    """The direct sub-expressions of ``node``, in source order.

    >>> [type(c).__name__ for c in children(pp.parse("sum(rate(x[5m])) > 1"))]
    ['AggregateExpr', 'NumberLiteral']
    """
    if isinstance(node, pp.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, pp.AggregateExpr):
        return ([node.param] if node.param is not None else []) + [node.expr]
    if isinstance(node, pp.Call):
        return list(node.args)
    if isinstance(node, pp.ParenExpr | pp.UnaryExpr | pp.SubqueryExpr):
        return [node.expr]
    if isinstance(node, pp.MatrixSelector):
        return [node.vector_selector]
    return []


def descendants(node: pp.Expr) -> Iterator[pp.Expr]:
    """``node`` and everything below it, depth first."""
    yield node
    for child in children(node):
        yield from descendants(child)


@dataclass(frozen=True)
class Selection:
    """One vector selector in an expression, with what encloses it.

    ``range_s`` is set when the selector is the inside of ``x[range]``; ``calls`` are the names of the
    enclosing function calls, innermost first; ``aggregations`` the enclosing aggregation operators likewise;
    ``in_subquery`` when a subquery encloses it.
    """

    selector: pp.VectorSelector
    name: str | None
    matchers: tuple[pp.Matcher, ...]
    range_s: float | None
    calls: tuple[str, ...]
    aggregations: tuple[str, ...]
    in_subquery: bool
    direct: bool  # calls[0] takes the selector (or its range) as an argument, through parentheses at most

    @property
    def direct_call(self) -> str | None:
        """The function that takes this selector (or its range) as an argument directly, if any."""
        return self.calls[0] if self.calls and self.direct else None


def selections(node: pp.Expr) -> list[Selection]:
    """Every vector selector in ``node`` with its context.

    >>> [(s.name, s.range_s, s.calls, s.aggregations) for s in selections(pp.parse("sum(rate(x[5m])) / y"))]
    [('x', 300.0, ('rate',), ('sum',)), ('y', None, (), ())]
    """
    found: list[Selection] = []

    def visit(
        n: pp.Expr, calls: tuple[str, ...], aggs: tuple[str, ...], rng: float | None, sub: bool, direct: bool
    ) -> None:
        if isinstance(n, pp.VectorSelector):
            matchers = tuple(m for m in n.matchers.matchers if m.name != "__name__" or not n.name)
            found.append(Selection(n, n.name or None, matchers, rng, calls, aggs, sub, direct))
            return
        if isinstance(n, pp.MatrixSelector):
            visit(n.vector_selector, calls, aggs, td_seconds(n.range), sub, direct)
            return
        if isinstance(n, pp.Call):
            for arg in n.args:
                visit(arg, (n.func.name, *calls), aggs, None, sub, True)
            return
        if isinstance(n, pp.AggregateExpr):
            for child in children(n):
                visit(child, calls, (str(n.op), *aggs), None, sub, False)
            return
        inner_sub = sub or isinstance(n, pp.SubqueryExpr)
        keep_direct = isinstance(n, pp.ParenExpr) and direct
        for child in children(n):
            visit(child, calls, aggs, None, inner_sub, keep_direct)

    visit(node, (), (), None, False, False)
    return found


def calls(node: pp.Expr, name: str) -> list[pp.Call]:
    """Every call of function ``name`` in ``node``."""
    return [n for n in descendants(node) if isinstance(n, pp.Call) and n.func.name == name]


def is_scalar(node: pp.Expr) -> bool:
    """Whether ``node`` evaluates to a scalar (or string), not a vector.

    >>> is_scalar(pp.parse("2 * scalar(x)")), is_scalar(pp.parse("x * 2"))
    (True, False)
    """
    node = unparen(node)
    if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
        return True
    if isinstance(node, pp.UnaryExpr):
        return is_scalar(node.expr)
    if isinstance(node, pp.Call):
        return node.func.name in ("scalar", "time", "pi")
    if isinstance(node, pp.BinaryExpr):
        return is_scalar(node.lhs) and is_scalar(node.rhs)
    return False


LabelsOf = Callable[[pp.VectorSelector], frozenset[str] | None]


def output_labels(node: pp.Expr, labels_of: LabelsOf) -> frozenset[str] | None:
    """The label names a result series of ``node`` can carry, or None when that depends on unknown series.

    ``labels_of`` answers for a selector (None: unknown). Follows Prometheus: ``by`` keeps exactly its labels,
    ``without`` removes them, one-to-one ``on`` keeps the matching labels, ``group_left`` keeps the many side
    plus the included labels, ``histogram_quantile`` drops ``le``.

    >>> sorted(output_labels(pp.parse("sum by (a, le) (rate(x[5m]))"), lambda s: None))
    ['a', 'le']
    >>> output_labels(pp.parse("histogram_quantile(0.9, sum by (le) (rate(x[5m])))"), lambda s: None)
    frozenset()
    """
    node = unparen(node)
    if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
        return frozenset()
    if isinstance(node, pp.VectorSelector):
        return labels_of(node)
    if isinstance(node, pp.MatrixSelector):
        return labels_of(node.vector_selector)
    if isinstance(node, pp.UnaryExpr | pp.SubqueryExpr):
        return output_labels(node.expr, labels_of)
    if isinstance(node, pp.Call):
        return _call_labels(node, labels_of)
    if isinstance(node, pp.AggregateExpr):
        return _aggregate_labels(node, labels_of)
    if isinstance(node, pp.BinaryExpr):
        return _binary_labels(node, labels_of)
    return None


def _call_labels(node: pp.Call, labels_of: LabelsOf) -> frozenset[str] | None:
    name = node.func.name
    if name in _NO_LABELS:
        return frozenset()
    if name in ("absent", "absent_over_time"):
        sel = unparen(node.args[0]) if node.args else None
        if isinstance(sel, pp.MatrixSelector):
            sel = sel.vector_selector
        if isinstance(sel, pp.VectorSelector):
            return frozenset(m.name for m in sel.matchers.matchers if m.op == pp.MatchOp.Equal)
        return frozenset()
    vector_args = [a for a in node.args if not is_scalar(a)]
    if not vector_args:
        return frozenset()
    inner = output_labels(vector_args[0], labels_of)
    if inner is None:
        return None
    if name in _LABEL_ADDING and len(node.args) > 1:
        dst = unparen(node.args[1])
        return inner | {dst.val} if isinstance(dst, pp.StringLiteral) else None
    if name.startswith("histogram_"):
        return inner - {"le"}
    return inner


def _aggregate_labels(node: pp.AggregateExpr, labels_of: LabelsOf) -> frozenset[str] | None:
    op = str(node.op)
    inner = output_labels(node.expr, labels_of)
    if op in _KEEP_INNER_AGGS:
        return inner
    extra: frozenset[str] = frozenset()
    if op == "count_values" and isinstance(node.param, pp.StringLiteral):
        extra = frozenset({node.param.val})
    if node.modifier is None:
        return extra
    labels = frozenset(node.modifier.labels)
    if node.modifier.type == pp.AggModifierType.By:
        return labels | extra
    return None if inner is None else (inner - labels) | extra


def _binary_labels(node: pp.BinaryExpr, labels_of: LabelsOf) -> frozenset[str] | None:
    lhs_scalar, rhs_scalar = is_scalar(node.lhs), is_scalar(node.rhs)
    if lhs_scalar and rhs_scalar:
        return frozenset()
    if rhs_scalar:
        return output_labels(node.lhs, labels_of)
    if lhs_scalar:
        return output_labels(node.rhs, labels_of)
    lhs, rhs = output_labels(node.lhs, labels_of), output_labels(node.rhs, labels_of)
    op = str(node.op)
    if op in ("and", "unless"):
        return lhs
    if op == "or":
        return None if lhs is None or rhs is None else lhs | rhs
    mod = node.modifier
    card = mod.card if mod is not None else None
    include = frozenset(mod.group_labels or []) if mod is not None else frozenset()
    if card == pp.VectorMatchCardinality.ManyToOne:
        return None if lhs is None else lhs | include
    if card == pp.VectorMatchCardinality.OneToMany:
        return None if rhs is None else rhs | include
    matching = mod.matching if mod is not None else None
    if matching is None:
        return lhs
    labels = frozenset(matching.labels)
    if matching.type == pp.LabelModifierType.Include:
        return labels if lhs is None else labels & lhs
    return None if lhs is None else lhs - labels


def string_mask(text: str) -> list[bool]:
    """For each character of PromQL ``text``, whether it lies inside a string literal or a comment."""
    mask = [False] * len(text)
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "\"'`":
            j = i + 1
            while j < len(text) and text[j] != ch:
                j += 2 if text[j] == "\\" and ch != "`" else 1
            for k in range(i, min(j + 1, len(text))):
                mask[k] = True
            i = j + 1
        elif ch == "#":
            j = text.find("\n", i)
            j = len(text) if j < 0 else j
            for k in range(i, j):
                mask[k] = True
            i = j
        else:
            i += 1
    return mask


def find_token(text: str, token: str, after: int = 0) -> int:
    """Offset of ``token`` as a whole PromQL word outside strings and comments (0 when absent).

    >>> find_token('x{a="rate"} + rate(y[5m])', "rate")
    14
    """
    mask = string_mask(text)
    for match in re.finditer(rf"(?<![\w:]){re.escape(token)}(?![\w:])", text):
        if match.start() >= after and not mask[match.start()]:
            return match.start()
    return 0


def locate_parse_error(text: str, message: str) -> int:
    """A best guess at the offset of promql_parser's ``message`` in ``text`` (it reports no position).

    promtool's position replaces this when promtool runs; this keeps a useful column when it does not.

    >>> locate_parse_error("sum(rate(x[5m])", "unclosed left parenthesis")
    3
    """
    mask = string_mask(text)
    if "unclosed left parenthesis" in message:
        stack = [i for i, ch in enumerate(text) if ch in "()" and not mask[i]]
        open_at: list[int] = []
        for i in stack:
            if text[i] == "(":
                open_at.append(i)
            elif open_at:
                open_at.pop()
        return open_at[0] if open_at else 0
    quoted = re.search(r"'([^']+)'", message)
    if quoted and ("function" in message or "call to" in message):
        return find_token(text, quoted.group(1))
    if quoted and "unexpected character" in message:
        index = text.find(quoted.group(1))
        return max(index, 0)
    bad = re.search(r"syntax: (\S+)$", message)
    if bad:
        return max(text.find(bad.group(1)), 0)
    if "unterminated quoted string" in message:
        inside = [i for i, m in enumerate(mask) if m and text[i] in "\"'`"]
        return inside[-1] if inside else 0
    return 0
