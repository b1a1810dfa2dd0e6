"""The bench's HTTP row (`make bench`, row 5) on the end-to-end stack, with tiny
counts, so that it cannot rot. No speed is asserted."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench.over_http import measure_stack

pytestmark = pytest.mark.e2e


def test_the_http_row_measures_every_route_and_concurrency(stack: dict[str, Any]) -> None:
    rows = measure_stack(stack, 4, (1, 2))

    assert len(rows) == 3 * 2 * 3  # routes x concurrency x (p50, p95, 1/rps)
    for row in rows:
        assert row.value > 0, row
        assert math.isfinite(row.value), row
        assert row.baseline > 0, row
