"""Rate limits and the cache, in memory and against Redis (``BOOSTLOOP_TEST_REDIS_URL``, default the
Redis at 127.0.0.1:6379 db 15; a random key prefix per test; skipped only if that Redis is unreachable)."""

from __future__ import annotations

import os
import uuid

import pytest
from fastapi.testclient import TestClient

from boostloop.server import ratelimit
from boostloop.server.app import create_app
from boostloop.server.cache import Cache, MemoryStore, RedisStore, build_backends
from boostloop.server.ratelimit import Limit, MemoryRateLimiter, RateLimiter, RedisRateLimiter
from tests.server.api.conftest import make_settings

# CI (.ci/run) sets BOOSTLOOP_TEST_REDIS_URL; the machine's Redis otherwise.
REDIS_URL = os.environ.get("BOOSTLOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis at 127.0.0.1:6379 is unreachable")
    return client


@pytest.fixture
def redis_prefix():
    client = _redis()
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    yield prefix
    keys = list(client.scan_iter(match=prefix + "*"))
    if keys:
        client.delete(*keys)


class FakeClock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture(params=["memory", "redis"])
def limiter_backend(request, redis_prefix):
    clock = FakeClock(6_000_000.5)  # 0.5 s into a minute window
    if request.param == "memory":
        return MemoryRateLimiter(clock), clock
    return RedisRateLimiter(_redis(), redis_prefix, clock), clock


def test_fixed_window_counts_refuses_and_resets(limiter_backend) -> None:
    backend, clock = limiter_backend
    lim = Limit(3, 60)
    decisions = [backend.hit("k", lim) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.count for d in decisions] == [1, 2, 3, 4, 5]
    assert 59 <= decisions[3].retry_after <= 60
    assert backend.hit("other", lim).allowed  # keys are independent
    clock.t += 60  # next window
    assert backend.hit("k", lim).allowed


def test_hit_many_counts_each_key_in_its_own_window(limiter_backend) -> None:
    backend, clock = limiter_backend
    short, long_ = Limit(2, 60), Limit(3, 3600)
    got = [backend.hit_many([("a", short), ("b", long_)]) for _ in range(4)]
    assert [[d.count for d in ds] for ds in got] == [[1, 1], [2, 2], [3, 3], [4, 4]]
    assert [[d.allowed for d in ds] for ds in got] == [[True, True], [True, True], [False, True], [False, False]]
    assert 59 <= got[2][0].retry_after <= 60 and 0 < got[3][1].retry_after <= 3600
    assert backend.hit("a", short).count == 5  # the same counters as one-by-one hits
    clock.t += 60  # the minute window resets, the hour window does not
    assert [d.count for d in backend.hit_many([("a", short), ("b", long_)])] == [1, 5]


def test_limiter_checks_token_and_workspace_scopes(limiter_backend, monkeypatch) -> None:
    backend, _ = limiter_backend
    monkeypatch.setitem(ratelimit.LIMITS, "expensive", {"token": Limit(2, 600), "workspace": Limit(3, 3600)})
    rl = RateLimiter(backend)
    assert rl.check("expensive", {"token": "t1", "workspace": "w"}) is None
    assert rl.check("expensive", {"token": "t1", "workspace": "w"}) is None
    refused = rl.check("expensive", {"token": "t1", "workspace": "w"})  # token's 3rd > 2
    assert refused is not None and refused.limit == 2
    # another token of the same workspace: its own budget is fine, but the workspace's 3/hour is spent
    refused = rl.check("expensive", {"token": "t2", "workspace": "w"})
    assert refused is not None and refused.limit == 3


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_api_answers_429_with_retry_after_on_job_triggers(engine, tenancy, backend, monkeypatch, request) -> None:
    prefix = request.getfixturevalue("redis_prefix") if backend == "redis" else "unused:"
    monkeypatch.setitem(ratelimit.LIMITS, "expensive", {"token": Limit(2, 600), "workspace": Limit(20, 3600)})
    settings = make_settings(engine.url.render_as_string(hide_password=False),
                             redis_url=REDIS_URL if backend == "redis" else None, redis_prefix=prefix)
    with TestClient(create_app(settings, engine=engine)) as c:
        url = f"/api/v1/workspaces/{tenancy.a}/jobs/notifications/runs"
        h = tenancy.auth("ADMIN")
        assert [c.post(url, headers=h).status_code for _ in range(2)] == [200, 200]
        r = c.post(url, headers=h)
        assert r.status_code == 429 and r.headers["content-type"] == "application/problem+json"
        assert 1 <= int(r.headers["retry-after"]) <= 600
        # reads have their own, larger budget
        assert c.get(f"/api/v1/workspaces/{tenancy.a}", headers=h).status_code == 200
        # the owner's token is another token: allowed
        assert c.post(url, headers=tenancy.auth("OWNER")).status_code == 200
        if backend == "redis":  # a second instance shares the counters
            with TestClient(create_app(settings, engine=engine)) as c2:
                assert c2.post(url, headers=h).status_code == 429


@pytest.fixture(params=["memory", "redis"])
def cache(request, redis_prefix) -> Cache:
    if request.param == "memory":
        return Cache(MemoryStore(FakeClock(0.0)))
    return Cache(RedisStore(_redis(), redis_prefix))


