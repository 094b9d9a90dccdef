"""Flap rate against the compression factor: the Customer.io error-burst drill, N runs at each k.

At the same load, a rate window compressed k times holds k times fewer events, so the error ratio is sqrt(k)
times noisier than in production: 8% against a 5% threshold crosses back and the alert flaps (it goes inactive
before the burst ends, and `resolves` or `fires` fail). Prints, for each k: how many runs had every expectation
hold, how many the alert flapped in, and the noise warning the engine gave (its estimate of the events per
window and the largest safe k). Bounded: each run is one drill of about a minute of wall time at x30.

Run: .venv/bin/python benchmarks/flap_rate.py [--factors 15,30,60] [--runs 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.drill.model import load_scenario  # noqa: E402
from harness.drill.result import ScenarioResult  # noqa: E402
from harness.drill.run import RunOptions, run_scenario  # noqa: E402

DRILL = Path(__file__).resolve().parents[1] / "scenarios" / "customerio" / "error-burst.yaml"
ALERT = "CioHighErrorRate"


def flapped(result: ScenarioResult) -> bool:
    """The alert left firing (or pending) while the burst phase still ran."""
    burst = result.timeline.phase("burst")
    if burst is None:
        return False
    fired = False
    for transition in result.timeline.transitions_for(ALERT):
        if not burst.start <= transition.t <= burst.end:
            continue
        fired = fired or transition.state == "firing"
        if fired and transition.state == "inactive":
            return True
    return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="15,30,60", help="compression factors to try")
    parser.add_argument("--runs", type=int, default=3, help="runs per factor (each about a minute at x30)")
    args = parser.parse_args()
    runs = max(1, min(args.runs, 20))  # bounded, whatever was asked
    print(f"flap rate of {DRILL.name} ({ALERT}, 8% errors against 5%), {runs} run(s) per factor")
    print(f"  {'k':>4}  {'all held':>8}  {'flapped':>7}  engine's estimate")
    for k in (float(f) for f in args.factors.split(",")):
        held = flaps = 0
        warning = "no warning (the fault stands clear of the noise)"
        for seed in range(runs):
            options = RunOptions(stack="processes", compress=k, seed=seed + 1)
            (result,) = run_scenario(load_scenario(DRILL), options)
            held += result.passed
            flaps += flapped(result)
            notes = [n.message for n in result.notes if n.rule == ALERT and n.severity == "warning"]
            if notes:
                warning = notes[0].split(": ", 1)[1]
        print(f"  {k:>4g}  {held:>4}/{runs:<3}  {flaps:>3}/{runs:<3}  {warning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
