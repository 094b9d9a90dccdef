"""A service's log schema: which keys its JSON log lines use, which labels they carry, and what is PII.

``format`` picks a preset of key names; ``fields`` overrides any of them (``null`` drops the field); a dotted
name nests (winston's ``metadata.requestId``). The canonical fields are: time, level, message, request_id,
correlation_id, trace_id, span_id, service, operation, method, path, status_code, duration_ms, lane, body, error.
``include`` copies request labels into every line (pino's ``storeId``), ``static`` adds constant fields.

Example:
    >>> schema = LogSchema.model_validate({"format": "pino", "include": ["storeId"]})
    >>> schema.keys()["message"], schema.keys()["request_id"], schema.keys()["time"]
    ('msg', 'requestId', 'time')
    >>> LogSchema.model_validate({"format": "winston"}).keys()["request_id"]
    'metadata.requestId'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, field_validator

from harness.pii import DEFAULT_PII_FIELDS

CANONICAL = (
    "time", "level", "message", "request_id", "correlation_id", "trace_id", "span_id", "service", "operation",
    "method", "path", "status_code", "duration_ms", "lane", "body", "error",
)  # fmt: skip

_JSON = {name: name for name in CANONICAL} | {"status_code": "http_status"}
PRESETS: dict[str, dict[str, str | None]] = {
    # firedrill's own JSON lines (what the Customer.io stub always logged).
    "json": dict(_JSON),
    # pino with pino-http's names (seed 002): {"level": "info", "time": ..., "msg": ..., "requestId": ...}.
    "pino": {
        "time": "time", "level": "level", "message": "msg", "request_id": "requestId",
        "correlation_id": "correlationId", "trace_id": "trace_id", "span_id": "span_id", "service": "service",
        "operation": "operation", "method": "req.method", "path": "req.url", "status_code": "res.statusCode",
        "duration_ms": "responseTime", "lane": "lane", "body": "req.body", "error": "err",
    },
    # structlog's JSONRenderer with add_log_level and TimeStamper (seed 004).
    "structlog": {
        "time": "timestamp", "level": "level", "message": "event", "request_id": "request_id",
        "correlation_id": "correlation_id", "trace_id": "trace_id", "span_id": "span_id", "service": "service",
        "operation": "operation", "method": "method", "path": "path", "status_code": "status_code",
        "duration_ms": "duration_ms", "lane": "lane", "body": "body", "error": "error",
    },
    # winston's json format with the context/metadata layout of seed 003.
    "winston": {
        "time": "timestamp", "level": "level", "message": "message", "request_id": "metadata.requestId",
        "correlation_id": "metadata.correlationId", "trace_id": "metadata.traceId", "span_id": "metadata.spanId",
        "service": "context.service", "operation": "context.action", "method": "metadata.method",
        "path": "metadata.path", "status_code": "metadata.statusCode", "duration_ms": "metadata.duration",
        "lane": "metadata.lane", "body": "metadata.body", "error": "metadata.error",
    },
}  # fmt: skip


class LogSchema(BaseModel):
    """How one service writes its JSON log lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    format: Literal["json", "pino", "structlog", "winston"] = "json"
    fields: dict[str, str | None] = {}
    include: list[str] = []
    static: dict[str, str] = {}
    # The service's PII keys: redacted before logging, and what `logs: no_pii` looks for. Values are checked too.
    pii: list[str] = list(DEFAULT_PII_FIELDS)
    # Log the request body (PII redacted); the Customer.io stub always did, TokPulse's pino-http does not.
    body: bool = True

    @field_validator("fields")
    @classmethod
    def _canonical(cls, value: dict[str, str | None]) -> dict[str, str | None]:
        unknown = sorted(set(value) - set(CANONICAL))
        if unknown:
            raise ValueError(f"unknown log field {unknown[0]!r}; expected one of {', '.join(CANONICAL)}")
        return value

    def keys(self) -> dict[str, str]:
        """Canonical field -> output key (dotted for nesting), with the fields this schema drops left out."""
        merged = {**PRESETS[self.format], **self.fields}
        if not self.body:
            merged["body"] = None
        return {name: key for name, key in merged.items() if key}