def test_cache_get_or_set_and_per_workspace_invalidation(cache: Cache) -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    calls = []

    def compute(v):
        return lambda: calls.append(v) or {"value": v}

    assert cache.get_or_set(a, "insights", {"sev": "HIGH"}, 900, compute(1)) == {"value": 1}
    assert cache.get_or_set(a, "insights", {"sev": "HIGH"}, 900, compute(2)) == {"value": 1}  # hit
    assert cache.get_or_set(a, "insights", {"sev": "LOW"}, 900, compute(3)) == {"value": 3}  # other params
    assert cache.get_or_set(b, "insights", {"sev": "HIGH"}, 900, compute(4)) == {"value": 4}
    assert calls == [1, 3, 4]
    cache.invalidate_workspace(a)  # new snapshots/events in A
    assert cache.get(a, "insights", {"sev": "HIGH"}) is None
    assert cache.get_or_set(a, "insights", {"sev": "HIGH"}, 900, compute(5)) == {"value": 5}
    assert cache.get(b, "insights", {"sev": "HIGH"}) == {"value": 4}  # B untouched


def test_cache_get_or_set_json_stores_the_text_once_and_shares_entries(cache: Cache) -> None:
    a = uuid.uuid4()
    calls = []

    def compute(v):
        return lambda: calls.append(v) or '{"value":%d,"s":"\u00e9t\u00e9"}' % v

    first = cache.get_or_set_json(a, "insights", {"sev": "HIGH"}, 900, compute(1))
    assert first == '{"value":1,"s":"\u00e9t\u00e9"}'.encode()
    assert cache.get_or_set_json(a, "insights", {"sev": "HIGH"}, 900, compute(2)) == first  # hit: same bytes
    assert calls == [1]
    # the same entry through the parsing API (the dashboard reads the API's entries)
    assert cache.get(a, "insights", {"sev": "HIGH"}) == {"value": 1, "s": "\u00e9t\u00e9"}
    cache.set(a, "overview", None, {"value": 7}, 900)
    assert cache.get_or_set_json(a, "overview", None, 900, compute(3)) == b'{"value": 7}'
    cache.invalidate_workspace(a)
    assert cache.get_or_set_json(a, "insights", {"sev": "HIGH"}, 900, compute(4)).startswith(b'{"value":4')
    assert calls == [1, 4]


def test_memory_cache_ttl_expires() -> None:
    clock = FakeClock(0.0)
    c = Cache(MemoryStore(clock))
    ws = uuid.uuid4()
    c.set(ws, "effectiveness", None, {"x": 1}, 300)
    clock.t = 299.0
    assert c.get(ws, "effectiveness") == {"x": 1}
    clock.t = 300.0
    assert c.get(ws, "effectiveness") is None


def test_redis_cache_sets_the_ttl(redis_prefix) -> None:
    client = _redis()
    c = Cache(RedisStore(client, redis_prefix))
    ws = uuid.uuid4()
    c.set(ws, "effectiveness", None, {"x": 1}, 300)
    key = redis_prefix + c.key(ws, "effectiveness", None)
    assert 295 <= client.ttl(key) <= 300


def test_build_backends_chooses_redis_when_configured(redis_prefix) -> None:
    cache, limiter = build_backends(REDIS_URL, redis_prefix)
    assert isinstance(cache.store, RedisStore) and isinstance(limiter, RedisRateLimiter)
    cache, limiter = build_backends(None, redis_prefix)
    assert isinstance(cache.store, MemoryStore) and isinstance(limiter, MemoryRateLimiter)


def test_successful_snapshot_like_job_invalidates_the_workspace_cache(engine, tenancy) -> None:
    from boostloop.server.jobs import registry
    from boostloop.server.jobs.runner import run_job

    c = Cache(MemoryStore())
    c.set(tenancy.a, "effectiveness", None, {"stale": True}, 300)
    registry.register(registry.JobSpec("test_snap", "t", None, lambda s, w, n: {"snapshots": 0},
                                       invalidates_cache=True))
    try:
        assert run_job(engine, "test_snap", tenancy.a, cache=c).status == "SUCCEEDED"
    finally:
        registry.unregister("test_snap")
    assert c.get(tenancy.a, "effectiveness") is None


def test_unreachable_redis_fails_open(engine, tenancy) -> None:
    """Redis down: requests still answer (limits and cache skipped, counted), invalidation raises."""
    from boostloop.server.observability import metrics

    dead = "redis://127.0.0.1:1/0"
    cache, _ = build_backends(dead, "x:")
    e0 = metrics.BACKEND_ERRORS.labels(component="cache")._value.get()
    ws = uuid.uuid4()
    assert cache.get_or_set(ws, "insights", None, 60, lambda: {"v": 1}) == {"v": 1}
    assert cache.get(ws, "insights") is None
    assert metrics.BACKEND_ERRORS.labels(component="cache")._value.get() > e0
    with pytest.raises(Exception):  # noqa: B017 - redis' ConnectionError
        cache.invalidate_workspace(ws)
    settings = make_settings(engine.url.render_as_string(hide_password=False), redis_url=dead)
    with TestClient(create_app(settings, engine=engine)) as c:
        r = c.get(f"/api/v1/workspaces/{tenancy.a}", headers=tenancy.auth("VIEWER"))
        assert r.status_code == 200
    assert metrics.BACKEND_ERRORS.labels(component="rate_limit")._value.get() >= 1
