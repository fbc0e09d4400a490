"""Where the rate limit's counters and the coach UI's sessions live: files on one machine by default, Redis (or
Valkey) shared by every replica when COACH_REDIS_URL is set."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError

from .settings import Settings

log = logging.getLogger("coach")
RATE_LIMIT_STORE = "rate_limit"  # the name Litestar's RateLimitConfig reads its counters from
REDIS_TIMEOUT = 2.0  # seconds for any Redis call: a hung Redis never holds a reader
REDIS_PAUSE = 5.0  # seconds Redis is left alone after a failed call


class FailOpenRedisStore(RedisStore):
    """A Redis store whose failures never fail the request: a reader in crisis is answered with Redis down (the
    rate limit lets the request through, a coach's session reads as signed out). After a failure Redis is left
    alone for REDIS_PAUSE seconds, so a frozen Redis costs one deadline, not two per request. Failures are logged."""

    _down_until = 0.0

    def _resting(self) -> bool:
        return time.monotonic() < self._down_until

    def _failed(self, what: str, exc: Exception) -> None:
        self._down_until = time.monotonic() + REDIS_PAUSE
        log.warning("redis %s failed (%s): carrying on without it for %g s", what, exc, REDIS_PAUSE)

    async def _guarded(self, what: str, call, default=None):
        """call() unless Redis is resting; on failure the default, and Redis rests."""
        if self._resting():
            return default
        try:
            return await call()
        except (RedisError, OSError) as exc:
            self._failed(what, exc)
            return default

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        return await self._guarded("get", lambda: super(FailOpenRedisStore, self).get(key, renew_for))

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        await self._guarded("set", lambda: super(FailOpenRedisStore, self).set(key, value, expires_in))

    async def delete(self, key: str) -> None:
        await self._guarded("delete", lambda: super(FailOpenRedisStore, self).delete(key))

    async def exists(self, key: str) -> bool:
        return await self._guarded("exists", lambda: super(FailOpenRedisStore, self).exists(key), False)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())


def _with_timeouts(url: str) -> str:
    """The URL with socket timeouts added unless it sets its own."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_timeout", str(REDIS_TIMEOUT))
    query.setdefault("socket_connect_timeout", str(REDIS_TIMEOUT))
    return urlunsplit(parts._replace(query=urlencode(query)))


def make_stores(settings: Settings, session_store: str) -> dict[str, Store]:
    """The app's stores: the UI's sessions and (with Redis) the rate limit's counters."""
    if not settings.redis_url:
        return {session_store: FileStore(settings.data_dir / "sessions")}  # one machine: its workers share files
    client = Redis(connection_pool=ConnectionPool.from_url(_with_timeouts(settings.redis_url)))
    return {session_store: FailOpenRedisStore(client, namespace="coach_sessions", handle_client_shutdown=True),
            RATE_LIMIT_STORE: FailOpenRedisStore(client, namespace="coach_rate_limit")}
