"""The real local stack (moto's server + `chalice local`) on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devstack.process import local_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with local_stack(tmp_path_factory.mktemp("stack")) as state:
        yield state
