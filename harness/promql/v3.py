"""What Prometheus 3 reads differently from 2, where a rule's text shows it.

* ``holt_winters`` is called ``double_exponential_smoothing`` (and is behind
  ``--enable-feature=promql-experimental-functions``); 3 does not know the old name.
* ``le`` and ``quantile`` label values are stored normalised as floats: a Go service's ``le="1"`` is ``le="1.0"``
  on 3, so a matcher ``le="1"`` that matched on 2 matches nothing on 3.
* Range selectors are left-open (a sample exactly at the window's start is out) and regex ``.`` matches a newline;
  neither shows in a rule's text, so the drills re-check timing on both majors instead (tests/live).

Shared by the drill (promtool's complaint explained) and lint.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

# Old name -> new name.
RENAMED_FUNCTIONS = {"holt_winters": "double_exponential_smoothing"}
# The new names Prometheus 3 keeps behind the experimental-functions feature flag.
EXPERIMENTAL = {"double_exponential_smoothing": "--enable-feature=promql-experimental-functions"}
# Labels whose values Prometheus 3 normalises as floats.
FLOAT_LABELS = ("le", "quantile")


def renamed_calls(expr: str) -> list[tuple[int, str, str]]:
    """(offset, old name, new name) of every call of a function Prometheus 3 renamed.

    >>> renamed_calls('holt_winters(x[10m], 0.5, 0.5) > 1')
    [(0, 'holt_winters', 'double_exponential_smoothing')]
    """
    found = []
    for old, new in RENAMED_FUNCTIONS.items():
        for match in re.finditer(rf"(?<![\w:]){old}\s*\(", expr):
            found.append((match.start(), old, new))
    return sorted(found)


def rename_advice(old: str) -> str:
    """What to write instead of ``old`` on Prometheus 3.

    >>> rename_advice("holt_winters")
    'call double_exponential_smoothing (same arguments), with --enable-feature=promql-experimental-functions'
    """
    new = RENAMED_FUNCTIONS[old]
    flag = f", with {EXPERIMENTAL[new]}" if new in EXPERIMENTAL else ""
    return f"call {new} (same arguments){flag}"


def normalised_float(value: str) -> str | None:
    """The label value Prometheus 3 stores for ``value`` (``le``, ``quantile``), as Go formats OpenMetrics floats;
    None when ``value`` is not a number.

    >>> [normalised_float(v) for v in ["1", "0.5", "1.0", "+Inf", "10", "1000000", "1e-05", "0.0001", "x"]]
    ['1.0', '0.5', '1.0', '+Inf', '10.0', '1e+06', '1e-05', '0.0001', None]
    """
    try:
        number = float(value)
    except ValueError:
        return None
    if number == 0 or number in (1, -1):
        return f"{number:.1f}".replace("-0.0", "0.0")
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    text = _go_shortest_g(number)
    return text if any(c in text for c in ".e") else f"{text}.0"


def _go_shortest_g(number: float) -> str:
    """Go's ``strconv.FormatFloat(number, 'g', -1, 64)``: the shortest digits that read back as ``number``, in
    exponent form when the decimal exponent is below -4 or at least 6 (Go's rule for the shortest precision)."""
    sign, digit_tuple, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    power = len(digits) + exponent - 1  # the decimal exponent of the first digit
    prefix = "-" if sign else ""
    if power < -4 or power >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if power < 0:
        return f"{prefix}0.{'0' * (-power - 1)}{digits}"
    whole, fraction = digits[: power + 1].ljust(power + 1, "0"), digits[power + 1 :]
    return prefix + whole + (f".{fraction}" if fraction else "")
