"""Open an HTML report in headless Chromium (Debian's `chromium`, driven by playwright) and screenshot it.

Every request the page makes other than the file itself is refused and recorded: the report must open
offline. Console messages and page errors are recorded too.

    .venv/bin/python -m tests.browser_support out/demo/report.html docs/report.png [--width 1280] [--height 2400]
"""

from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# As root Chromium needs --no-sandbox; the rest keep it from reaching out on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class PageVisit:
    """What the browser saw: console messages (type, text), uncaught errors, refused requests, chart sizes."""

    console: list[tuple[str, str]] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    chart_sizes: list[tuple[float, float]] = field(default_factory=list)
    title: str = ""


def chromium_missing() -> str | None:
    """None when Debian's chromium is installed, else the fix."""
    if shutil.which("chromium") or Path(CHROMIUM).exists():
        return None
    return "headless Chromium is missing: run `make setup` (installs Debian's chromium)"


def visit(html: Path, screenshot: Path | None = None, width: int = 1280, height: int = 900,
          full_page: bool = False) -> PageVisit:  # fmt: skip
    """Load ``html`` from disk in Chromium, optionally write a PNG screenshot, and report what happened."""
    from playwright.sync_api import Route, sync_playwright

    seen = PageVisit()
    url = html.resolve().as_uri()

    def only_the_file(route: Route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            seen.refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or CHROMIUM,
                                             args=CHROMIUM_ARGS)  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("console", lambda message: seen.console.append((message.type, message.text)))
            page.on("pageerror", lambda error: seen.page_errors.append(str(error)))
            page.route("**/*", only_the_file)
            page.goto(url, wait_until="load")
            seen.title = page.title()
            for box in (page.locator("svg.chart").nth(i).bounding_box()
                        for i in range(page.locator("svg.chart").count())):  # fmt: skip
                seen.chart_sizes.append((box["width"], box["height"]) if box else (0.0, 0.0))
            if screenshot is not None:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(screenshot), full_page=full_page)
        finally:
            browser.close()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full-page", action="store_true")
    args = parser.parse_args()
    seen = visit(args.html, args.png, args.width, args.height, args.full_page)
    print(f"{args.png}: {len(seen.chart_sizes)} charts; console {seen.console}; errors {seen.page_errors}; "
          f"refused {seen.refused}")  # fmt: skip


if __name__ == "__main__":
    main()
