"""JSON log lines in a service's own schema (firedrill json, pino, structlog, winston), PII redacted first.

Each service writes its own file, one JSON object a line, flushed line by line (a drill scans the lines of each
phase as soon as it ends). Lines go straight to the file: the logging module's machinery cost more than the rest
of a request.

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

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from harness.pii import REDACTED, PiiPolicy
from harness.stub.profile.logs import LogSchema

# Canonical fields whose values come from the request (or a caller): the ones that can carry PII.
_FROM_REQUEST = frozenset({"request_id", "correlation_id", "body", "error"})
_IDS = frozenset({"request_id", "correlation_id"})


class ServiceLog:
    """Writes one service's log lines to a file (or nowhere when ``path`` is None)."""

    def __init__(self, schema: LogSchema, path: Path | None, service: str, lane: str, redact: bool = True) -> None:
        self.schema = schema
        self.path = path
        self.keys = schema.keys()
        self.pii = PiiPolicy.of(schema.pii)
        self.redact = redact
        self._static = {"service": service, "lane": lane}
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8", buffering=1)  # line-buffered: each line reaches the file

    def write(
        self,
        level: str,
        message: str,
        fields: dict[str, Any],
        labels: dict[str, str] | None = None,
        carried: frozenset[str] = frozenset(),
    ) -> None:
        """One line: canonical ``fields`` mapped to the schema's keys, the included labels, static fields.

        What the request brought (its body, ids it sent, error text, and the labels in ``carried``) is redacted by
        key and by value; what the stub writes itself (time, level, ids it made, drawn labels, names, numbers)
        needs no scanning.
        """
        if self._file is None:
            return
        canonical = {"time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                     "level": level, "message": message, **self._static, **fields}  # fmt: skip
        doc: dict[str, Any] = {}
        for name, value in canonical.items():
            key = self.keys.get(name)
            if key is None or value is None:
                continue
            made_here = name in _IDS and name not in carried  # an id the stub made itself
            if self.redact and name in _FROM_REQUEST and not made_here:
                value = REDACTED if self.pii.is_pii_key(key.rsplit(".", 1)[-1]) else self.pii.redact(value)
            _put(doc, key, value)
        for name in self.schema.include:
            if labels and name in labels:
                value = labels[name]
                if self.redact and (self.pii.is_pii_key(name) or name in carried):
                    value = REDACTED if self.pii.is_pii_key(name) else self.pii.redact(value)
                doc[name] = value
        doc.update(self.schema.static)
        line = json.dumps(doc, default=str, separators=(",", ":")) + "\n"
        with self._lock:
            if self._file is not None:
                self._file.write(line)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def _put(doc: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
    doc[leaf] = value
