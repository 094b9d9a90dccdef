"""JUnit XML: a testsuite per scenario lane, a testcase per expectation, so CI shows drills as tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.drill.expectations import Verdict
from harness.drill.result import RunResult


def _case_name(phase: str, index: int, verdict: Verdict) -> str:
    target = f" {verdict.alert}" if verdict.alert else ""
    return f"{phase}[{index}] {verdict.kind}{target}"


def to_junit(results: RunResult) -> ET.Element:
    """Build the ``<testsuites>`` element."""
    root = ET.Element("testsuites", name="firedrill")
    total = failures = errors = 0
    for result in results.scenarios:
        suite_name = result.name if result.lane == "0" else f"{result.name}[lane {result.lane}]"
        cases = [(pv.phase, i, v) for pv in result.phases for i, v in enumerate(pv.verdicts)]
        failed = sum(not v.passed for _, _, v in cases)
        errored = int(result.error is not None)
        suite = ET.SubElement(
            root, "testsuite", name=suite_name, tests=str(len(cases) + errored), failures=str(failed),
            errors=str(errored),
        )  # fmt: skip
        if result.error is not None:
            # The drill's own environment broke: one errored case, no verdicts (nothing was judged).
            case = ET.SubElement(suite, "testcase", classname=f"firedrill.{result.name}", name="drill", time="0")
            ET.SubElement(case, "error", message=result.error.message).text = result.error.message
        for phase, i, verdict in cases:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"firedrill.{result.name}.{phase}",
                name=_case_name(phase, i, verdict),
                time=f"{verdict.wall_measured_s or 0:.3f}",
            )
            if not verdict.passed:
                failure = ET.SubElement(case, "failure", message=verdict.reason)
                failure.text = verdict.reason
            elif verdict.outcome == "xfail":
                ET.SubElement(case, "skipped", message=verdict.reason, type="xfail")
            else:
                ET.SubElement(case, "system-out").text = verdict.reason
        total += len(cases) + errored
        failures += failed
        errors += errored
    root.set("tests", str(total))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    return root


def write_junit(directory: Path, results: RunResult) -> Path:
    """Write ``junit.xml`` into ``directory`` and return its path.

    >>> write_junit(Path("out"), results)  # doctest: +SKIP
    PosixPath('out/junit.xml')
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "junit.xml"
    tree = ET.ElementTree(to_junit(results))
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
