"""`make openapi`: writes the service's OpenAPI document to openapi.json."""

from __future__ import annotations

import json
import sys

from devstack.environment import ROOT

TARGET = ROOT / "openapi.json"


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from app import openapi

    return json.dumps(openapi(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    print(f"wrote {TARGET.relative_to(ROOT)}")
