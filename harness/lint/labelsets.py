"""The label sets each side of a PromQL expression can produce, for the never-matches checks.

:func:`label_set` follows Prometheus's rules through the tree: ``by`` keeps at most its labels, ``without`` and
``ignoring`` remove theirs, one-to-one matching with ``on`` keeps the matching labels, ``group_left`` adds the
included ones, ``histogram_quantile`` drops ``le``. Three facts are kept apart because checks trust them
differently:

- ``names``: exactly the labels every result series carries (from the contract; None when unknown);
- ``removed``: labels an operator of the expression certainly removed (no contract needed), or all of them
  (``ALL``) after ``sum(...)`` without ``by``;
- ``values``: the values a label can take, from ``=`` matchers and the contract's job of each target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import promql_parser as pp

from harness.promql.expr import unparen
from harness.promql.walk import is_scalar

_NO_LABELS = frozenset({"time", "vector", "scalar", "pi"})
_LABEL_ADDING = frozenset({"label_replace", "label_join"})
_KEEP_INNER_AGGS = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


@dataclass(frozen=True)
class LabelSet:
    """What is known of the labels of an expression's result series.

    >>> s = label_set(pp.parse('sum by (operation) (rate(x{status="error"}[5m]))'), lambda sel: None)
    >>> s.names, s.is_removed("status"), s.is_removed("operation")
    (frozenset({'operation'}), True, False)
    """

    names: frozenset[str] | None = None
    kept: frozenset[str] | None = None  # an aggregation's ``by`` list: nothing else survives
    dropped: frozenset[str] = frozenset()  # ``without``/``ignoring``/``histogram_quantile`` removed these
    values: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def is_removed(self, label: str) -> bool:
        """Whether an operator of the expression certainly removed ``label``."""
        return label in self.dropped or (self.kept is not None and label not in self.kept)

    def has(self, label: str) -> bool | None:
        """Whether every result series carries ``label`` (None: unknown)."""
        if self.is_removed(label):
            return False
        return None if self.names is None else label in self.names

    def only(self, labels: frozenset[str]) -> LabelSet:
        """This set with every label outside ``labels`` removed."""
        kept = labels if self.kept is None else self.kept & labels
        names = None if self.names is None else self.names & labels
        return LabelSet(names, kept, self.dropped, {k: v for k, v in self.values.items() if k in labels})

    def without(self, labels: frozenset[str]) -> LabelSet:
        """This set with ``labels`` removed."""
        names = None if self.names is None else self.names - labels
        values = {k: v for k, v in self.values.items() if k not in labels}
        return LabelSet(names, self.kept, self.dropped | labels, values)

    def adding(self, labels: frozenset[str]) -> LabelSet:
        """This set with ``labels`` added (``label_replace``'s destination, ``count_values``'s label)."""
        names = None if self.names is None else self.names | labels
        kept = None if self.kept is None else self.kept | labels
        values = {k: v for k, v in self.values.items() if k not in labels}
        return LabelSet(names, kept, self.dropped - labels, values)


EMPTY = LabelSet(frozenset(), frozenset(), frozenset(), {})
SelectorFacts = Callable[[pp.VectorSelector], LabelSet | None]


def selector_set(sel: pp.VectorSelector, names: frozenset[str] | None, jobs: frozenset[str] | None) -> LabelSet:
    """The label set of a selector: ``names`` from the contract, values from its ``=`` matchers and ``jobs``."""
    values: dict[str, frozenset[str]] = {}
    for m in sel.matchers.matchers:
        if m.op == pp.MatchOp.Equal and m.value and m.name != "__name__":
            values[m.name] = frozenset({m.value})
    if jobs is not None:
        values["job"] = values.get("job", jobs) & jobs
    return LabelSet(names, None, frozenset(), values)


def label_set(node: pp.Expr, facts: SelectorFacts) -> LabelSet:
    """What is known of the labels of ``node``'s result; ``facts`` answers for a selector (None: nothing).

    >>> label_set(pp.parse("sum(x) / on(instance) y"), lambda sel: None).is_removed("job")
    True
    """
    node = unparen(node)
    if isinstance(node, pp.NumberLiteral | pp.StringLiteral):
        return EMPTY
    if isinstance(node, pp.VectorSelector):
        return facts(node) or selector_set(node, None, None)
    if isinstance(node, pp.MatrixSelector):
        return label_set(node.vector_selector, facts)
    if isinstance(node, pp.UnaryExpr | pp.SubqueryExpr):
        return label_set(node.expr, facts)
    if isinstance(node, pp.Call):
        return _call(node, facts)
    if isinstance(node, pp.AggregateExpr):
        return _aggregate(node, facts)
    if isinstance(node, pp.BinaryExpr):
        return _binary(node, facts)
    return LabelSet()


def _call(node: pp.Call, facts: SelectorFacts) -> LabelSet:
    name = node.func.name
    if name in _NO_LABELS:
        return EMPTY
    if name in ("absent", "absent_over_time"):
        sel = unparen(node.args[0]) if node.args else None
        sel = sel.vector_selector if isinstance(sel, pp.MatrixSelector) else sel
        if isinstance(sel, pp.VectorSelector):
            equal = frozenset(m.name for m in sel.matchers.matchers if m.op == pp.MatchOp.Equal)
            equal -= {"__name__"}
            return LabelSet(equal, equal, frozenset(), {})
        return EMPTY
    vector_args = [a for a in node.args if not is_scalar(a)]
    if not vector_args:
        return EMPTY
    inner = label_set(vector_args[0], facts)
    if name in _LABEL_ADDING and len(node.args) > 1:
        dst = unparen(node.args[1])
        return inner.adding(frozenset({dst.val})) if isinstance(dst, pp.StringLiteral) else LabelSet()
    if name.startswith("histogram_"):
        return inner.without(frozenset({"le"}))
    return inner


def _aggregate(node: pp.AggregateExpr, facts: SelectorFacts) -> LabelSet:
    op = str(node.op)
    inner = label_set(node.expr, facts)
    if op in _KEEP_INNER_AGGS:
        return inner
    extra = frozenset({node.param.val}) if op == "count_values" and isinstance(node.param, pp.StringLiteral) else None
    if node.modifier is None:
        result = EMPTY
    elif node.modifier.type == pp.AggModifierType.By:
        by = frozenset(node.modifier.labels)
        result = inner.only(by)
        if inner.names is None:
            # Without a contract, assume the grouping labels exist (a missing one is promql/label's finding).
            result = LabelSet(frozenset(label for label in by if not inner.is_removed(label)), result.kept,
                              result.dropped, result.values)  # fmt: skip
    else:
        result = inner.without(frozenset(node.modifier.labels))
    return result.adding(extra) if extra else result


def matching_labels(node: pp.BinaryExpr) -> tuple[str, frozenset[str]]:
    """``("on", labels)``, ``("ignoring", labels)`` or ``("all", {})`` for a binary operation's matching."""
    mod = node.modifier
    matching = mod.matching if mod is not None else None
    if matching is None:
        return "all", frozenset()
    kind = "on" if matching.type == pp.LabelModifierType.Include else "ignoring"
    return kind, frozenset(matching.labels)


def _binary(node: pp.BinaryExpr, facts: SelectorFacts) -> LabelSet:
    lhs_scalar, rhs_scalar = is_scalar(node.lhs), is_scalar(node.rhs)
    if lhs_scalar and rhs_scalar:
        return EMPTY
    if rhs_scalar:
        return label_set(node.lhs, facts)
    if lhs_scalar:
        return label_set(node.rhs, facts)
    lhs, rhs = label_set(node.lhs, facts), label_set(node.rhs, facts)
    op = str(node.op)
    if op in ("and", "unless"):
        return lhs
    if op == "or":
        names = None if lhs.names is None or rhs.names is None else lhs.names | rhs.names
        return LabelSet(names, None, lhs.dropped & rhs.dropped, {})
    mod = node.modifier
    card = mod.card if mod is not None else None
    include = frozenset(mod.group_labels or []) if mod is not None else frozenset()
    if card == pp.VectorMatchCardinality.ManyToOne:
        return lhs.adding(include) if include else lhs
    if card == pp.VectorMatchCardinality.OneToMany:
        return rhs.adding(include) if include else rhs
    kind, labels = matching_labels(node)
    if kind == "on":
        return lhs.only(labels)
    if kind == "ignoring":
        return lhs.without(labels)
    return lhs
