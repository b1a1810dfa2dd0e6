"""One lazily built, process-wide value that tests and other entry points can replace."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._factory()
        return self._value

    def override(self, value: T | None) -> None:
        """Use this value from now on; None builds a fresh one on next use."""
        with self._lock:
            self._value = value
