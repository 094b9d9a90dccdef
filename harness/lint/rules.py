"""Prometheus rule files: shape, expressions that parse, duplicates, severity and summary, and promtool's verdict.

The shape is a pydantic model of the rule-file format, so each problem comes out as ``file:line: what; expected``
through :func:`harness.yamlsrc.problems_from_validation`; rules that are well formed are checked further
even when their neighbours are not.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import promql_parser as pp
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from harness.lint.checks import alerts_template, promql_syntax, rules_promtool, rules_shape
from harness.lint.model import Finding, Query, Rule
from harness.lint.source import YamlSource
from harness.promql.duration import Duration, duration_value
from harness.promql.promtool import find_promtool, promtool_problem
from harness.promql.walk import locate_parse_error
from harness.yamlsrc import problems_from_validation


def _text(value: Any) -> str:
    # Go's YAML decoder turns scalars into strings for string fields; a mapping or list is an error.
    if isinstance(value, str | int | float | bool):
        return str(value).lower() if isinstance(value, bool) else str(value)
    raise ValueError(f"{type(value).__name__} is not a string; expected a string")


Text = Annotated[str, BeforeValidator(_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RuleShape(_Strict):
    """One rule as Prometheus accepts it."""

    alert: Text | None = None
    record: Text | None = None
    expr: Text
    for_: Duration | None = Field(default=None, alias="for")
    keep_firing_for: Duration | None = None
    labels: dict[str, Text] = {}
    annotations: dict[str, Text] = {}

    @model_validator(mode="after")
    def _alert_or_record(self) -> RuleShape:
        if (self.alert is None) == (self.record is None):
            raise ValueError("give exactly one of alert and record; expected an alerting or a recording rule")
        if self.record is not None and (self.for_ is not None or self.annotations or self.keep_firing_for):
            raise ValueError("for, keep_firing_for and annotations belong to alerting rules; expected alert:")
        return self


class GroupShape(_Strict):
    """One rule group."""

    name: Text
    interval: Duration | None = None
    query_offset: Duration | None = None
    limit: int | None = None
    labels: dict[str, Text] = {}
    rules: list[RuleShape] = []


class RuleFileShape(_Strict):
    """A rule file."""

    groups: list[GroupShape]


@dataclass
class RuleFile:
    """A loaded rule file: its rules as queries, and what was wrong with its shape."""

    source: YamlSource
    rules: list[Rule] = field(default_factory=list)
    queries: list[Query] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def load_rule_file(path: Path, evaluation_s: float) -> RuleFile:
    """Load ``path``; shape problems and expressions that do not parse become findings.

    >>> rf = load_rule_file(Path("fixtures/customerio/alerts.yml"), 15.0)
    >>> rf.rules[0].name, rf.findings
    ('CioHighErrorRate', [])
    """
    source = YamlSource.load(path, "rule file")
    out = RuleFile(source)
    data = source.doc.data
    shape_problems = source.doc.duplicate_keys()
    if not isinstance(data, dict):
        shape_problems.append(source.doc.problem((), "document is not a mapping; expected a `groups:` list"))
        out.findings += [_shape(source.file, p.line, p.message) for p in shape_problems]
        return out
    try:
        RuleFileShape.model_validate(data)
    except ValidationError as exc:
        shape_problems += problems_from_validation(source.doc, exc, set())
    out.findings += [_shape(source.file, p.line, p.message) for p in shape_problems]
    for gi, group in enumerate(data.get("groups") or [] if isinstance(data.get("groups"), list) else []):
        if not isinstance(group, dict):
            continue
        try:
            interval = duration_value(group["interval"]) if "interval" in group else evaluation_s
        except ValueError:
            interval = evaluation_s
        for ri, raw in enumerate(group.get("rules") or [] if isinstance(group.get("rules"), list) else []):
            try:
                shape = RuleShape.model_validate(raw)
            except ValidationError:
                continue  # already reported by the whole-file validation
            rule = _rule(source, str(group.get("name", "")), interval, (gi, ri), shape)
            out.rules.append(rule)
            query = _query(rule)
            if isinstance(query, Finding):
                out.findings.append(query)
            else:
                out.queries.append(query)
    out.rules = _with_ends(out.rules, source.lines)
    out.queries = [replace(q, rule=next(r for r in out.rules if r.line == q.rule.line)) if q.rule else q
                   for q in out.queries]  # fmt: skip
    return out


def _shape(file: str, line: int, message: str) -> Finding:
    return Finding(file=file, line=line, check=rules_shape.ID, severity="error", message=message)


def _rule(source: YamlSource, group: str, interval: float, at: tuple[int, int], shape: RuleShape) -> Rule:
    base: tuple[int | str, ...] = ("groups", at[0], "rules", at[1])
    kind: Literal["alert", "record"] = "alert" if shape.alert is not None else "record"
    return Rule(
        file=source.file,
        group=group,
        index=at[1] + 1,
        kind=kind,
        name=shape.alert or shape.record or "",
        line=source.line((*base, kind)),
        expr=shape.expr,
        expr_span=source.span((*base, "expr")),
        evaluation_s=interval,
        for_s=shape.for_ or 0.0,
        for_line=source.line((*base, "for")) if shape.for_ is not None else 0,
        labels=dict(shape.labels),
        label_spans={k: source.span((*base, "labels", k)) for k in shape.labels},
        annotations=dict(shape.annotations),
        annotation_spans={k: source.span((*base, "annotations", k)) for k in shape.annotations},
    )


def _with_ends(rules: list[Rule], lines: list[str]) -> list[Rule]:
    """Each rule with ``end_line``: up to the next rule, less the blank and comment-only lines before it (a comment
    above a rule belongs to that rule)."""
    starts = sorted({r.line for r in rules}) + [len(lines) + 1]
    out = []
    for rule in rules:
        end = next(s for s in starts if s > rule.line) - 1
        while end > rule.line and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        out.append(replace(rule, end_line=end))
    return out


_UNPARSED = "expression does not parse"


def _query(rule: Rule) -> Query | Finding:
    try:
        node = pp.parse(rule.expr)
    except (ValueError, TypeError) as exc:
        line, column = rule.expr_span.position(locate_parse_error(rule.expr, str(exc)))
        return Finding(
            file=rule.file,
            line=line,
            column=column,
            check=promql_syntax.ID,
            severity="error",
            message=f"{rule.what}: {_UNPARSED}: {exc}",
            suggestion="fix the PromQL (try it in the Prometheus expression browser)",
        )
    return Query(rule.file, rule.what, rule.expr, rule.expr_span, node, rule)


_EXPR_ERROR = re.compile(
    r'^\d+:\d+: group "(?P<group>.*?)", rule (?P<index>\d+), "(?P<name>.*?)": could not parse expression: '
    r"(?P<line>\d+):(?P<col>\d+): parse error: (?P<msg>.*)$"
)
_TEMPLATE_ERROR = re.compile(
    r'^group "(?P<group>.*?)", rule (?P<index>\d+), "(?P<name>.*?)": (?P<kind>annotation|label) "(?P<key>.*?)": '
    r"(?P<msg>.*)$"
)
_RULE_ERROR = re.compile(
    r'^(?:(?P<line>\d+):\d+: )?group "(?P<group>.*?)", rule (?P<index>\d+), "(?P<name>.*?)": (?P<msg>.*)$'
)
_REPEATED_GROUP = re.compile(
    r'^(?:(?P<line>\d+):\d+: )?(?P<msg>groupname: "(?P<group>.*?)" is repeated in the same file)$'
)
_LINE_ERROR = re.compile(r"^(?:line )?(?P<line>\d+)(?::\d+)?: (?P<msg>.*)$")


def promtool_findings(
    rule_file: RuleFile, path: Path, existing: list[Finding], promtool: str | None = None
) -> list[Finding]:
    """Run ``promtool check rules`` on ``path`` and turn each complaint into a finding at its line.

    Complaints the linter already reported on the same line are dropped; a parse-error position from
    promtool (Go's parser, which knows the exact column) moves the linter's own ``promql/syntax`` finding.
    ``promtool`` is the one of the Prometheus the rules are judged for (default: the drills'). Returns [] when
    there is none.
    """
    promtool = promtool or find_promtool()
    if promtool is None:
        return []
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=60)
    if result.returncode == 0:
        return []
    file = rule_file.source.file
    prefix = f"{path}: "
    found: list[Finding] = []
    for raw in (result.stderr + result.stdout).splitlines():
        text = raw.strip()
        if not text.startswith(prefix):
            continue
        finding = _promtool_line(rule_file, text[len(prefix) :])
        if finding is None:
            continue
        if finding.line == 0:
            # promtool stops at the first problem it cannot place; when the linter found errors in this file
            # that is almost always one of them.
            if any(f.file == file and f.severity == "error" for f in existing + found):
                continue
            finding = finding.model_copy(update={"line": 1})
        same_line = [f for f in existing if f.file == file and f.line == finding.line and f.severity == "error"]
        rule_prefix = finding.message.partition(f": {_UNPARSED}")[0]
        syntax = [f for f in existing if f.check == promql_syntax.ID and f.message.startswith(f"{rule_prefix}: ")]
        if finding.check == promql_syntax.ID and syntax:
            # One problem seen by both parsers: keep Go's wording (it is Prometheus's own) in place of ours.
            existing[existing.index(syntax[0])] = finding.model_copy(update={"suggestion": syntax[0].suggestion})
        elif not same_line:
            found.append(finding)
    if not found and not any(f.file == file and f.severity == "error" for f in existing):
        # Output we could not place: the stack's one-line reading of it is the best we have.
        problem = promtool_problem(str(path), result.stderr + result.stdout).removeprefix(f"{path}:")
        row, _, message = problem.partition(": ")
        line = int(row) if row.isdigit() else 1
        found.append(_promtool(file, line, None, rules_promtool.ID, message if row.isdigit() else problem.strip()))
    return found


def _promtool_line(rule_file: RuleFile, text: str) -> Finding | None:
    file = rule_file.source.file

    def rule_at(group: str, index: str) -> Rule | None:
        return next((r for r in rule_file.rules if r.group == group and r.index == int(index)), None)

    if match := _EXPR_ERROR.match(text):
        rule = rule_at(match["group"], match["index"])
        if rule is None:
            return None
        lines = rule.expr.split("\n")
        offset = sum(len(s) + 1 for s in lines[: int(match["line"]) - 1]) + int(match["col"]) - 1
        # Go's parser reports where it gave up (often the end of input for an unclosed parenthesis); the
        # linter's own guess points at the culprit when it has one.
        offset = locate_parse_error(rule.expr, match["msg"]) or offset
        line, column = rule.expr_span.position(offset)
        return _promtool(file, line, column, promql_syntax.ID, f"{rule.what}: {_UNPARSED}: {match['msg']}")
    if match := _TEMPLATE_ERROR.match(text):
        rule = rule_at(match["group"], match["index"])
        if rule is None:
            return None
        spans = rule.annotation_spans if match["kind"] == "annotation" else rule.label_spans
        span = spans.get(match["key"])
        line = span.line if span else rule.line
        return _promtool(
            file,
            line,
            None,
            alerts_template.ID,
            f"{rule.what}: {match['kind']} {match['key']}: {match['msg']} (promtool)",
        )
    if match := _RULE_ERROR.match(text):
        rule = rule_at(match["group"], match["index"])
        line = int(match["line"]) if match["line"] else rule.line if rule else 0
        return _promtool(file, line, None, rules_promtool.ID, f"{match['name']}: {match['msg']}")
    if (match := _REPEATED_GROUP.match(text)) and match["line"] in (None, "0"):
        # Prometheus 3's promtool names no line for it: the group's second appearance is the one to rename.
        groups = rule_file.source.doc.data.get("groups") if isinstance(rule_file.source.doc.data, dict) else None
        named = [i for i, g in enumerate(groups or []) if isinstance(g, dict) and g.get("name") == match["group"]]
        line = rule_file.source.line(("groups", named[1])) if len(named) > 1 else 0
        return _promtool(file, line, None, rules_promtool.ID, match["msg"])
    if match := _LINE_ERROR.match(text):
        return _promtool(file, int(match["line"]), None, rules_promtool.ID, match["msg"])
    return _promtool(file, 0, None, rules_promtool.ID, text)  # line 0: promtool named no place


def _promtool(file: str, line: int, column: int | None, check: str, message: str) -> Finding:
    return Finding(
        file=file,
        line=line,
        column=column,
        check=check,
        severity="error",
        message=message,
        suggestion=None if check == promql_syntax.ID else f"run `promtool check rules {file}` for the details",
    )
