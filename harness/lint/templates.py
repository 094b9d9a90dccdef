"""Alert annotation and label templates (Go text/template with Prometheus's functions).

promtool parses templates when it is installed; this module catches the same class of mistakes without it
(unclosed actions, unknown functions, undefined variables, unbalanced ``if``/``end``) and adds what only
the expression can tell: ``$labels.x`` where no result series of the expression carries ``x`` (it renders
empty), and ``$value`` in a label (every value change makes a new alert).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from harness.lint.model import Finding, Query, Rule, Severity, TextSpan
from harness.promql.walk import LabelsOf, output_labels

GO_FUNCS = frozenset(
    {
        "and",
        "call",
        "html",
        "index",
        "slice",
        "js",
        "len",
        "not",
        "or",
        "print",
        "printf",
        "println",
        "urlquery",
        "eq",
        "ge",
        "gt",
        "le",
        "lt",
        "ne",
    }
)
PROMETHEUS_FUNCS = frozenset(
    {
        "query",
        "first",
        "label",
        "value",
        "strvalue",
        "args",
        "reReplaceAll",
        "safeHtml",
        "match",
        "title",
        "toUpper",
        "toLower",
        "graphLink",
        "tableLink",
        "sortByLabel",
        "stripPort",
        "stripDomain",
        "humanize",
        "humanize1024",
        "humanizeDuration",
        "humanizePercentage",
        "humanizeTimestamp",
        "toTime",
        "toDuration",
        "pathPrefix",
        "externalURL",
        "parseDuration",
        "now",
        "tmpl",
        "safeHtmlAttr",
        "safeUrl",
    }
)
_OPENERS = frozenset({"if", "range", "with", "define", "block"})
_KEYWORDS = _OPENERS | {"else", "end", "template", "break", "continue", "nil", "true", "false"}
_VARIABLES = frozenset({"$", "$labels", "$value", "$externalLabels", "$externalURL"})

_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_TOKEN = re.compile(
    r"""(?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*')
      |(?P<var>\$\w*(?:\.\w+)*)
      |(?P<field>(?:\.\w+)+|\.)
      |(?P<num>[-+]?\d[\w.+-]*)
      |(?P<ident>[A-Za-z_]\w*(?:\.\w+)*)
      |(?P<op>:=|=|\||\(|\)|,)
      |(?P<space>\s+)
      |(?P<bad>.)""",
    re.X,
)


@dataclass(frozen=True)
class TemplateProblem:
    """Something wrong in a template, at ``offset`` in its text."""

    offset: int
    message: str
    suggestion: str | None = None


@dataclass(frozen=True)
class LabelRef:
    """A ``$labels.name`` or ``.Labels.name`` in a template."""

    name: str
    offset: int


@dataclass(frozen=True)
class TemplateScan:
    """What a template uses and what is wrong with it."""

    problems: list[TemplateProblem]
    labels: list[LabelRef]
    uses_value: bool


def scan_template(text: str) -> TemplateScan:
    """Tokenise every ``{{ action }}`` of ``text`` and check it.

    >>> scan = scan_template("{{ $labels.job | tolower }} {{ if $value }}")
    >>> [p.message for p in scan.problems], [r.name for r in scan.labels]
    (['function "tolower" not defined', '{{ if }} is never closed with {{ end }}'], ['job'])
    """
    problems: list[TemplateProblem] = []
    labels: list[LabelRef] = []
    uses_value = False
    defined = set(_VARIABLES)
    open_blocks: list[tuple[str, int]] = []
    last_end = 0
    for match in _ACTION.finditer(text):
        if "{{" in text[last_end : match.start()]:
            problems.append(TemplateProblem(text.index("{{", last_end), "unclosed action: {{ without }}"))
        last_end = match.end()
        body_start = match.start(1)
        body = match.group(1)
        stripped = body.strip().lstrip("-").rstrip("-").strip()
        if stripped.startswith("/*"):
            continue
        tokens = list(_tokens(body, body_start))
        words = [t for t in tokens if t[0] != "space"]
        if words and words[0][0] == "ident" and words[0][1] in _OPENERS:
            open_blocks.append((words[0][1], words[0][2]))
        elif words and words[0][0] == "ident" and words[0][1] == "end":
            if open_blocks:
                open_blocks.pop()
            else:
                problems.append(TemplateProblem(words[0][2], "{{ end }} without an opening {{ if }}/{{ range }}"))
        for i, (kind, value, offset) in enumerate(words):
            if kind == "bad" and value not in "-":
                problems.append(TemplateProblem(offset, f"unexpected {value!r} in action"))
            elif kind == "ident" and value.split(".")[0] not in _KEYWORDS:
                name = value.split(".")[0]
                if name not in GO_FUNCS | PROMETHEUS_FUNCS:
                    close = difflib.get_close_matches(name, sorted(GO_FUNCS | PROMETHEUS_FUNCS), n=1)
                    problems.append(
                        TemplateProblem(
                            offset, f'function "{name}" not defined', f"did you mean {close[0]}?" if close else None
                        )
                    )
            elif kind == "var":
                root = "$" + value[1:].split(".")[0]
                assigning = any(w[1] in (":=", "=") for w in words[i + 1 :])  # `$i, $e := range ...` too
                if assigning:
                    defined.add(root)
                elif root not in defined:
                    problems.append(TemplateProblem(offset, f"undefined variable {root}"))
                if root == "$labels" and "." in value[1:]:
                    labels.append(LabelRef(value.split(".")[1], offset))
                uses_value = uses_value or root == "$value"
            elif kind == "field":
                parts = value.split(".")
                if len(parts) > 2 and parts[1] == "Labels":
                    labels.append(LabelRef(parts[2], offset))
                uses_value = uses_value or value == ".Value"
    if "{{" in text[last_end:]:
        problems.append(TemplateProblem(text.index("{{", last_end), "unclosed action: {{ without }}"))
    for name, offset in open_blocks:
        problems.append(TemplateProblem(offset, f"{{{{ {name} }}}} is never closed with {{{{ end }}}}"))
    return TemplateScan(problems, labels, uses_value)


def _tokens(body: str, base: int) -> Iterator[tuple[str, str, int]]:
    for match in _TOKEN.finditer(body):
        kind = match.lastgroup or "bad"
        yield kind, match.group(0), base + match.start()


def check_templates(rule: Rule, query: Query | None, labels_of: LabelsOf, check: str) -> list[Finding]:
    """Template problems of one alerting rule's annotations and labels, at their lines.

    ``query`` is the rule's parsed expression (None when it does not parse): with it, ``$labels.x`` is
    checked against the labels the expression's result can carry (plus the rule's own labels).
    """
    if rule.kind != "alert":
        return []
    result_labels = output_labels(query.node, labels_of) if query is not None else None
    fields = [_Field(rule, check, "annotation", k, v, rule.annotation_spans[k]) for k, v in rule.annotations.items()]
    fields += [_Field(rule, check, "label", k, v, rule.label_spans[k]) for k, v in rule.labels.items()]
    findings: list[Finding] = []
    for item in fields:
        scan = scan_template(item.text)
        for problem in scan.problems:
            findings.append(item.finding(problem.offset, "error", problem.message, problem.suggestion))
        if item.kind == "label" and scan.uses_value:
            message = "uses $value: every change of the value makes a new alert (it never stays firing)"
            findings.append(item.finding(0, "error", message, "move the value to an annotation"))
        if result_labels is None:
            continue
        available = result_labels | set(rule.labels) | {"alertname"}
        for ref in scan.labels:
            if ref.name in available:
                continue
            close = difflib.get_close_matches(ref.name, sorted(available), n=1)
            hint = f"did you mean $labels.{close[0]}? " if close else ""
            findings.append(
                item.finding(
                    ref.offset,
                    "warning",
                    f"$labels.{ref.name} renders empty: the expression's result has only {_names(result_labels)}",
                    f"{hint}keep {ref.name} in the aggregation (by (...)) or drop it from the template",
                )
            )
    return findings


@dataclass(frozen=True)
class _Field:
    """One annotation or label value of a rule, as a template."""

    rule: Rule
    check: str
    kind: str
    key: str
    text: str
    span: TextSpan

    def finding(self, offset: int, severity: Severity, message: str, suggestion: str | None) -> Finding:
        line, column = self.span.position(offset)
        return Finding(
            file=self.rule.file,
            line=line,
            column=column,
            check=self.check,
            severity=severity,
            message=f"{self.rule.what}: {self.kind} {self.key}: {message}",
            suggestion=suggestion or "fix the template",
        )


def _names(labels: frozenset[str] | None) -> str:
    return "no labels" if not labels else ", ".join(sorted(labels))
