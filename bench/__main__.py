"""`make bench`: cold start and its peak memory, per-request overhead, token
verification, Cognito calls per request and HTTP latency, each against a floor
measured in the same run, as ratios (absolute times on a shared machine are
noise). Prints one table, writes bench/results.json, and with --markdown prints the
table docs/performance.md holds.

Every repetition count is a parameter (Parameters), so that the tests can run the
whole bench in seconds (tests/unit/test_bench.py); the defaults are the ones the
published numbers come from.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench import calls, cold_start, over_http, per_request, verification
from bench.report import Row, machine, markdown_table, text_table

RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass(frozen=True)
class Parameters:
    # 1. cold start and peak memory: alternating floor/ours pairs of fresh
    # interpreters, in the Lambda layout and from the venv each, then runs of ours
    # in the Lambda layout under -X importtime for the shares.
    cold_start_pairs: int = 21
    importtime_runs: int = 7
    # 2. per request: rounds of batches, median of the per-call means.
    per_request_rounds: int = 31
    per_request_batch: int = 20
    # 3. verification: median of `repeat` timings of `number` verifications.
    verification_repeat: int = 31
    verification_number: int = 1000
    # 5. over HTTP: requests per route, variant and concurrency.
    http_requests: int = 400
    http_concurrency: tuple[int, ...] = (1, 8)


QUICK = Parameters(
    cold_start_pairs=1,
    importtime_runs=1,
    per_request_rounds=1,
    per_request_batch=1,
    verification_repeat=1,
    verification_number=1,
    http_requests=8,
    http_concurrency=(1, 2),
)


def run(parameters: Parameters, http: bool = True) -> dict[str, Any]:
    """Every measurement; the results as results.json holds them."""
    started = time.monotonic()
    rows: list[Row] = []
    rows += cold_start.measure(parameters.cold_start_pairs, parameters.importtime_runs)
    rows += per_request.measure(parameters.per_request_rounds, parameters.per_request_batch)
    rows += verification.measure(parameters.verification_repeat, parameters.verification_number)
    call_rows, counted = calls.measure()
    rows += call_rows
    if http:
        rows += over_http.measure(parameters.http_requests, parameters.http_concurrency)
    return {
        "machine": machine(),
        "parameters": asdict(parameters),
        "seconds": round(time.monotonic() - started, 1),
        "rows": [row.as_json() for row in rows],
        "calls_per_route": {
            dialect: {
                route: {"first": first, "steady": steady, "operations": operations}
                for route, (first, steady, operations) in routes.items()
            }
            for dialect, routes in counted.items()
        },
    }


def rows_of(results: dict[str, Any]) -> list[Row]:
    fields = set(Row.__dataclass_fields__)
    return [Row(**{k: v for k, v in row.items() if k in fields}) for row in results["rows"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="print the table of the last run (bench/results.json) as markdown, measure nothing",
    )
    parser.add_argument("--quick", action="store_true", help="tiny repetition counts (smoke run)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.markdown:
        print(markdown_table(rows_of(json.loads(args.output.read_text()))))
        return 0
    results = run(QUICK if args.quick else Parameters())
    args.output.write_text(json.dumps(results, indent=2) + "\n")
    print(text_table(rows_of(results)))
    info = results["machine"]
    print(
        f"\n{info['processor']}, {info['cpu_count']} cpus, Python {info['python']}; "
        f"{results['seconds']} s; written to {args.output.name}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
