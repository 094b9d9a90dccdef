"""A matplotlib figure as SVG to inline in an HTML page: no XML prolog, ids scoped to the chart, tooltips.

Many charts share one page, and matplotlib names the elements of every figure alike (``axes_1``, ``patch_1``,
clip paths and marker definitions referenced by ``url(#...)`` and ``href="#..."``). Each chart's ids get a
prefix so that no id repeats on the page and every reference resolves inside its own chart. Text stays text
(``svg.fonttype: none``), so the page can be searched and the browser's own fonts draw it.

An artist given ``gid="value"`` becomes ``<g id="<scope>-value">``; ``titles`` adds a ``<title>`` to such
groups, which browsers show as a tooltip.
"""

from __future__ import annotations

import io
import re
from html import escape
from typing import Any

import matplotlib
from matplotlib.figure import Figure

_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.S)
_SIZE = re.compile(r'(<svg\b[^>]*?)\s(width|height)="[^"]*"')


def chart_style() -> Any:
    """The charts' matplotlib settings, for the ``with`` block that builds a figure (fonts are set per artist).

    >>> with chart_style():
    ...     Figure().add_subplot().title.get_fontsize()
    9.0
    """
    return matplotlib.rc_context({"font.size": 8, "axes.titlesize": 9, "legend.fontsize": 7})


def figure_svg(figure: Figure, scope: str, titles: dict[str, str] | None = None, label: str = "") -> str:
    """The figure as an ``<svg>`` element for an HTML page, ids prefixed with ``scope``; ``label`` names it for
    screen readers.

    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1], [0, 1], gid="value")
    >>> svg = figure_svg(fig, "c1", {"value": "the value"})
    >>> svg.startswith("<svg"), 'id="c1-value"' in svg, "<title>the value</title>" in svg
    (True, True, True)
    """
    buffer = io.StringIO()
    # The hash salt makes clip-path and marker ids reproducible (the same report twice is the same file).
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": scope}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue(), count=1), count=1)
    svg = _scope_ids(svg, scope)
    # Sized by the page's CSS (the viewBox keeps the proportions).
    svg = _SIZE.sub(r"\1", _SIZE.sub(r"\1", svg, count=1), count=1)
    svg = svg.replace("<svg ", f'<svg class="chart" role="img" aria-label="{escape(label or scope)}" ', 1)
    for gid, title in (titles or {}).items():
        svg = svg.replace(f'<g id="{scope}-{gid}">', f'<g id="{scope}-{gid}">\n<title>{escape(title)}</title>', 1)
    return svg.strip()


def _scope_ids(svg: str, scope: str) -> str:
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{scope}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{scope}-{m.group(1)})", svg)
    return re.sub(r'href="#([^"]+)"', lambda m: f'href="#{scope}-{m.group(1)}"', svg)
