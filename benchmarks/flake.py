"""Flake check: run a suite N times and report verdicts that differ and time-to-fire spread.

Target: zero flips. Equivalent to `firedrill run scenarios/SUITE/*.yaml --repeat N` (drills tagged nightly left
out unless --nightly).
Run: .venv/bin/python benchmarks/flake.py [--suite customerio] [--runs 10] [--parallel auto|N] [--nightly]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli import main as firedrill
from harness.drill.model import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--suite", default="customerio", help="a directory of scenarios/")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--parallel", default="auto")
    parser.add_argument("--nightly", action="store_true", help="include the drills tagged nightly")
    args = parser.parse_args()
    suite = [
        str(path)
        for path in sorted((SCENARIOS / args.suite).glob("*.yaml"))
        if args.nightly or "nightly" not in load_scenario(path, programs=False).tags
    ]
    argv = [
        "run", *suite, "--stack", "processes", "--quiet",
        "--repeat", str(args.runs), "--parallel", str(args.parallel), "--report", f"out/flake/{args.suite}",
    ]  # fmt: skip
    sys.exit(firedrill(argv))
