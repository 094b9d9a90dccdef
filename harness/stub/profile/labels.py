"""Label values: where each label of a request (or event) comes from.

A label is one of
- a **pool**: ``values`` (a list, or ``{prefix: store_, count: 50}``) drawn per request, uniformly, by
  ``weights`` or with a Zipf ``popularity`` (a few stores get most of the traffic), unless the request itself
  carries a value (``from: [header:X-Shop-Id, body:storeId, path:topic, query:store]``, first found wins);
- ``follows`` another label: a fixed mapping (store 7 always belongs to the same org);
- ``status``: derived from the outcome, as the code (``"429"``), the class (``"4xx"``) or a map
  (``{"5xx": error, "4xx": error, "*": success}``);
- a constant ``value``.
Built in, with no declaration: ``service``, ``operation``, ``route`` (the path template) and ``method``.

Example:
    >>> spec = LabelSpec.model_validate({"values": {"prefix": "store_", "count": 3}, "popularity": {"zipf": 1.1}})
    >>> spec.pool()
    ['store_1', 'store_2', 'store_3']
    >>> LabelSpec.model_validate({"status": {"5xx": "error", "*": "success"}}).status_value(503)
    'error'
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

BUILTIN_LABELS = ("service", "operation", "route", "method")
LABEL_NAME = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
_SOURCE = re.compile(r"^(header|body|path|query):(.+)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneratedValues(_Strict):
    """``count`` values ``{prefix}{start}`` .. ``{prefix}{start+count-1}``."""

    prefix: str = ""
    count: int = Field(ge=1, le=100_000)
    start: int = 1

    def values(self) -> list[str]:
        return [f"{self.prefix}{i}" for i in range(self.start, self.start + self.count)]


class Zipf(_Strict):
    """Popularity by rank: the i-th value is drawn with weight 1 / i**zipf."""

    zipf: float = Field(gt=0, le=5)


StatusMap = dict[str, str]


class LabelSpec(_Strict):
    """Where one label's value comes from (exactly one of values, follows, status, value)."""

    values: list[str] | GeneratedValues | None = None
    weights: list[float] | None = None
    popularity: Literal["uniform"] | Zipf = "uniform"
    follows: str | None = None
    status: Literal["code", "class"] | StatusMap | None = None
    value: str | None = None
    # Where a request may carry the value itself: header:NAME, body:a.b, path:NAME, query:NAME.
    from_: Annotated[list[str], Field(alias="from")] = []

    @field_validator("from_", mode="before")
    @classmethod
    def _one_source(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("from_")
    @classmethod
    def _sources(cls, value: list[str]) -> list[str]:
        for source in value:
            if not _SOURCE.match(source):
                raise ValueError(f"{source!r} is not a request source; expected header:NAME, body:a.b, path:NAME "
                                 "or query:NAME")  # fmt: skip
        return value

    @model_validator(mode="after")
    def _one_kind(self) -> LabelSpec:
        kinds = [name for name in ("values", "status", "value") if getattr(self, name) is not None]
        if self.follows is not None and self.values is None:
            raise ValueError("follows needs the values it maps onto; expected values: [...] with follows")
        if len(kinds) != 1:
            raise ValueError("a label needs exactly one of values (a pool), status or value; "
                             f"got {', '.join(kinds) or 'none'}")  # fmt: skip
        if self.weights is not None:
            if self.values is None or len(self.weights) != len(self.pool()):
                raise ValueError(f"weights has {len(self.weights)} entries; expected one per value")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be >= 0 with a positive sum")
            if self.popularity != "uniform":
                raise ValueError("give weights or popularity, not both")
        if isinstance(self.status, dict):
            for key in self.status:
                if key != "*" and not re.fullmatch(r"[1-5](?:xx|\d\d)", key):
                    raise ValueError(f"status map key {key!r}; expected a class like 5xx, a code like 429, or *")
        return self

    def pool(self) -> list[str]:
        """The finite set of values this label takes (empty for status-derived labels)."""
        if isinstance(self.values, GeneratedValues):
            return self.values.values()
        if self.values is not None:
            return list(self.values)
        if self.value is not None:
            return [self.value]
        if self.status == "class":
            return ["1xx", "2xx", "3xx", "4xx", "5xx"]
        if isinstance(self.status, dict):
            return sorted(set(self.status.values()))
        return []

    def follow_map(self, source_pool: list[str]) -> dict[str, str]:
        """For a ``follows`` label: its fixed value for each value of the label it follows (the i-th source value
        maps to the (i mod n)-th of this label's values).

        >>> org = LabelSpec.model_validate({"values": ["org_a", "org_b"], "follows": "storeId"})
        >>> org.follow_map(["s1", "s2", "s3"])
        {'s1': 'org_a', 's2': 'org_b', 's3': 'org_a'}
        """
        targets = self.pool()
        return {value: targets[i % len(targets)] for i, value in enumerate(source_pool)}

    def pool_weights(self) -> list[float]:
        """Relative draw weights, one per pool value."""
        size = len(self.pool())
        if self.weights is not None:
            return list(self.weights)
        if isinstance(self.popularity, Zipf):
            return [1.0 / (rank**self.popularity.zipf) for rank in range(1, size + 1)]
        return [1.0] * size

    def status_value(self, code: int) -> str:
        """The label's value for a response status code."""
        if self.status == "code":
            return str(code)
        if self.status == "class":
            return f"{code // 100}xx"
        assert isinstance(self.status, dict)
        for key in (str(code), f"{code // 100}xx", "*"):
            if key in self.status:
                return self.status[key]
        return "other"

    @property
    def derived_from_status(self) -> bool:
        return self.status is not None


def parse_source(source: str) -> tuple[str, str]:
    """``"body:user.id"`` -> ``("body", "user.id")``."""
    match = _SOURCE.match(source)
    assert match is not None
    return match.group(1), match.group(2)
