"""Django's cache in Redis: shared by every web process, never why a page fails.

With the cache in each process's memory, N web processes meant N separate
counts of allauth's sign-in rate limits: a limit N times looser. In Redis, every
process counts together. The cache only ever holds what can be lost (limits,
locks), so while Redis cannot be reached each operation behaves as a miss: a
read finds nothing, a write is dropped, and an ``add`` succeeds, which lets a
sign-in through unlimited rather than refusing every customer. Each failure is
logged by operation and error class only; keys and values are never logged.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _or_else(
    method: Callable[..., Any], fallback: Callable[..., Any]
) -> Callable[..., Any]:
    """``method``, answering ``fallback(*args)`` when Redis cannot be reached."""

    @functools.wraps(method)
    def tolerant(self: RedisCacheClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except RedisError as error:
            logger.warning(
                "Cache %s failed (%s); treated as a miss",
                method.__name__,
                type(error).__name__,
            )
            return fallback(*args, **kwargs)

    return tolerant


def _cannot_count(*args: Any, **kwargs: Any) -> int:
    raise ValueError("The cache cannot be reached")


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


class _MissWhenDown(RedisCacheClient):
    """Django's Redis client, with every failure to reach Redis turned into a miss."""

    add = _or_else(RedisCacheClient.add, lambda key, value, timeout: True)
    get = _or_else(RedisCacheClient.get, lambda key, default: default)
    set = _or_else(RedisCacheClient.set, _nothing)
    touch = _or_else(RedisCacheClient.touch, lambda key, timeout: False)
    delete = _or_else(RedisCacheClient.delete, lambda key: False)
    get_many = _or_else(RedisCacheClient.get_many, lambda keys: {})
    has_key = _or_else(RedisCacheClient.has_key, lambda key: False)
    incr = _or_else(RedisCacheClient.incr, _cannot_count)
    set_many = _or_else(RedisCacheClient.set_many, _nothing)
    delete_many = _or_else(RedisCacheClient.delete_many, _nothing)
    clear = _or_else(RedisCacheClient.clear, lambda: False)


class SharedCache(RedisCache):
    """Django's ``RedisCache``, which a stopped Redis cannot break."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _MissWhenDown
