"""JSON-lines logging for the stub: one object per request and per fault change.

Each stub gets its own non-propagating logger so several stubs (or tests) in
one process never write into each other's files.

Usage::

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "stub.log"
    >>> log = build_logger(path)
    >>> log_event(log, "fault_change", action="clear", lane="a")
    >>> '"event": "fault_change"' in path.read_text()
    True
"""

from __future__ import annotations

import itertools
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

_counter = itertools.count()


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object: time, level, message, then its ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "message": record.getMessage(),
        }
        doc.update(getattr(record, "fields", {}))
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return json.dumps(doc, default=str, separators=(", ", ": "))


def build_logger(log_file: Path | None) -> logging.Logger:
    """A fresh JSON logger writing to ``log_file`` (or discarding when None)."""
    logger = logging.getLogger(f"harness.stub.instance{next(_counter)}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    handler: logging.Handler
    if log_file is None:
        handler = logging.NullHandler()
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    return logger


def close_logger(logger: logging.Logger) -> None:
    """Flush and detach the logger's handlers (closes its file)."""
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def log_event(
    logger: logging.Logger, event: str, *, level: int = logging.INFO, message: str = "", **fields: Any
) -> None:
    """Write one JSON line with ``event`` plus ``fields``."""
    if logger.isEnabledFor(level):
        logger.log(level, message or event, extra={"fields": {"event": event, **fields}})
