"""JSON log lines in a service's own schema (firedrill json, pino, structlog, winston), PII redacted first.

Each service gets its own non-propagating logger and file, so several stubs (or tests) in one process never
write into each other's files.

Example:
    >>> import tempfile, pathlib, json
    >>> from harness.stub.profile.logs import LogSchema
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "api.log"
    >>> log = ServiceLog(LogSchema(format="pino", include=["storeId"]), path, service="api", lane="a")
    >>> log.write("info", "Webhook processed: orders/create", {"request_id": "req_1", "body": {"email": "a@b.co"}},
    ...           {"storeId": "store_7"})
    >>> log.close()
    >>> line = json.loads(path.read_text())
    >>> line["msg"], line["requestId"], line["storeId"], line["req"]["body"]["email"]
    ('Webhook processed: orders/create', 'req_1', 'store_7', '[REDACTED]')
"""

from __future__ import annotations

import itertools
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.pii import PiiPolicy
from harness.stub.profile.logs import LogSchema

_counter = itertools.count()
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


class ServiceLog:
    """Writes one service's log lines to a file (or nowhere when ``path`` is None)."""

    def __init__(self, schema: LogSchema, path: Path | None, service: str, lane: str, redact: bool = True) -> None:
        self.schema = schema
        self.path = path
        self.keys = schema.keys()
        self.pii = PiiPolicy.of(schema.pii)
        self.redact = redact
        self._static = {"service": service, "lane": lane}
        self._logger = logging.getLogger(f"harness.stub.log{next(_counter)}")
        self._logger.setLevel(logging.INFO)
        self._logger.propagate = False
        handler: logging.Handler
        if path is None:
            handler = logging.NullHandler()
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(message)s"))
        self._logger.addHandler(handler)

    def write(self, level: str, message: str, fields: dict[str, Any], labels: dict[str, str] | None = None) -> None:
        """One line: canonical ``fields`` mapped to the schema's keys, the included labels, static fields."""
        if not self._logger.isEnabledFor(_LEVELS.get(level, logging.INFO)):
            return
        canonical = {"time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                     "level": level, "message": message, **self._static, **fields}  # fmt: skip
        doc: dict[str, Any] = {}
        for name, value in canonical.items():
            key = self.keys.get(name)
            if key is not None and value is not None:
                _put(doc, key, value)
        for name in self.schema.include:
            if labels and name in labels:
                doc[name] = labels[name]
        doc.update(self.schema.static)
        if self.redact:
            doc = self.pii.redact(doc)
        self._logger.log(_LEVELS.get(level, logging.INFO), json.dumps(doc, default=str, separators=(",", ":")))

    def close(self) -> None:
        for handler in list(self._logger.handlers):
            handler.close()
            self._logger.removeHandler(handler)


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value
