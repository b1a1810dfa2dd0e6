"""`make bench` with tiny repetition counts, so that the bench cannot rot: every
measurement runs and yields rows of the right shape. No speed is asserted."""

from __future__ import annotations

import importlib.util
import json
import math
import py_compile
from pathlib import Path
from typing import Any

import pytest

from bench.__main__ import QUICK, main, rows_of, run
from bench.cold_start import added_dependencies
from bench.lambda_layout import floor_directory, lambda_layout
from bench.report import markdown_table, text_table


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return run(QUICK, http=False)


def test_every_row_has_a_value_a_baseline_and_their_ratio(results: dict[str, Any]) -> None:
    sections = {row["section"] for row in results["rows"]}

    assert sections == {
        "1. cold start",
        "1. peak memory (RSS)",
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


def _section(results: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in results["rows"] if row["section"] == section}


def test_the_cold_start_and_its_memory_are_measured_in_the_lambda_layout_and_the_venv(
    results: dict[str, Any],
) -> None:
    cold = _section(results, "1. cold start")
    memory = _section(results, "1. peak memory (RSS)")

    (lambda_layout,) = [name for name in cold if ", Lambda layout (zip " in name]
    assert cold[lambda_layout]["goal"] == 1.1
    assert "import app + first /login, from the venv (bytecode cached)" in cold
    assert [row["unit"] for row in memory.values()] == ["MiB", "MiB"]
    assert [row["goal"] for row in memory.values()] == [1.05, None]
    for row in [cold[lambda_layout], *memory.values()]:
        assert row["value"] > 0, row
        assert row["ratio"] == pytest.approx(row["value"] / row["baseline"]), row


def test_every_route_is_timed_through_the_lambda_handler_and_the_test_client(
    results: dict[str, Any],
) -> None:
    rows = _section(results, "2. per request (in-process)")
    routes = [name.removesuffix(", Lambda handler") for name in rows if "Lambda handler" in name]

    assert len(routes) == 5
    for route in routes:
        lambda_entry, test_client = (
            rows[f"{route}, Lambda handler"],
            rows[f"{route}, chalice.test.Client"],
        )
        assert lambda_entry["goal"] == 1.05
        assert lambda_entry["value"] > 0
        assert test_client["value"] > 0
        assert lambda_entry["baseline"] == test_client["baseline"]


def test_the_lambda_layouts_code_cannot_be_written_and_holds_the_floor() -> None:
    with lambda_layout() as layout:
        with pytest.raises(PermissionError):
            (layout.function / "written").mkdir()
        with pytest.raises(PermissionError):
            (layout.floor / "written.pyc").write_bytes(b"")
        floor = sorted(path.name for path in layout.floor.iterdir())
        compiled = list(layout.floor.glob("__pycache__/floor_app.*.pyc"))

    assert (layout.function / "app.py").exists() is False  # removed afterwards
    assert {"floor_app.py", "chalice"} <= set(floor)
    assert bool(compiled) == layout.bytecode


@pytest.mark.parametrize("mode", list(py_compile.PycInvalidationMode))
def test_the_floor_is_compiled_the_way_the_zips_app_is(
    mode: py_compile.PycInvalidationMode, tmp_path: Path
) -> None:
    function = tmp_path / "function"
    (function / "chalice").mkdir(parents=True)
    (function / "chalice" / "app.py").write_text("class Chalice: ...\n")
    (function / "app.py").write_text("app = None\n")
    py_compile.compile(
        str(function / "app.py"),
        cfile=importlib.util.cache_from_source(str(function / "app.py")),
        invalidation_mode=mode,
    )

    floor_directory(function, tmp_path / "floor")

    pyc = Path(importlib.util.cache_from_source(str(tmp_path / "floor" / "floor_app.py")))
    app_pyc = Path(importlib.util.cache_from_source(str(function / "app.py")))
    assert pyc.read_bytes()[:8] == app_pyc.read_bytes()[:8]  # magic number and flags
    assert (tmp_path / "floor" / "chalice" / "app.py").exists()


def test_the_floor_has_no_bytecode_when_the_zip_has_none(tmp_path: Path) -> None:
    function = tmp_path / "function"
    (function / "chalice").mkdir(parents=True)
    (function / "app.py").write_text("app = None\n")

    floor_directory(function, tmp_path / "floor")

    assert sorted(path.name for path in (tmp_path / "floor").iterdir()) == [
        "chalice",
        "floor_app.py",
    ]


def test_the_cold_start_reports_the_share_of_each_added_dependency(
    results: dict[str, Any],
) -> None:
    names = _section(results, "1. cold start")
    shares = {
        name.removeprefix("  of which import ")
        for name in names
        if name.startswith("  of which import ")
    }

    # The JWT library and the validation library, whichever they are, and ours.
    assert len(shares & set(added_dependencies())) >= 2
    assert {"chalicelib.validation", "chalicelib.settings", "app"} <= shares


def test_the_profile_costs_no_cognito_call_and_renewal_one(
    results: dict[str, Any],
) -> None:
    aws, moto = results["calls_per_route"]["aws"], results["calls_per_route"]["moto"]

    assert aws["/user/test-user, own"] == {"first": 0, "steady": 0, "operations": "none"}
    assert aws["/user/test-user, own, Cache-Control: no-cache"]["steady"] == 1
    assert aws["/user/test-user, admin reads another"]["operations"] == (
        "AdminListGroupsForUser+AdminGetUser"
    )
    assert aws["/user/renew_refresh_token"] == {
        "first": 1,
        "steady": 1,
        "operations": "GetTokensFromRefreshToken",
    }
    assert moto["/user/renew_refresh_token"] == aws["/user/renew_refresh_token"]
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
