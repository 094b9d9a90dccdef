"""Flake check: run the Customer.io suite N times and report verdicts that differ and time-to-fire spread.

Target: zero flips. Equivalent to `firedrill run scenarios/customerio/*.yaml --repeat N`.
Run: .venv/bin/python benchmarks/flake.py [--runs 10] [--parallel auto|N]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from harness.cli import main as firedrill

SUITE = sorted(str(p) for p in (Path(__file__).resolve().parents[1] / "scenarios" / "customerio").glob("*.yaml"))

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--parallel", default="auto")
    args = parser.parse_args()
    argv = [
        "run", *SUITE, "--stack", "processes", "--quiet",
        "--repeat", str(args.runs), "--parallel", str(args.parallel), "--report", "out/flake",
    ]  # fmt: skip
    sys.exit(firedrill(argv))
