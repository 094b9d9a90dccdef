"""Load generation: Locust as a bounded subprocess, shaped by the drill's phases."""

from harness.load.runner import LoadPhase, LoadStats, LocustRun

__all__ = ["LoadPhase", "LoadStats", "LocustRun"]
