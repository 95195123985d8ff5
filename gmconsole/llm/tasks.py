"""Celery tasks on the `llm` queue, and the retry policy every such task needs.

Use `@llm_task(name="quests.generate_plot")` instead of `@shared_task`: a task that raises
- LLMRateLimited is retried after the endpoint's Retry-After (plus a little jitter),
- LLMUnavailable is retried with exponential backoff,
- LLMBadRequest / LLMInvalidOutput (and anything else) fail at once: retrying cannot help,
and gives up after LLM_TASK_MAX_RETRIES retries by failing with the last error.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings
from pydantic import BaseModel, Field

from gmconsole.llm.errors import LLMError, LLMRateLimited, LLMUnavailable
from gmconsole.llm.structured import structured_call
from world.models import World

logger = logging.getLogger(__name__)

PING_SYSTEM = "You are a health check for a game master's console. Answer with the tool only."
PING_PROMPT = "Reply with the single word pong."
NO_SUCH_WORLD = "llm.ping: no world with id %s"


def llm_retry_countdown(exc: LLMError, *, retries: int) -> float:
    """Seconds before retry number `retries + 1`: Retry-After for a 429, else 2^n backoff.

    Jitter (up to one second, or 10 % of the backoff) keeps workers that failed together
    from coming back together.
    """
    cap = float(settings.LLM_RETRY_MAX_DELAY_SECONDS)
    if isinstance(exc, LLMRateLimited):
        return min(cap, max(1.0, exc.retry_after_seconds)) + random.uniform(0, 1)
    backoff = min(cap, float(settings.LLM_RETRY_BACKOFF_SECONDS) * 2**retries)
    return backoff + random.uniform(0, max(1.0, backoff * 0.1))


class LLMTask(Task):
    """Base class for tasks on the llm queue: retryable LLM errors become Celery retries."""

    def __call__(self, *args, **kwargs):
        try:
            return super().__call__(*args, **kwargs)
        except (LLMRateLimited, LLMUnavailable) as exc:
            countdown = llm_retry_countdown(exc, retries=self.request.retries)
            logger.info("%s[%s] retry in %.1f s: %s", self.name, self.request.id, countdown, exc)
            # Past max_retries, Celery re-raises `exc` and the task fails with it.
            raise self.retry(exc=exc, countdown=countdown) from exc


def llm_task_time_limits() -> tuple[int, int]:
    """(soft, hard) seconds: every attempt may wait for a slot and then time out."""
    per_attempt = settings.LLM_TIMEOUT_SECONDS + settings.LLM_SLOT_WAIT_SECONDS
    soft = int(settings.LLM_MAX_ATTEMPTS * per_attempt) + 60
    return soft, soft + 30


def llm_task(*, name: str, **options) -> Callable:
    """`shared_task` for LLM work: bound, LLMTask retry policy, acks_late, time limits, a name.

    The queue comes from CELERY_TASK_ROUTES ("llm.*", "quests.generate*"); pass `queue="llm"`
    for names those patterns do not cover.
    """
    soft, hard = llm_task_time_limits()
    defaults = {
        "bind": True,
        "base": LLMTask,
        "name": name,
        "acks_late": True,
        "max_retries": settings.LLM_TASK_MAX_RETRIES,
        "soft_time_limit": soft,
        "time_limit": hard,
    }
    return shared_task(**{**defaults, **options})


class Pong(BaseModel):
    reply: str = Field(description="The single word 'pong'.")


@llm_task(name="llm.ping")
def ping_task(self, world_id: int | None = None) -> dict:
    """A tiny structured call, so the wiring (queue, key, endpoint, records, retries) can be checked."""
    world = None
    if world_id is not None:
        world = World.objects.filter(pk=world_id).first()
        if world is None:
            logger.warning(NO_SUCH_WORLD, world_id)
            return {"world_id": world_id, "error": "no such world"}
    result = structured_call(
        purpose="llm.ping",
        schema=Pong,
        system=PING_SYSTEM,
        prompt=PING_PROMPT,
        template=lambda: Pong(reply="pong"),
        world=world,
        task_id=self.request.id or "",
    )
    return {
        "reply": result.value.reply,
        "narrator": result.narrator,
        "calls": [call.pk for call in result.calls],
        "outcome": result.calls[-1].outcome,
        "notice": result.notice,
    }
