"""Reading lint inputs: YAML files with line numbers, paths as the user wrote them, and value spans.

An input that cannot be read or parsed is not a lint finding: it raises :class:`harness.errors.InputError` (exit code 2)
with one ``file:line: what; fix`` line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import InputError
from harness.lint.model import TextSpan
from harness.yamlsrc import YamlDoc


def display_path(path: Path | str) -> str:
    """``path`` relative to the working directory when it is below it (what CI annotations expect).

    >>> display_path(Path.cwd() / "fixtures" / "x.yml")
    'fixtures/x.yml'
    """
    absolute = Path(path).resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return os.fspath(path)


def read_text(path: Path, what: str) -> str:
    """The text of ``path``, or InputError naming it and the fix."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{display_path(path)}:1: {what} not found; check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"{display_path(path)}:1: cannot read {what}: {reason}; fix the file") from None


@dataclass(frozen=True)
class YamlSource:
    """A YAML input: its display name, raw lines (for spans) and the line-aware document."""

    file: str
    lines: list[str]
    doc: YamlDoc

    @classmethod
    def load(cls, path: Path, what: str) -> YamlSource:
        """Read and parse ``path``; syntax errors raise InputError with the error's line.

        >>> YamlSource.load(Path("fixtures/customerio/alerts.yml"), "rule file").doc.data["groups"][0]["name"]
        'customerio'
        """
        file = display_path(path)
        text = read_text(path, what)
        try:
            doc = YamlDoc.parse(text, file)
        except InputError as exc:
            raise InputError(f"{exc.problems[0]}; fix the {what}") from None
        return cls(file, text.splitlines(), doc)

    def line(self, loc: tuple[int | str, ...]) -> int:
        """1-based line of the key at ``loc``."""
        return self.doc.line(loc)

    def span(self, loc: tuple[int | str, ...]) -> TextSpan:
        """Where the scalar value at ``loc`` lies (its key's line when it is not a scalar)."""
        node = self.doc.find(loc)
        if not isinstance(node, yaml.ScalarNode):
            return TextSpan.at(self.line(loc))
        return scalar_span(self.lines, node)


def scalar_span(lines: list[str], node: yaml.ScalarNode) -> TextSpan:
    """Map a YAML scalar's value offsets to file positions.

    Block scalars (``|``, ``>``) start on the line after their indicator; each source line contributes its
    text after the indentation plus one character (the newline, or the space a fold turns it into). Flow
    scalars start at their mark (after the quote) and fold continuation lines the same way. Folding of blank
    lines and escapes make this approximate; it is exact for the usual one-expression-per-line layout.
    """
    start, end = node.start_mark, node.end_mark
    segments: list[tuple[int, int, int]] = []
    offset = 0
    if node.style in ("|", ">"):
        stop = end.line + (1 if end.column > 0 else 0)
        content = lines[start.line + 1 : stop]
        indents = [len(text) - len(text.lstrip(" ")) for text in content if text.strip()]
        indent = min(indents) if indents else start.column + 2
        for i, text in enumerate(content):
            segments.append((offset, start.line + 2 + i, indent + 1))
            offset += len(text[indent:]) + 1
        return TextSpan(tuple(segments)) if segments else TextSpan.at(start.line + 1, start.column + 1)
    first = start.column + (1 if node.style in ("'", '"') else 0)
    segments.append((0, start.line + 1, first + 1))
    offset = len(lines[start.line][first:].rstrip()) + 1 if start.line < len(lines) else 0
    for line_index in range(start.line + 1, min(end.line + 1, len(lines))):
        text = lines[line_index]
        indent = len(text) - len(text.lstrip())
        segments.append((offset, line_index + 1, indent + 1))
        offset += len(text.strip()) + 1
    return TextSpan(tuple(segments))
