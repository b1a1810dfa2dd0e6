"""One cold start, in a fresh interpreter: import an app module (ours, or the floor),
call its Lambda handler once with the API Gateway proxy event the parent built, and
print the system-wide monotonic clock read right after the answer, then the peak
resident set size in KiB. Run by bench.cold_start as a script (`python -P`), so that
nothing of the bench is on the path; it imports only what any Lambda runtime has
loaded before the handler (json, sys, time)."""

from __future__ import annotations

import json
import sys
import time


class _Context:
    aws_request_id = "cold-start"
    function_name = "cold-start"


def _peak_rss_kib() -> int:
    # Not getrusage's ru_maxrss: Linux carries the peak of the pre-exec image (a fork
    # of the bench's own, much larger process) over exec into it.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main(module: str, event_json: str) -> None:
    event = json.loads(event_json)
    # A Lambda package holds chalice.app only; from the venv, chalice.local is hidden.
    sys.modules["chalice.local"] = None  # type: ignore[assignment]
    __import__(module)
    response = sys.modules[module].app(event, _Context())
    done = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    if response["statusCode"] != 200:
        raise SystemExit(f"{module}: answered {response['statusCode']}: {response['body']}")
    print(done, _peak_rss_kib())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
