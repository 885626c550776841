"""Fixed-window rate limits per token and per workspace; in memory, or in Redis so instances agree.

Limits (requests per window), and why:

| class        | per token         | per workspace      | reason |
|--------------|-------------------|--------------------|--------|
| ``read``     | 600 / minute      | 3,000 / minute     | a dashboard page makes ~6 API calls; 600/min is a page every 0.6 s for a whole minute, well above a person; a workspace allows ~5 such clients or scripts at once |
| ``write``    | 300 / minute      | 1,200 / minute     | ingest batches carry up to 10,000 events, so 300 batches/min is 3M events/min per token, more than any social platform export; the cap stops a runaway loop |
| ``expensive``| 5 / 10 minutes    | 20 / hour          | recommendation generation and job triggers read every boost and event of the workspace (the scheduled runs are hourly at most); 20/hour allows a re-run every 3 min on average after a fix while bounding the CPU one workspace can take (PLAN.md 'Rate Limiting': prevent abuse of ML recommendation generation) |
| ``login``    | 10 / minute / IP  |                    | every attempt costs an argon2 hash (~50 ms CPU and 64 MiB); also slows password guessing |

A fixed window (count in ``floor(now / window)``) is one atomic operation per check: Redis ``INCR`` then
``PEXPIRE`` on the first hit, done in one Lua script so a crash between the two cannot leave a counter
without expiry. Its known weakness (up to 2x the limit across a window boundary) is acceptable for abuse
protection. ``Retry-After`` is the whole seconds until the window ends.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("boostloop.ratelimit")


@dataclass(frozen=True)
class Limit:
    requests: int
    window_seconds: int


LIMITS: dict[str, dict[str, Limit]] = {
    "read": {"token": Limit(600, 60), "workspace": Limit(3000, 60)},
    "write": {"token": Limit(300, 60), "workspace": Limit(1200, 60)},
    "expensive": {"token": Limit(5, 600), "workspace": Limit(20, 3600)},
    "login": {"ip": Limit(10, 60)},
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the window resets (0 when allowed)


class MemoryRateLimiter:
    """One process's counters (the embedded default)."""

    blocking = False  # a dictionary under a lock: fine on the event loop

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: Limit) -> Decision:
        now = self._clock()
        window = math.floor(now / limit.window_seconds)
        reset_at = (window + 1) * limit.window_seconds
        full = f"{key}:{limit.window_seconds}:{window}"
        with self._lock:
            count, _ = self._counts.get(full, (0, reset_at))
            count += 1
            self._counts[full] = (count, reset_at)
            if len(self._counts) > 10_000:  # drop finished windows now and then
                self._counts = {k: v for k, v in self._counts.items() if v[1] > now}
        allowed = count <= limit.requests
        return Decision(allowed, count, limit.requests, 0 if allowed else max(1, math.ceil(reset_at - now)))

    def hit_many(self, hits: list[tuple[str, Limit]]) -> list[Decision]:
        return [self.hit(key, limit) for key, limit in hits]


_LUA_HIT = """
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {c, redis.call('PTTL', KEYS[1])}
"""


class RedisRateLimiter:
    """Counters shared by every instance through Redis."""

    blocking = True  # a network round trip: run it in the thread pool, not on the event loop

    def __init__(self, client, prefix: str, clock: Callable[[], float] = time.time) -> None:
        self._redis = client
        self._prefix = prefix
        self._clock = clock
        self._script = client.register_script(_LUA_HIT)

    def _key(self, key: str, limit: Limit) -> str:
        window = math.floor(self._clock() / limit.window_seconds)
        return f"{self._prefix}rl:{key}:{limit.window_seconds}:{window}"

    @staticmethod
    def _decision(limit: Limit, count, pttl) -> Decision:
        count = int(count)
        allowed = count <= limit.requests
        retry = 0 if allowed else max(1, math.ceil((int(pttl) if int(pttl) > 0 else 1000) / 1000))
        return Decision(allowed, count, limit.requests, retry)

    def hit(self, key: str, limit: Limit) -> Decision:
        count, pttl = self._script(keys=[self._key(key, limit)], args=[limit.window_seconds * 1000])
        return self._decision(limit, count, pttl)

    def hit_many(self, hits: list[tuple[str, Limit]]) -> list[Decision]:
        """Every counter in one round trip (a pipeline of the one-key script, so that it also works when
        the keys live on different nodes of a Redis Cluster): a read checks two scopes, token and workspace."""
        pipe = self._redis.pipeline(transaction=False)
        for key, limit in hits:
            self._script(keys=[self._key(key, limit)], args=[limit.window_seconds * 1000], client=pipe)
        return [self._decision(limit, *res) for (_, limit), res in zip(hits, pipe.execute(), strict=True)]


class RateLimiter:
    """Checks every scope of a class and answers with the first that is exceeded.

    If the backend fails (Redis unreachable), the request is let through and the failure logged and
    counted (``boostloop_rate_limit_errors_total``): the limits protect against abuse, and refusing every
    request because Redis is down would turn a cache outage into an API outage.
    """

    def __init__(self, backend, enabled: bool = True) -> None:
        self.backend = backend
        self.enabled = enabled

    @property
    def blocking(self) -> bool:
        """Whether ``check`` may wait on I/O (then callers keep it off the event loop)."""
        return self.enabled and getattr(self.backend, "blocking", True)

    def check(self, klass: str, scopes: dict[str, str]) -> Decision | None:
        """``scopes`` maps a scope name of ``LIMITS[klass]`` to its id; returns the refusing decision."""
        if not self.enabled:
            return None
        hits = [(f"{klass}:{scope}:{scopes[scope]}", limit) for scope, limit in LIMITS[klass].items()
                if scopes.get(scope) is not None]
        try:
            decisions = self.backend.hit_many(hits)
        except Exception:
            from boostloop.server.observability import metrics

            metrics.BACKEND_ERRORS.labels(component="rate_limit").inc()
            log.warning("rate limit backend failed; request let through", exc_info=True)
            return None
        refused: Decision | None = None
        for d in decisions:
            if not d.allowed and (refused is None or d.retry_after > refused.retry_after):
                refused = d
        return refused
