"""One row per measurement: our value, the baseline measured in the same run, their
ratio, and the goal the issue sets for that ratio (when it sets one)."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

# The libraries whose versions decide the numbers.
LIBRARIES = (
    "boto3",
    "botocore",
    "chalice",
    "moto",
    "cryptography",
    "msgspec",
    "PyJWT",
    "joserfc",
    "python-json-logger",
    "requests",
)


@dataclass(frozen=True)
class Row:
    section: str
    name: str
    value: float
    baseline: float
    unit: str
    baseline_name: str
    goal: float | None = None  # the largest acceptable ratio

    @property
    def ratio(self) -> float | None:
        return self.value / self.baseline if self.baseline else None

    @property
    def verdict(self) -> str:
        if self.goal is None or self.ratio is None:
            return ""
        return "met" if self.ratio <= self.goal else "NOT met"

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio, "verdict": self.verdict}


def median_per_call(
    variants: dict[str, Callable[[], object]], rounds: int, batch: int
) -> dict[str, float]:
    """Median seconds per call of each variant. Each round times a batch of calls of
    every variant, in an order rotated by one each round, so that a noisy stretch of
    the shared machine falls on all variants alike."""
    names = list(variants)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for name in names:  # warm-up: first-call costs are not per-request costs
        variants[name]()
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            call = variants[name]
            started = time.perf_counter()
            for _ in range(batch):
                call()
            samples[name].append((time.perf_counter() - started) / batch)
    return {name: statistics.median(values) for name, values in samples.items()}


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def machine() -> dict[str, Any]:
    """What ran the bench: no host name, no path."""
    import os

    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return {
        "platform": platform.platform(terse=True),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "libraries": versions,
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _number(value: float, unit: str) -> str:
    if unit == "calls":
        return f"{value:.0f}"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def _ratio(row: Row) -> str:
    return "" if row.ratio is None else f"{row.ratio:.2f}x"


def _goal(row: Row) -> str:
    return "" if row.goal is None else f"<= {row.goal:g}x {row.verdict}"


def text_table(rows: Iterable[Row]) -> str:
    rows = list(rows)
    lines = []
    section = None
    width = 0
    for row in rows:
        if row.section != section:
            section = row.section
            width = max(len(other.name) for other in rows if other.section == section)
            lines.append(section)
            lines.append(
                f"  {'measured':<{width}} {'value':>12} {'baseline':>10} {'ratio':>7}  "
                f"{'goal':<14} baseline is"
            )
        value = f"{_number(row.value, row.unit)} {row.unit}"
        lines.append(
            f"  {row.name:<{width}} {value:>12} {_number(row.baseline, row.unit):>10} "
            f"{_ratio(row):>7}  {_goal(row):<14} {row.baseline_name}"
        )
    return "\n".join(lines)


def markdown_table(rows: Iterable[Row]) -> str:
    lines = [
        "| row | measured | value | baseline (same run) | ratio | goal |",
        "|---|---|---:|---|---:|---|",
    ]
    for row in rows:
        value = f"{_number(row.value, row.unit)} {row.unit}"
        baseline = f"{_number(row.baseline, row.unit)} {row.unit}: {row.baseline_name}"
        lines.append(
            f"| {row.section} | {row.name} | {value} | {baseline} | {_ratio(row)} | {_goal(row)} |"
        )
    return "\n".join(lines)
