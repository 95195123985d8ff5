"""A concurrency cap on LLM requests across every worker process: a small Redis semaphore.

Each holder is a member of a sorted set scored by the time its claim expires, so a worker
that crashes mid-request loses its slot after the TTL instead of holding it forever. The
check-and-take runs as one Lua script on Redis's own clock (workers' clocks may differ).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import redis
from django.conf import settings

from gmconsole.llm.errors import LLMUnavailable

logger = logging.getLogger(__name__)

SLOTS_KEY = "gmconsole:llm:slots"
# A slot outlives the longest request by this much before it counts as abandoned.
SLOT_TTL_MARGIN_SECONDS = 30
POLL_SECONDS = 0.1

NO_FREE_SLOT = "All {limit} LLM slots stayed busy for {seconds:g} s; try again later."
SLOTS_UNREACHABLE = "The LLM concurrency cap (Redis) cannot be reached: {error}"

# KEYS[1]: the set; ARGV: limit, ttl seconds, holder token. Returns 1 when the slot is taken.
_ACQUIRE = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]) * 1000, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 1000)
  return 1
end
return 0
"""


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=5)


def slots_redis() -> redis.Redis:
    """The broker's Redis (the one Redis every worker already shares)."""
    return _client(settings.CELERY_BROKER_URL)


def slot_ttl_seconds() -> int:
    return int(settings.LLM_TIMEOUT_SECONDS) + SLOT_TTL_MARGIN_SECONDS


def slot_try_acquire(*, limit: int, ttl_seconds: int) -> str | None:
    """A holder token when a slot was free, else None."""
    token = uuid.uuid4().hex
    taken = slots_redis().eval(_ACQUIRE, 1, SLOTS_KEY, limit, ttl_seconds, token)
    return token if taken == 1 else None


def slot_release(token: str) -> None:
    slots_redis().zrem(SLOTS_KEY, token)


def slots_in_use() -> int:
    client = slots_redis()
    now_ms = int(time.time() * 1000)
    return int(client.zcount(SLOTS_KEY, now_ms, "+inf"))


@contextmanager
def llm_slot(*, wait_seconds: float | None = None) -> Iterator[str]:
    """Hold one of LLM_CONCURRENCY slots for the length of a request.

    Waits up to `wait_seconds` (LLM_SLOT_WAIT_SECONDS) for one, then raises LLMUnavailable so
    the task is retried later instead of blocking a worker that could do other work.
    """
    limit = max(1, int(settings.LLM_CONCURRENCY))
    wait = settings.LLM_SLOT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    ttl = slot_ttl_seconds()
    deadline = time.monotonic() + wait
    try:
        token = slot_try_acquire(limit=limit, ttl_seconds=ttl)
        while token is None:
            if time.monotonic() >= deadline:
                raise LLMUnavailable(NO_FREE_SLOT.format(limit=limit, seconds=wait))
            time.sleep(POLL_SECONDS)
            token = slot_try_acquire(limit=limit, ttl_seconds=ttl)
    except redis.RedisError as error:
        raise LLMUnavailable(SLOTS_UNREACHABLE.format(error=error)) from error
    try:
        yield token
    finally:
        try:
            slot_release(token)
        except redis.RedisError:  # the claim expires by itself after its TTL
            logger.warning("Could not release LLM slot %s; it expires in %s s", token, ttl, exc_info=True)
