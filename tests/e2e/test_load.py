"""A small, bounded form of `make load`: nothing is lost under concurrency."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.load import run_load

pytestmark = pytest.mark.e2e


def test_eight_concurrent_clients_get_every_answer(stack: dict[str, Any]) -> None:
    report = run_load(stack, clients=8, total=160)

    print(report.summary())
    assert report.errors == []
    assert report.served == report.requested == 160
    assert len(report.latencies) == 160
