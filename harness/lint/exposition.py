"""What a target really exports: series names, label names and values, family types and histogram buckets.

Three sources, all read with prometheus_client's exposition parser:

- ``http://host:port/metrics`` (a live target),
- ``profile:NAME`` or ``profile:PATH`` (a stub profile: every service's exposition as its stub serves it before
  traffic, built in-process; ``profile:NAME@SERVICE`` for one service),
- a saved exposition file (``file:PATH`` or just ``PATH``), Prometheus text or OpenMetrics.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
from prometheus_client.metrics_core import Metric
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families

from harness.errors import InputError
from harness.lint.source import display_path, read_text

Role = Literal["value", "total", "bucket", "sum", "count", "created", "quantile"]

# Series Prometheus writes for every scrape target, with the target labels it adds to all series.
TARGET_LABELS = frozenset({"job", "instance"})
# An exposed label that meets a target label is renamed at scrape (honor_labels: false, Prometheus's default):
# seed 002's tokpulse_job_attempts_total{job=...} is queried as exported_job.
SCRAPE_RENAMES = {"job": "exported_job", "instance": "exported_instance"}
SCRAPE_SERIES = (
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
)


@dataclass(frozen=True)
class Series:
    """One series name of the exposition (``x_total``, ``x_bucket``, ...) and the family it belongs to."""

    name: str
    family: str
    type: str  # the family's TYPE: counter, gauge, histogram, summary, gaugehistogram, info, stateset, unknown
    role: Role
    labels: frozenset[str]
    values: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_counter(self) -> bool:
        """A monotonic series: a counter's ``_total``, a histogram's or summary's ``_bucket``/``_sum``/``_count``."""
        if self.role == "created":
            return False
        return self.type == "counter" or (self.type in ("histogram", "summary") and self.role != "quantile")

    @property
    def is_gauge(self) -> bool:
        """A series that goes up and down: gauges, summary quantiles, ``_created`` timestamps, info metrics."""
        return self.type in ("gauge", "info", "stateset", "gaugehistogram") or self.role in ("quantile", "created")


@dataclass(frozen=True)
class Exposition:
    """The union of one or more targets' expositions.

    >>> expo = Exposition.parse("# TYPE x_total counter\\nx_total{a=\\"1\\"} 3\\n", "x.prom")
    >>> expo.series["x_total"].is_counter, sorted(expo.labels_of("x_total") or [])
    (True, ['a', 'instance', 'job'])
    """

    sources: tuple[str, ...]
    series: dict[str, Series]
    buckets: dict[str, tuple[float, ...]]  # finite ``le`` bounds per ``_bucket`` series name
    # The text's first line is ``# firedrill: complete``: every label value the service can export is in it.
    marked_complete: bool = False

    def labels_of(self, name: str) -> frozenset[str] | None:
        """Label names of series ``name`` including the target labels Prometheus adds; None if not exported."""
        found = self.series.get(name)
        return None if found is None else found.labels | TARGET_LABELS

    @classmethod
    def parse(cls, text: str, source: str) -> Exposition:
        """Parse exposition ``text``; a malformed one raises InputError naming ``source``.

        >>> Exposition.parse("# firedrill: complete\\n# TYPE up gauge\\nup 1\\n", "x.prom").marked_complete
        True
        """
        first, _, rest = text.partition("\n")
        marked = first.strip() == "# firedrill: complete"
        text = rest if marked else text
        parse = openmetrics_families if text.rstrip().endswith("# EOF") else text_string_to_metric_families
        try:
            families = list(parse(text))
        except (ValueError, TypeError, IndexError) as exc:
            raise InputError(
                f"{source}:1: not a Prometheus text exposition ({exc}); give a /metrics "
                "page saved with `curl -s URL/metrics > FILE`"
            ) from None
        built = cls.build(families, (source,))
        return cls(built.sources, built.series, built.buckets, marked)

    @classmethod
    def build(cls, families: Iterable[Metric], sources: tuple[str, ...]) -> Exposition:
        """Index parsed families by series name; the per-target scrape series are added."""
        labels: dict[str, set[str]] = defaultdict(set)
        values: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        meta: dict[str, tuple[str, str, Role]] = {}
        bounds: dict[str, set[float]] = defaultdict(set)
        for family in families:
            for sample in family.samples:
                meta.setdefault(sample.name, (family.name, family.type, _role(family, sample.name, sample.labels)))
                for exposed, value in sample.labels.items():
                    key = SCRAPE_RENAMES.get(exposed, exposed)
                    labels[sample.name].add(key)
                    values[sample.name][key].add(value)
                if sample.name.endswith("_bucket") and "le" in sample.labels:
                    bound = float(sample.labels["le"])
                    if math.isfinite(bound):
                        bounds[sample.name].add(bound)
        series = {
            name: Series(
                name, fam, typ, role, frozenset(labels[name]), {k: frozenset(v) for k, v in values[name].items()}
            )
            for name, (fam, typ, role) in meta.items()
        }
        for name in SCRAPE_SERIES:
            series.setdefault(name, Series(name, name, "gauge", "value", frozenset()))
        return cls(sources, series, {k: tuple(sorted(v)) for k, v in bounds.items()})

    def open_values(self, open_labels: dict[str, frozenset[str]]) -> Exposition:
        """A copy that lists no values for labels whose values are open (family -> label names): any may appear.

        >>> expo = Exposition.parse("# TYPE x_total counter\\nx_total{code=\\"200\\"} 3\\n", "x.prom")
        >>> expo.open_values({"x": frozenset({"code"})}).series["x_total"].values
        {}
        """
        series = {
            name: Series(s.name, s.family, s.type, s.role, s.labels,
                         {k: v for k, v in s.values.items() if k not in open_labels.get(s.family, frozenset())})
            if s.family in open_labels else s
            for name, s in self.series.items()
        }  # fmt: skip
        return Exposition(self.sources, series, self.buckets, self.marked_complete)

    @classmethod
    def merge(cls, parts: list[Exposition]) -> Exposition:
        """One exposition covering several targets (a name exported by any of them exists)."""
        series: dict[str, Series] = {}
        buckets: dict[str, tuple[float, ...]] = {}
        for part in parts:
            for name, s in part.series.items():
                old = series.get(name)
                if old is None:
                    series[name] = s
                else:
                    merged = {
                        k: old.values.get(k, frozenset()) | s.values.get(k, frozenset())
                        for k in old.values.keys() | s.values.keys()
                    }
                    series[name] = Series(name, old.family, old.type, old.role, old.labels | s.labels, merged)
            for name, b in part.buckets.items():
                buckets[name] = tuple(sorted(set(buckets.get(name, ())) | set(b)))
        sources = tuple(src for p in parts for src in p.sources)
        return cls(sources, series, buckets, all(p.marked_complete for p in parts))


