"""The per-address rate rules on the credential routes: the numbers the packaged
template's AWS WAF rate-based rules default to, and the sliding-window count that
`chalice local` uses to answer a guessing client as WAF would (chalicelib.local_gateway).

The rules count POSTs only (a preflight or a GET never counts) per source address,
each rule on its own, over a trailing window. As WAF counts every request a rule
matches, the refused ones included, a client that keeps guessing stays refused until
its rate over the trailing window drops to the limit. Whether the account exists is
never looked at: the count runs before the app does.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chalicelib.errors import RATE_LIMITED
from chalicelib.responses import compact_error_envelope

WINDOW_SECONDS = 300


@dataclass(frozen=True)
class RateRule:
    """At most `limit` POSTs per address in the window, to `paths` or under `prefixes`."""

    name: str
    limit: int
    paths: frozenset[str]
    prefixes: tuple[str, ...] = ()

    def matches(self, method: str, path: str) -> bool:
        return method == "POST" and (path in self.paths or path.startswith(self.prefixes))


# The template's defaults (its rate-limit parameters): sign-in and its challenges, the
# routes that send or take a code, and renewal.
RULES = (
    RateRule("sign-in", 60, frozenset({"/login"}), ("/login/",)),
    RateRule(
        "codes",
        30,
        frozenset(
            {
                "/signup",
                "/signup/confirm",
                "/signup/resend-code",
                "/password/forgot",
                "/password/confirm",
            }
        ),
    ),
    RateRule("renew", 150, frozenset({"/user/renew_refresh_token"})),
)

# WAF's custom response: fixed strings, so Retry-After is the whole window.
RETRY_AFTER = str(WINDOW_SECONDS)
BLOCKED_MESSAGE = (
    "Too many requests from this address: retry after the number of seconds in Retry-After"
)
BLOCKED_BODY = compact_error_envelope(BLOCKED_MESSAGE, RATE_LIMITED)


def rule_for(method: str, path: str, rules: Iterable[RateRule] = RULES) -> RateRule | None:
    """The rule that counts a request to `path` with `method`, if one does."""
    return next((rule for rule in rules if rule.matches(method, path)), None)


class SlidingWindowLimiter:
    """Counts each address's requests per rule over the trailing `window` seconds.

    An address keeps only its last limit + 1 request times per rule: it is over the
    limit exactly when the oldest of those is still in the window, so that is all the
    count needs, and no client can grow it further.
    """

    def __init__(
        self,
        rules: Iterable[RateRule] = RULES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._rules = tuple(rules)
        self._window = window
        self._clock = clock
        self._seen: dict[tuple[str, str], deque[float]] = {}
        # chalice local serves each connection in a thread of its own.
        self._lock = threading.Lock()

    def admits(self, address: str, method: str, path: str) -> bool:
        """Counts the request if a rule matches it; False when that puts the address
        over the rule's limit."""
        rule = rule_for(method, path, self._rules)
        if rule is None:
            return True
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault((address, rule.name), deque(maxlen=rule.limit + 1))
            times.append(now)
            return len(times) <= rule.limit or times[0] <= now - self._window
