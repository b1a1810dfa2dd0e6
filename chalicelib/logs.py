"""Structured logging: one JSON object a line, each with the request it belongs to."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

# At DEBUG these log whole requests and responses: passwords, tokens, codes.
_QUIET = ("boto3", "botocore", "urllib3")


def configure(level: int = logging.INFO) -> None:
    """JSON lines on the root logger, whoever logs (our code, Chalice, botocore).

    In Lambda the runtime has already put a handler on the root logger; it keeps
    it and gets our formatter. Idempotent, as Chalice may import the app twice.
    """
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "adds_request_id", False):

        def with_request_id(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = factory(*args, **kwargs)
            record.request_id = request_id.get()
            return record

        with_request_id.adds_request_id = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(with_request_id)

    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler())
    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
    )
    for handler in root.handlers:
        handler.setFormatter(formatter)
    root.setLevel(level)
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


class Repeats:
    """A logger's warnings, each distinct text at most once per interval; the next
    one that gets through says how many were held back meanwhile."""

    # Distinct texts remembered; past this the memory starts over.
    MAX_TEXTS = 256

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._seen: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def warning(self, text: str) -> None:
        now = self._clock()
        with self._lock:
            last, held = self._seen.get(text, (None, 0))
            if last is not None and now - last < self._interval:
                self._seen[text] = (last, held + 1)
                return
            if len(self._seen) >= self.MAX_TEXTS:
                self._seen.clear()
            self._seen[text] = (now, 0)
        if held:
            self._logger.warning(
                "%s (and %d more times in the %.0f s before)", text, held, self._interval
            )
        else:
            self._logger.warning("%s", text)
