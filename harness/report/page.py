"""The conventions every HTML page of firedrill shares: one self-contained file (inline CSS and SVG, no script,
no font, image or style sheet fetched from anywhere), a summary at the top, verdict badges, plain tables.

Every piece of text from a run (names, reasons, PromQL) goes through :func:`esc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from harness.drill.result import RunResult

CSS = """
:root { color-scheme: light; --fg: #1d2733; --muted: #5b6b7d; --line: #d8dee6; --bg: #ffffff; --panel: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.2rem 2rem 3rem; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto,
       "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
h1 { font-size: 1.5rem; margin: 0 0 .6rem; } h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; color: var(--muted); }
section.drill { border-top: 2px solid var(--line); }
.badge { display: inline-block; min-width: 3.6em; padding: .05em .5em; border-radius: .3em; font-weight: 700;
         font-size: .85em; text-align: center; color: #fff; background: #888; vertical-align: .1em; }
.badge.pass { background: #2e7d32; } .badge.fail, .badge.xpass { background: #c62828; }
.badge.xfail { background: #b8860b; } .badge.error { background: #7b1fa2; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1.2rem; margin: .4rem 0 1rem; }
dl.summary dt { color: var(--muted); } dl.summary dd { margin: 0; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.bad td { background: #fdf0f0; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: .3rem; padding: .6rem .8rem;
      overflow-x: auto; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
.error-box { border-left: 4px solid #7b1fa2; background: #f7effa; padding: .4rem .8rem; margin: .6rem 0; }
.failure { border-left: 4px solid #c62828; padding: 0 .8rem; margin: .6rem 0 1rem; }
.failure h4 { margin: .3rem 0; font-size: .95rem; }
figure { margin: .6rem 0 1.4rem; } figcaption { color: var(--muted); font-size: 12px; max-width: 1100px; }
svg.chart { width: 100%; max-width: 1100px; height: auto; display: block; }
.muted { color: var(--muted); } code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
nav ul { margin: .2rem 0 1rem; padding-left: 1.2rem; }
"""


def esc(text: object) -> str:
    """Text for HTML (quotes too, so it is safe in attributes).

    >>> esc('rate(x{a="b"}[5m]) < 1')
    'rate(x{a=&quot;b&quot;}[5m]) &lt; 1'
    """
    return escape(str(text), quote=True)


def badge(outcome: str) -> str:
    """``<span class="badge fail">FAIL</span>``."""
    return f'<span class="badge {esc(outcome)}">{esc(outcome.upper())}</span>'


def document(title: str, body: str) -> str:
    """The whole page: doctype, charset, inline style, the body."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def summary_list(items: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, HTML value) pairs."""
    inner = "".join(f"<dt>{esc(label)}</dt><dd>{value}</dd>" for label, value in items)
    return f'<dl class="summary">{inner}</dl>'


def table(headers: list[str], rows: Iterable[tuple[list[str], str]], numeric: Iterable[int] = ()) -> str:
    """A table of already-escaped cells; each row is (cells, CSS class of the row or "")."""
    right = set(numeric)
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = ""
    for cells, row_class in rows:
        tds = "".join(f'<td class="num">{c}</td>' if i in right else f"<td>{c}</td>" for i, c in enumerate(cells))
        body += f'<tr class="{row_class}">{tds}</tr>' if row_class else f"<tr>{tds}</tr>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def figure(svg: str, caption: str) -> str:
    """A chart with its caption."""
    return f"<figure>{svg}<figcaption>{esc(caption)}</figcaption></figure>"


def versions(source: object) -> dict[str, str]:
    """The stack's component versions when the run recorded them (``versions`` on the result), else {}.

    Accepts a mapping or a model of component -> version, or of component -> {version: ...}.

    >>> versions({"versions": {"prometheus": "2.42.0"}})
    {'prometheus': '2.42.0'}
    >>> versions(object())
    {}
    """
    found: Any = source.get("versions") if isinstance(source, Mapping) else getattr(source, "versions", None)
    if found is None:
        return {}
    if hasattr(found, "model_dump"):
        found = found.model_dump(mode="json")
    if not isinstance(found, Mapping):
        return {}
    out = {}
    for component, version in found.items():
        if isinstance(version, Mapping):
            version = version.get("version")
        if version:
            out[str(component)] = str(version)
    return out


def run_versions(results: RunResult) -> dict[str, str]:
    """Versions recorded on the run, else on its first drill that has them."""
    return versions(results) or next((v for s in results.scenarios if (v := versions(s))), {})
