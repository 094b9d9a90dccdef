"""The drill engine: scenario -> plan -> run -> observations -> verdicts.

Modules, in the order data flows through them: ``model`` (the scenario file, validated), ``compress`` and
``plan`` (time compression), ``run`` (stack + stub + Locust, live), ``observe`` (the timeline's recorder),
``timeline`` (the contract between running and judging), ``expect`` (verdicts), and ``cli`` (`firedrill run`).

Example:
    >>> from harness.drill.model import load_scenario
    >>> from harness.drill.run import RunOptions, run_scenario
    >>> results = run_scenario(load_scenario("scenarios/customerio/error-burst.yaml"), RunOptions())  # doctest: +SKIP
"""
