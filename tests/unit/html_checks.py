"""Checks every HTML page of firedrill must pass: valid HTML5, self-contained, ids unique and resolved."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import html5lib

SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"
# The only URLs a page may hold: XML namespace names, which are identifiers, never fetched.
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", "http://www.w3.org/1999/xhtml"}


def parse_valid(page: str) -> ET.Element:
    """Parse with the WHATWG algorithm in strict mode (any parse error raises), then check the page is
    self-contained: no script, no external style sheet, image, font or frame, no URL but namespace names."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    root = parser.parse(page)
    assert root.find(f".//{XHTML}script") is None, "a report needs no script"
    assert root.find(f".//{XHTML}link") is None and root.find(f".//{XHTML}iframe") is None
    for element in root.iter():
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1]
            if local in ("src", "href") and not value.startswith("#"):
                raise AssertionError(f"<{element.tag}> {local}={value!r}: the page must not fetch anything")
    urls = set(re.findall(r"""(?:https?|ftp)://[^\s"'<>)]+""", page))
    assert urls <= NAMESPACES, f"URLs in the page: {sorted(urls - NAMESPACES)}"
    assert "@import" not in page and "url(http" not in page
    ids = [element.attrib["id"] for element in root.iter() if "id" in element.attrib]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, f"ids used more than once: {repeated[:5]}"
    referenced = set(re.findall(r"url\(#([^)]+)\)", page)) | set(re.findall(r'href="#([^"]+)"', page))
    assert referenced <= set(ids), f"references to missing ids: {sorted(referenced - set(ids))[:5]}"
    return root


def charts(root: ET.Element) -> list[ET.Element]:
    """Every chart on the page (inline ``<svg class="chart">``)."""
    return [svg for svg in root.iter(f"{SVG}svg") if svg.attrib.get("class") == "chart"]


def groups(chart: ET.Element) -> dict[str, ET.Element]:
    """The chart's groups by id without the chart's scope prefix (``value``, ``threshold``, ``phase-0``, ...)."""
    figure_id = next(g.attrib["id"] for g in chart.iter(f"{SVG}g") if g.attrib.get("id", "").endswith("-figure_1"))
    scope = figure_id.removesuffix("figure_1")
    return {g.attrib["id"].removeprefix(scope): g for g in chart.iter(f"{SVG}g") if "id" in g.attrib}


def title(group: ET.Element) -> str:
    """The tooltip of a group."""
    element = group.find(f"{SVG}title")
    return "" if element is None or element.text is None else element.text


def path_points(group: ET.Element) -> int:
    """How many points the group's (first) path draws: its M and L commands."""
    path = group.find(f".//{SVG}path")
    assert path is not None, "the group has no path"
    return len(re.findall(r"[ML]\s", path.attrib["d"]))


def texts(element: ET.Element) -> str:
    """All text inside an element, joined by spaces."""
    return " ".join(" ".join(t.split()) for t in element.itertext() if t.strip())