def _role(family: Metric, name: str, sample_labels: dict[str, str]) -> Role:
    suffix = name[len(family.name) :]
    if suffix in ("_total", "_bucket", "_sum", "_count", "_created"):
        return "total" if suffix == "_total" else suffix[1:]  # type: ignore[return-value]
    if suffix in ("_gsum", "_gcount"):
        return "sum" if suffix == "_gsum" else "count"
    if family.type == "summary" and "quantile" in sample_labels:
        return "quantile"
    return "value"


def load_target(spec: str) -> Exposition:
    """The exposition named by ``spec``: ``http(s)://...``, ``profile:NAME``, ``file:PATH``, a file path, or
    ``component:blackbox`` (what a probe through firedrill's blackbox exporter exports).

    >>> "customerio_requests_total" in load_target("profile:customerio").series
    True
    """
    if spec.startswith(("http://", "https://")):
        return Exposition.parse(_fetch(spec), spec)
    if spec.startswith("profile:"):
        expo = Exposition.parse(_profile_metrics(spec.removeprefix("profile:")), spec)
        return expo.open_values(_open_labels(spec.removeprefix("profile:")))
    if spec == "component:blackbox":
        from harness.stack.blackbox import PROBE_EXPOSITION

        return Exposition.parse(PROBE_EXPOSITION, spec)
    path = Path(spec.removeprefix("file:"))
    if spec.startswith("file:") or path.exists():
        return Exposition.parse(read_text(path, "exposition file"), display_path(path))
    raise InputError(
        f"--target {spec}: not a URL, profile or file; expected http(s)://HOST:PORT/metrics, "
        "profile:NAME or the path of a saved exposition"
    )


def _fetch(url: str) -> str:
    try:
        response = httpx.get(url, timeout=10.0, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise InputError(f"{url}: cannot fetch metrics ({exc}); check that the target is up") from None
    if response.status_code != 200:
        raise InputError(f"{url}: HTTP {response.status_code}; expected 200 from the metrics endpoint")
    return response.text


def _profile_metrics(spec: str) -> str:
    """Every service's exposition of a stub profile (or one service's, ``NAME@SERVICE``), as its stub serves them
    before traffic: with _open_labels, where lint reads a profile."""
    from harness.stub.exposition import profile_expositions
    from harness.stub.profile import ProfileError, load_profile

    name, _, service = spec.partition("@")
    try:
        profile = load_profile(name)
    except ProfileError as exc:
        raise InputError(f"profile:{spec}: {str(exc).splitlines()[0]}; give an existing profile") from None
    if service and service not in profile.service_names:
        raise InputError(f"profile:{spec}: no service {service!r}; known: {', '.join(profile.service_names)}")
    jobs = {s.name: s.job_name for s in profile.services}
    texts = profile_expositions(profile)
    return texts[jobs[service]] if service else "\n".join(texts.values())


def _open_labels(spec: str) -> dict[str, frozenset[str]]:
    """Family -> its labels taken from a response's code or class (``{status: code}``): before traffic a stub
    exports only the success code, yet any code may come (a 503 series appears with the first 503).

    >>> _open_labels("customerio")  # its status label maps codes onto a closed set: success, error
    {}
    """
    from harness.stub.profile import load_profile

    profile = load_profile(spec.partition("@")[0])
    open_sources = {name for name, label in profile.labels.items() if label.status in ("code", "class")}
    found: dict[str, frozenset[str]] = {}
    for service in profile.services:
        for family in service.metrics:
            names = frozenset(k for k, source in family.label_sources().items() if source in open_sources)
            if names:  # keyed as the exposition parser names families: a counter without its _total
                found[family.name.removesuffix("_total") if family.type == "counter" else family.name] = names
    return found
