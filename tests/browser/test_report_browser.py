"""The HTML reports as a person sees them: opened from disk in headless Chromium, offline, and screenshotted.

No console message, no page error, no request beyond the file itself; every chart laid out at a readable size;
the screenshot is a real picture (not blank).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from harness.report.html import write_html
from harness.report.json import write_json
from harness.report.trend import load_runs, timed_series, verdict_flips
from harness.report.trend_page import render_trend
from tests.browser_support import chromium_missing, visit
from tests.unit.report_support import broken, run, scenario

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def chromium() -> None:
    """Fail with the fix, not skip: `make setup` installs Debian's chromium."""
    problem = chromium_missing()
    if problem is not None:
        pytest.fail(problem)


def assert_picture(png: Path, width: int) -> None:
    pixels = imread(png)
    assert pixels.shape[1] == width and pixels.shape[0] > 900
    rgb = (pixels[..., :3] * 255).astype(np.uint32)
    colours = np.unique(rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2])
    assert len(colours) > 50, "the screenshot is (nearly) blank"


def test_report_opens_offline_without_console_errors(tmp_path: Path) -> None:
    html = write_html(tmp_path, run(scenario(False), scenario(True, "b"), broken()), datetime(2024, 5, 1, 2, 20))
    seen = visit(html, tmp_path / "report.png", width=1280, full_page=True)
    assert seen.console == [] and seen.page_errors == [], (seen.console, seen.page_errors)
    assert seen.refused == [], "the report fetched something"
    assert seen.title == "firedrill: ERROR"
    assert len(seen.chart_sizes) == 6
    assert all(w >= 1000 and h >= 250 for w, h in seen.chart_sizes), seen.chart_sizes
    assert_picture(tmp_path / "report.png", 1280)


def test_trend_opens_offline_without_console_errors(tmp_path: Path) -> None:
    for night in range(3):
        result = run(scenario(night != 1)).model_copy(update={"started_at": datetime(2024, 5, 1) + timedelta(night)})
        write_json(tmp_path / f"n{night}", result)
    runs = load_runs([tmp_path])
    html = tmp_path / "trend.html"
    html.write_text(render_trend(runs, timed_series(runs), verdict_flips(runs)))
    seen = visit(html, tmp_path / "trend.png", width=1280, full_page=True)
    assert seen.console == [] and seen.page_errors == [] and seen.refused == []
    assert len(seen.chart_sizes) == 1 and seen.chart_sizes[0][0] >= 1000
    assert_picture(tmp_path / "trend.png", 1280)
