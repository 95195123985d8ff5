"""The llm queue's retry policy, exercised through Celery's own retry machinery (eager apply)."""

from __future__ import annotations

import pytest

from gmconsole.celery import app as celery_app
from gmconsole.llm.errors import LLMBadRequest, LLMInvalidOutput, LLMRateLimited, LLMUnavailable
from gmconsole.llm.tasks import LLMTask, llm_retry_countdown, ping_task
from gmconsole.models import LLMCall
from tests import factories as f
from tests.llm.stub import GOOD, PROSE_ONLY, SERVER_ERROR, http_error, rate_limited

pytestmark = pytest.mark.django_db


@pytest.fixture
def ping_stub(llm_settings, llm_stub):
    """The stub answering llm.ping's schema."""
    llm_stub.good = {"reply": "pong"}
    return llm_stub


def test_ping_is_routed_to_the_llm_queue():
    route = celery_app.amqp.router.route({}, "llm.ping", (), {})
    assert route["queue"].name == "llm"


def test_ping_is_a_registered_task_with_the_llm_policy():
    assert isinstance(celery_app.tasks["llm.ping"], LLMTask)
    assert ping_task.acks_late is True
    assert ping_task.max_retries == 5
    assert ping_task.soft_time_limit and ping_task.time_limit > ping_task.soft_time_limit


def test_ping_without_a_key_uses_the_template_narrator(settings, llm_stub):
    settings.OPENROUTER_API_KEY = ""
    world = f.make_world()

    result = ping_task.apply(kwargs={"world_id": world.pk}, task_id="ping-offline")

    assert result.successful()
    assert result.result["reply"] == "pong"
    assert result.result["narrator"] == "template"
    assert llm_stub.requests == []
    assert LLMCall.objects.get().task_id == "ping-offline"


def test_ping_for_a_missing_world_returns_without_calling(ping_stub):
    result = ping_task.apply(kwargs={"world_id": 999_999})

    assert result.result == {"world_id": 999_999, "error": "no such world"}
    assert ping_stub.requests == []


def test_unavailable_is_retried_until_it_succeeds(ping_stub):
    ping_stub.script(SERVER_ERROR, SERVER_ERROR, GOOD)

    result = ping_task.apply(task_id="ping-5xx")

    assert result.successful()
    assert result.result["reply"] == "pong"
    assert len(ping_stub.requests) == 3
    rows = list(LLMCall.objects.order_by("id").values_list("outcome", "task_id"))
    assert rows == [("unavailable", "ping-5xx"), ("unavailable", "ping-5xx"), ("ok", "ping-5xx")]


def test_rate_limited_is_retried_then_succeeds(ping_stub):
    ping_stub.script(rate_limited("1"), GOOD)

    result = ping_task.apply()

    assert result.successful()
    assert list(LLMCall.objects.order_by("id").values_list("outcome", flat=True)) == ["rate_limited", "ok"]


def test_retries_are_bounded_and_the_last_error_is_the_failure(ping_stub):
    ping_stub.default = rate_limited("1")

    result = ping_task.apply()

    assert result.failed()
    assert isinstance(result.result, LLMRateLimited)
    assert len(ping_stub.requests) == 1 + ping_task.max_retries


@pytest.mark.parametrize("status", [400, 401])
def test_bad_request_is_not_retried(ping_stub, status):
    ping_stub.script(http_error(status), GOOD)

    result = ping_task.apply()

    assert result.failed()
    assert isinstance(result.result, LLMBadRequest)
    assert len(ping_stub.requests) == 1


def test_invalid_output_is_not_retried_beyond_its_own_attempts(ping_stub):
    ping_stub.default = PROSE_ONLY

    result = ping_task.apply()

    assert result.failed()
    assert isinstance(result.result, LLMInvalidOutput)
    assert len(ping_stub.requests) == 3  # LLM_MAX_ATTEMPTS, not multiplied by task retries


def test_countdown_honours_retry_after(settings):
    settings.LLM_RETRY_MAX_DELAY_SECONDS = 600
    for _ in range(20):
        assert 7 <= llm_retry_countdown(LLMRateLimited("429", 7), retries=0) <= 8
    # a Retry-After beyond the cap is capped; zero still waits a second
    assert 600 <= llm_retry_countdown(LLMRateLimited("429", 3600), retries=0) <= 601
    assert 1 <= llm_retry_countdown(LLMRateLimited("429", 0), retries=0) <= 2


def test_countdown_backs_off_exponentially_with_a_cap(settings):
    settings.LLM_RETRY_BACKOFF_SECONDS = 5
    settings.LLM_RETRY_MAX_DELAY_SECONDS = 60
    error = LLMUnavailable("timeout")
    lows = [5, 10, 20, 40, 60, 60]
    for retries, low in enumerate(lows):
        countdown = llm_retry_countdown(error, retries=retries)
        assert low <= countdown <= low + max(1.0, low * 0.1), (retries, countdown)
