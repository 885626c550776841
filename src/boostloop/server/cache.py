"""A small cache for expensive reads: in memory by default, Redis when ``BOOSTLOOP_REDIS_URL`` is set.

TTLs (PLAN.md 'Caching Strategy'): effectiveness 5 minutes, insights and recommendations 15 minutes.

Invalidation is per workspace by a version counter: every key of a workspace embeds the workspace's
current version (``ws:<id>:v<n>:<name>:<params>``), and new snapshots or events bump the version. Old
entries are then never read again and age out by their TTL. One ``INCR`` invalidates everything of the
workspace atomically, with no key scan, and works across instances when Redis is used. (In memory, a
``boostloop jobs run`` in another process cannot reach the API's cache; entries then live at most
their TTL. Use Redis when jobs run out of process.)

Use from an endpoint or a service::

    value = cache.get_or_set(workspace_id, "insights", params, EFFECTIVENESS_TTL, lambda: compute())

Values must be JSON-serialisable (store the response model's ``model_dump(mode="json")``).

An endpoint whose answer is the cached value itself uses ``get_or_set_json`` (through
``boostloop.server.api.cached.cached_json``): the entry is the response's JSON text, serialised once by the
response model when it is stored, and a hit is sent as it is, with no parsing and no model validation
(benchmarks/RESULTS.md, "api (dashboard reads ...)": that re-validation was most of a hit's CPU). Both kinds
of entries are JSON text, so ``get``/``get_or_set`` read what ``get_or_set_json`` stored and the other way round.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("boostloop.cache")

EFFECTIVENESS_TTL = 5 * 60
INSIGHTS_TTL = 15 * 60
RECOMMENDATIONS_TTL = 15 * 60


class MemoryStore:
    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000) -> None:
        self._clock = clock
        self._data: dict[str, tuple[float, str]] = {}
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()
        self._max = max_entries

    def get(self, key: str) -> str | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is None:
                return None
            if hit[0] <= self._clock():
                del self._data[key]
                return None
            return hit[1]

    def set(self, key: str, value: str, ttl: int) -> None:
        with self._lock:
            if len(self._data) >= self._max:
                now = self._clock()
                self._data = {k: v for k, v in self._data.items() if v[0] > now}
                if len(self._data) >= self._max:  # still full: drop the oldest-expiring half
                    for k, _ in sorted(self._data.items(), key=lambda kv: kv[1][0])[: self._max // 2]:
                        del self._data[k]
            self._data[key] = (self._clock() + ttl, value)

    def version(self, key: str) -> int:
        with self._lock:
            return self._versions.get(key, 0)

    def bump(self, key: str) -> int:
        with self._lock:
            self._versions[key] = self._versions.get(key, 0) + 1
            return self._versions[key]


class RedisStore:
    def __init__(self, client, prefix: str) -> None:
        self._r = client
        self._p = prefix

    def get(self, key: str) -> str | None:
        v = self._r.get(self._p + key)
        return v.decode() if isinstance(v, bytes) else v

    def set(self, key: str, value: str, ttl: int) -> None:
        self._r.set(self._p + key, value, ex=ttl)

    def version(self, key: str) -> int:
        v = self._r.get(self._p + key)
        return int(v) if v is not None else 0

    def bump(self, key: str) -> int:
        return int(self._r.incr(self._p + key))


class Cache:
    """A failing store (Redis unreachable) degrades to "miss" (the value is computed) and is logged and
    counted (``boostloop_backend_errors_total{component="cache"}``); invalidation errors are raised,
    because a lost invalidation would serve stale results."""

    def __init__(self, store) -> None:
        self.store = store

    def _safe(self, fn, *args):
        try:
            return fn(*args)
        except Exception:
            from boostloop.server.observability import metrics

            metrics.BACKEND_ERRORS.labels(component="cache").inc()
            log.warning("cache backend failed; computing instead", exc_info=True)
            return None

    @staticmethod
    def _params_key(params: Any) -> str:
        raw = json.dumps(params, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def key(self, workspace_id: uuid.UUID, name: str, params: Any = None) -> str:
        version = self.store.version(f"ver:{workspace_id}")
        return f"ws:{workspace_id}:v{version}:{name}:{self._params_key(params)}"

    def get(self, workspace_id: uuid.UUID, name: str, params: Any = None) -> Any | None:
        key = self._safe(self.key, workspace_id, name, params)
        raw = self._safe(self.store.get, key) if key else None
        return None if raw is None else json.loads(raw)

    def set(self, workspace_id: uuid.UUID, name: str, params: Any, value: Any, ttl: int) -> None:
        key = self._safe(self.key, workspace_id, name, params)
        if key:
            self._safe(self.store.set, key, json.dumps(value, default=str), ttl)

    def get_or_set(self, workspace_id: uuid.UUID, name: str, params: Any, ttl: int,
                   compute: Callable[[], Any]) -> Any:
        key = self._safe(self.key, workspace_id, name, params)
        raw = self._safe(self.store.get, key) if key else None
        if raw is not None:
            return json.loads(raw)
        value = compute()
        if key:
            self._safe(self.store.set, key, json.dumps(value, default=str), ttl)
        return value

    def get_or_set_json(self, workspace_id: uuid.UUID, name: str, params: Any, ttl: int,
                        compute: Callable[[], str]) -> bytes:
        """Like ``get_or_set``, for a value that ``compute`` returns already serialised (JSON text): the
        stored text itself, UTF-8, hit or miss."""
        key = self._safe(self.key, workspace_id, name, params)
        raw = self._safe(self.store.get, key) if key else None
        if raw is None:
            raw = compute()
            if key:
                self._safe(self.store.set, key, raw, ttl)
        return raw.encode()

    def invalidate_workspace(self, workspace_id: uuid.UUID) -> int:
        """Call when new snapshots or events for the workspace arrive; returns the new version."""
        return self.store.bump(f"ver:{workspace_id}")


def build_backends(redis_url: str | None, prefix: str):
    """``(cache, rate limiter backend)`` for the settings: Redis when a URL is given, else memory."""
    from boostloop.server.ratelimit import MemoryRateLimiter, RedisRateLimiter

    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
        return Cache(RedisStore(client, prefix)), RedisRateLimiter(client, prefix)
    return Cache(MemoryStore()), MemoryRateLimiter()
