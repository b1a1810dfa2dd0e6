"""`make bench` with tiny repetition counts, so that the bench cannot rot: every
measurement runs and yields rows of the right shape. No speed is asserted."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import QUICK, main, rows_of, run
from bench.cold_start import added_dependencies
from bench.report import markdown_table, text_table


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return run(QUICK, http=False)


def test_every_row_has_a_value_a_baseline_and_their_ratio(results: dict[str, Any]) -> None:
    sections = {row["section"] for row in results["rows"]}

    assert sections == {
        "1. cold start",
        "2. per request (in-process)",
        "3. token verification",
        "4. Cognito calls per request",
    }
    for row in results["rows"]:
        assert row["value"] >= 0, row
        assert math.isfinite(row["value"]), row
        assert row["baseline"] > 0, row
        assert row["ratio"] == pytest.approx(row["value"] / row["baseline"]), row
        assert row["verdict"] in ("", "met", "NOT met"), row


def test_the_results_name_the_machine_and_the_method(results: dict[str, Any]) -> None:
    assert {"platform", "cpu_count", "python", "libraries"} <= set(results["machine"])
    assert results["parameters"]["cold_start_pairs"] == QUICK.cold_start_pairs
    json.dumps(results)  # what results.json holds


def test_the_cold_start_reports_the_share_of_each_added_dependency(
    results: dict[str, Any],
) -> None:
    names = [row["name"] for row in results["rows"] if row["section"] == "1. cold start"]
    shares = {name.removeprefix("  of which import ") for name in names[1:]}

    # The JWT library and the validation library, whichever they are, and ours.
    assert len(shares & set(added_dependencies())) >= 2
    assert {"chalicelib.models", "chalicelib.settings", "app"} <= shares


def test_the_profile_costs_no_cognito_call_and_renewal_one_after_the_first(
    results: dict[str, Any],
) -> None:
    aws, moto = results["calls_per_route"]["aws"], results["calls_per_route"]["moto"]

    assert aws["/user/test-user, own"] == {"first": 0, "steady": 0, "operations": "none"}
    assert aws["/user/test-user, own, Cache-Control: no-cache"]["steady"] == 1
    assert aws["/user/test-user, admin reads another"]["operations"] == "AdminGetUser"
    assert aws["/user/renew_refresh_token"] == {
        "first": 2,
        "steady": 1,
        "operations": "AdminGetUser+InitiateAuth",
    }
    assert moto["/user/renew_refresh_token"]["first"] == 1
    assert set(aws) == set(moto)


def test_the_tables_render_every_row(results: dict[str, Any]) -> None:
    rows = rows_of(results)

    assert len(markdown_table(rows).splitlines()) == len(rows) + 2
    assert all(row.name in text_table(rows) for row in rows)


def test_markdown_prints_the_last_runs_table(
    results: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "results.json"
    saved.write_text(json.dumps(results))

    assert main(["--markdown", "--output", str(saved)]) == 0

    assert capsys.readouterr().out.strip() == markdown_table(rows_of(results))
