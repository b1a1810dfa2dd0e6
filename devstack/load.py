"""`make load`: concurrent HTTP clients mixing login, renewal and private calls
against the local stack, for a fixed number of requests. Reports requests served,
errors and p50/p95 latency; exits non-zero if any request went unanswered or got
a malformed or unexpected answer."""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from devstack.process import local_stack


@dataclass
class Report:
    requested: int
    served: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def summary(self) -> str:
        return (
            f"{self.served}/{self.requested} requests served in {self.seconds:.1f} s, "
            f"{len(self.errors)} errors, p50 {self.percentile(0.5) * 1e3:.0f} ms, "
            f"p95 {self.percentile(0.95) * 1e3:.0f} ms"
        )


def _well_formed(response: requests.Response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and set(body) == {"message", "error", "success", "data"}


def run_load(stack: dict[str, Any], clients: int, total: int) -> Report:
    """`total` requests, split across `clients` threads, each cycling through
    login -> private route -> renewal -> private route with the new token."""
    report = Report(total)
    lock = threading.Lock()
    api = stack["api_url"]
    user, password = stack["demo_username"], stack["demo_password"]

    def client(count: int) -> None:
        session = requests.Session()
        tokens: dict[str, Any] = {}
        for step in range(count):
            kind = ("login", "private", "renew", "private")[step % 4]
            if kind != "login" and not tokens:
                kind = "login"
            headers: dict[str, str] = {}
            if kind == "login":
                path, body = "/login", {"username": user, "password": password}
            elif kind == "renew":
                path = "/user/renew_refresh_token"
                body = {"username": user, "refresh_token": tokens["refresh_token"]}
            else:
                path, body = "/user/test-user", {}
                headers = {"Authorization": tokens["id_token"]}
            started = time.perf_counter()
            try:
                response = session.post(api + path, json=body, headers=headers, timeout=30)
            except requests.RequestException as exc:
                with lock:
                    report.errors.append(f"{path}: {type(exc).__name__}")
                continue
            elapsed = time.perf_counter() - started
            ok = response.status_code == 200 and _well_formed(response)
            if ok and kind in ("login", "renew"):
                tokens.update(response.json()["data"])
            with lock:
                report.served += 1
                report.latencies.append(elapsed)
                if not ok:
                    report.errors.append(f"{path}: {response.status_code} {response.text[:100]}")

    shares = [total // clients + (1 if i < total % clients else 0) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report.seconds = time.perf_counter() - started
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir, local_stack(Path(workdir)) as stack:
        report = run_load(stack, args.clients, args.requests)
    print(f"{args.clients} clients: {report.summary()}")
    for error in report.errors[:10]:
        print("  " + error)
    return 0 if not report.errors and report.served == report.requested else 1


if __name__ == "__main__":
    sys.exit(main())
