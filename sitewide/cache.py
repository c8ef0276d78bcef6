"""Django's cache in Redis: shared by every web process, never why a page fails.

With the cache in each process's memory, N web processes meant N separate
counts of allauth's sign-in rate limits: a limit N times looser. In Redis, every
process counts together. The cache only ever holds what can be lost (limits,
locks), so while Redis cannot be reached each operation behaves as a miss: a
read finds nothing, a write is dropped, and an ``add`` succeeds, which lets a
sign-in through unlimited rather than refusing every customer. Each failure is
logged by operation and error class only; keys and values are never logged.
"""

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def _unreachable(operation: str, error: RedisError) -> None:
    logger.warning(
        "Cache %s failed (%s); treated as a miss", operation, type(error).__name__
    )


class _MissWhenDown(RedisCacheClient):
    """Django's Redis client, with every failure to reach Redis turned into a miss."""

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        try:
            return bool(super().add(key, value, timeout))
        except RedisError as error:
            _unreachable("add", error)
            return True

    def get(self, key: Any, default: Any) -> Any:
        try:
            return super().get(key, default)
        except RedisError as error:
            _unreachable("get", error)
            return default

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        except RedisError as error:
            _unreachable("set", error)

    def touch(self, key: Any, timeout: Any) -> bool:
        try:
            return bool(super().touch(key, timeout))
        except RedisError as error:
            _unreachable("touch", error)
            return False

    def delete(self, key: Any) -> bool:
        try:
            return bool(super().delete(key))
        except RedisError as error:
            _unreachable("delete", error)
            return False

    def get_many(self, keys: Any) -> dict[Any, Any]:
        try:
            return dict(super().get_many(keys))
        except RedisError as error:
            _unreachable("get_many", error)
            return {}

    def has_key(self, key: Any) -> bool:
        try:
            return bool(super().has_key(key))
        except RedisError as error:
            _unreachable("has_key", error)
            return False

    def incr(self, key: Any, delta: int) -> int:
        try:
            return int(super().incr(key, delta))
        except RedisError as error:
            _unreachable("incr", error)
            raise ValueError("The cache cannot be reached") from None

    def set_many(self, data: Any, timeout: Any) -> None:
        try:
            super().set_many(data, timeout)
        except RedisError as error:
            _unreachable("set_many", error)

    def delete_many(self, keys: Any) -> None:
        try:
            super().delete_many(keys)
        except RedisError as error:
            _unreachable("delete_many", error)

    def clear(self) -> bool:
        try:
            return bool(super().clear())
        except RedisError as error:
            _unreachable("clear", error)
            return False


class SharedCache(RedisCache):
    """Django's ``RedisCache``, which a stopped Redis cannot break."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _MissWhenDown
