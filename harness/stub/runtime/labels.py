"""Label values per request and per event, drawn from the profile's pools or taken from the request.

Across services, a call carries its labels in the W3C ``baggage`` header (as OpenTelemetry propagates
key-values), so one trace keeps one ``storeId`` from the partner app to the database.

Example:
    >>> from harness.stub.profile import Profile
    >>> p = Profile.model_validate({"name": "x", "labels": {
    ...     "storeId": {"values": {"prefix": "store_", "count": 5}, "from": "header:X-Store"},
    ...     "orgId": {"values": ["org_a", "org_b"], "follows": "storeId"},
    ...     "status": {"status": {"5xx": "error", "*": "ok"}}}, "services": [{"name": "s"}]})
    >>> resolver = LabelResolver(p, random.Random(1))
    >>> resolver.request_labels(RequestInputs(headers={"x-store": "store_4"}))
    {'storeId': 'store_4', 'orgId': 'org_b'}
    >>> resolver.status_labels(503)
    {'status': 'error'}
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from harness.stub.profile import Profile
from harness.stub.profile.labels import LabelSpec, parse_source


@dataclass
class RequestInputs:
    """What a request brings that labels may come from."""

    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: Any = None
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)

    def baggage(self) -> dict[str, str]:
        """Key-values of the W3C baggage header."""
        found = {}
        for member in self.headers.get("baggage", "").split(","):
            key, sep, value = member.split(";")[0].partition("=")
            if sep and key.strip():
                found[unquote(key.strip())] = unquote(value.strip())
        return found

    def lookup(self, kind: str, key: str) -> str | None:
        if kind == "header":
            return self.headers.get(key.lower())
        if kind == "path":
            return self.path_params.get(key)
        if kind == "query":
            return self.query.get(key)
        value = self.body
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return None if value is None or isinstance(value, dict | list) else str(value)


def baggage_header(labels: dict[str, str]) -> str:
    """Labels as a W3C baggage header value.

    >>> baggage_header({"storeId": "store 7"})
    'storeId=store%207'
    """
    return ",".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in labels.items())


@dataclass
class _Pool:
    name: str
    values: list[str]
    cum_weights: list[float]
    sources: list[tuple[str, str]]


class LabelResolver:
    """Draws label values with one seeded generator, so a seed reproduces the traffic's labels."""

    def __init__(self, profile: Profile, rng: random.Random) -> None:
        self._rng = rng
        self._pools: list[_Pool] = []
        self._follows: list[tuple[str, str, dict[str, str]]] = []
        self._status: list[tuple[str, LabelSpec]] = []
        for name, spec in profile.labels.items():
            if spec.derived_from_status:
                self._status.append((name, spec))
            elif spec.follows is not None:
                self._follows.append((name, spec.follows, spec.follow_map(profile.labels[spec.follows].pool())))
            elif spec.value is not None:
                self._pools.append(_Pool(name, [spec.value], [1.0], [parse_source(s) for s in spec.from_]))
            else:
                weights = list(itertools.accumulate(spec.pool_weights()))
                self._pools.append(_Pool(name, spec.pool(), weights, [parse_source(s) for s in spec.from_]))
        self._by_name = {pool.name: pool for pool in self._pools}

    def request_labels(
        self, inputs: RequestInputs, fixed: dict[str, str] | None = None, carried: set[str] | None = None
    ) -> dict[str, str]:
        """Every pool label for one request: fixed by the operation, carried by the request, or drawn.

        The names of the labels whose values the request carried are added to ``carried``.
        """
        labels = dict(fixed or {})
        baggage = inputs.baggage() if "baggage" in inputs.headers else {}
        for pool in self._pools:
            if pool.name in labels:
                continue
            value = baggage.get(pool.name)
            for kind, key in pool.sources:
                if value is not None:
                    break
                value = inputs.lookup(kind, key)
            if value is None:
                labels[pool.name] = self._draw(pool)
            else:
                labels[pool.name] = value
                if carried is not None:
                    carried.add(pool.name)
        self._apply_follows(labels)
        return labels

    def draw(self, names: list[str], labels: dict[str, str]) -> dict[str, str]:
        """``labels`` with the named pool labels drawn where missing (an event's own labels)."""
        out = dict(labels)
        for name in names:
            if name not in out and name in self._by_name:
                out[name] = self._draw(self._by_name[name])
        self._apply_follows(out)
        return out

    def status_labels(self, code: int) -> dict[str, str]:
        """The status-derived labels for an outcome."""
        return {name: spec.status_value(code) for name, spec in self._status}

    def _draw(self, pool: _Pool) -> str:
        if len(pool.values) == 1:
            return pool.values[0]
        return self._rng.choices(pool.values, cum_weights=pool.cum_weights, k=1)[0]

    def _apply_follows(self, labels: dict[str, str]) -> None:
        for name, source, mapping in self._follows:
            if name not in labels and source in labels:
                labels[name] = mapping.get(labels[source], "")
