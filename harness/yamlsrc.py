"""Line-aware YAML: keep the node tree from ``yaml.compose`` so every problem can name its ``file:line``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BeforeValidator, ValidationError, ValidationInfo

from harness.errors import InputError, Problem


class YamlDoc:
    """A parsed YAML file: plain data plus the node tree for line lookups.

    >>> doc = YamlDoc.parse("a:\\n  b: [1, 2]\\n", "x.yaml")
    >>> doc.data, doc.line(("a", "b", 1))
    ({'a': {'b': [1, 2]}}, 2)
    """

    def __init__(self, file: str, node: yaml.Node | None, data: Any) -> None:
        self.file = file
        self.node = node
        self.data = data

    @classmethod
    def parse(cls, text: str, file: str) -> YamlDoc:
        """Parse ``text``; a syntax error raises InputError with the error's line."""
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise InputError([Problem(file, line, f"YAML syntax error: {exc.problem}; expected valid YAML")]) from None
        except yaml.YAMLError as exc:
            raise InputError([Problem(file, 1, f"YAML error: {exc}; expected valid YAML")]) from exc
        return cls(file, node, data)

    @classmethod
    def load(cls, path: Path) -> YamlDoc:
        """Read and parse a file."""
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    def find(self, loc: Sequence[int | str]) -> yaml.Node | None:
        """The deepest node reachable along ``loc``; elements that are not keys (union tags) are skipped."""
        node = self.node
        for part in loc:
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                child = node.value[part]
            else:
                child = None
            if child is not None:
                node = child
        return node

    def key_node(self, loc: Sequence[int | str]) -> yaml.Node | None:
        """The key node for the last element of ``loc`` (the line of ``key:``), else the value's node."""
        parent = self.find(loc[:-1])
        if loc and isinstance(parent, yaml.MappingNode):
            for k, _ in parent.value:
                if getattr(k, "value", None) == str(loc[-1]):
                    return k  # type: ignore[no-any-return]
        return self.find(loc)

    def line(self, loc: Sequence[int | str]) -> int:
        """1-based line of ``key:`` for ``loc`` (its parent's line when the key is missing)."""
        node = self.key_node(loc)
        return node.start_mark.line + 1 if node is not None else 1

    def problem(self, loc: Sequence[int | str], message: str) -> Problem:
        """A Problem at ``loc``."""
        return Problem(self.file, self.line(loc), message)

    def duplicate_keys(self) -> list[Problem]:
        """Keys given twice in one mapping (PyYAML would silently keep the last)."""
        found: list[Problem] = []

        def visit(node: yaml.Node | None) -> None:
            if isinstance(node, yaml.MappingNode):
                seen: set[str] = set()
                for key, value in node.value:
                    name = str(getattr(key, "value", ""))
                    if name in seen:
                        found.append(
                            Problem(
                                self.file,
                                key.start_mark.line + 1,
                                f"duplicate key {name!r}; expected each key once per mapping",
                            )
                        )
                    seen.add(name)
                    visit(value)
            elif isinstance(node, yaml.SequenceNode):
                for item in node.value:
                    visit(item)

        visit(self.node)
        return found


def dotted(loc: Sequence[int | str]) -> str:
    """``("phases", 1, "duration")`` -> ``phases[1].duration``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problems_from_validation(doc: YamlDoc, error: ValidationError, tags: set[str]) -> list[Problem]:
    """Turn each pydantic error into ``file:line: what was wrong; what was expected``.

    ``tags`` are union-tag names pydantic inserts into ``loc``; they are dropped from the displayed path.
    """
    problems = []
    for err in error.errors():
        loc = [p for p in err["loc"] if p not in tags]
        where = dotted(loc) or "document"
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            text = f"{where}: required key missing; expected {loc[-1]!r} to be given"
        elif kind == "extra_forbidden":
            text = f"{where}: unknown key {loc[-1]!r}; expected only the documented keys (check the spelling)"
        elif kind == "expectation_kind" and isinstance(err.get("input"), dict):
            text = f"{where}: got keys ({', '.join(map(str, err['input']))}), {msg}"
        elif ";" in msg:
            text = f"{where}: {msg}"  # our validators already say "wrong; expected"
        else:
            text = f"{where}: got {_short(err.get('input'))}; expected: {msg[:1].lower()}{msg[1:]}"
        problems.append(doc.problem(loc, text))
    return problems


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _relative_path(value: Any, info: ValidationInfo) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise ValueError(f"{value!r} is not a path; expected a file path relative to the YAML file")
    base = Path((info.context or {}).get("base_dir", "."))
    return (base / Path(value).expanduser()).resolve()


# A path in a YAML file, relative to that file (validation context ``base_dir``); absolute once loaded.
RelPath = Annotated[Path, BeforeValidator(_relative_path)]
