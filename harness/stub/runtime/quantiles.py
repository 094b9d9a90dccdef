"""A summary with quantiles over a sliding window: prometheus-summary's, with its estimator's merge corrected.

prometheus-summary (0.1.6) keeps each window in quantile-estimator's CKMS ``Estimator`` (0.1.3, the latest). Its
``_replace_batch`` merges the values buffered since the last read by inserting each one *after* the first kept
value not below it, and a value past the end twice. Every scrape reads the summary, so once a scrape falls between
observations the kept list is out of order, counts are inflated, and a quantile can be any value: ten draws of
Normal(4.3, 0.3) with a scrape after the third gave a median of 4.88, their maximum, and the error never heals.
Here the merge keeps the list sorted; the rest (the window, the invariants, the compression) is the library's.

Example:
    >>> from prometheus_client import CollectorRegistry
    >>> summary = QuantileSummary("score", "a score", registry=CollectorRegistry(), invariants=[(0.5, 0.05)])
    >>> for value in (1, 2, 3):
    ...     summary.observe(value)
    >>> _ = summary.collect()  # a scrape between observations
    >>> for value in range(4, 11):
    ...     summary.observe(value)
    >>> [s.value for s in summary.collect()[0].samples if s.labels.get("quantile") == "0.5"]
    [5.0]
"""

from __future__ import annotations

from typing import Any

from prometheus_summary import Summary
from quantile_estimator import Estimator, TimeWindowEstimator


class _SortedMergeEstimator(Estimator):  # type: ignore[misc]
    def _replace_batch(self) -> None:
        """Insert each buffered value (sorted by ``_flush``) before the first kept value above it."""
        previous: Any = None
        current: Any = self._head  # type: ignore[has-type]
        rank = 0.0
        for value in self._buffer:
            while current is not None and current._value < value:
                rank += current._rank
                previous, current = current, current._successor
            # CKMS: a new first or last value is known exactly (delta 0); one inside may be off by the invariant.
            delta = 0 if previous is None or current is None else self._invariant(rank, self._observations) - 1
            sample = self._record(value, 1, delta, current)
            if previous is None:
                self._head = sample
            else:
                previous._successor = sample
            previous, rank = sample, rank + 1


class _Window(TimeWindowEstimator):  # type: ignore[misc]
    def get_new_bucket(self) -> Estimator:
        return _SortedMergeEstimator(*self.invariants)


class QuantileSummary(Summary):  # type: ignore[misc]
    """``prometheus_summary.Summary``, its windows kept by the corrected estimator."""

    def _metric_init(self) -> None:
        super()._metric_init()
        self._estimator = _Window(
            *self._invariants, max_age_seconds=self._max_age_seconds, age_buckets=self._age_buckets
        )
