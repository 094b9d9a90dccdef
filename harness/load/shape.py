"""A Locust LoadTestShape built from the drill's phases. Loaded by Locust, inside the Locust subprocess.

The phases arrive as JSON in FIREDRILL_LOAD_PHASES: [[wall_seconds, users, spawn_rate], ...]. When the last
phase ends the shape returns None and Locust stops by itself: a load run is always bounded.
"""

from __future__ import annotations

import json
import os

from locust import LoadTestShape


class FiredrillPhases(LoadTestShape):
    """Users per phase, in wall-clock time."""

    phases: list[tuple[float, int, float]] = [
        (float(d), int(u), float(r)) for d, u, r in json.loads(os.environ.get("FIREDRILL_LOAD_PHASES", "[]"))
    ]

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        for duration, users, spawn_rate in self.phases:
            if elapsed < duration:
                return users, spawn_rate
            elapsed -= duration
        return None
