"""structured_call against a real HTTP endpoint (the stub): every answer the stub can give."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gmconsole.embedded_redis import free_port
from gmconsole.llm.errors import LLMBadRequest, LLMInvalidOutput, LLMRateLimited, LLMUnavailable
from gmconsole.llm.parsing import NO_JSON
from gmconsole.llm.services import llm_budget_set, llm_call_record
from gmconsole.llm.slots import llm_slot
from gmconsole.llm.structured import BUDGET_NOTICE, NO_KEY_NOTICE, structured_call
from gmconsole.models import LLMCall
from tests import factories as f
from tests.llm.conftest import GOOD_RUMOUR, TEMPLATE_RUMOUR, Rumour
from tests.llm.stub import (
    FENCED,
    GOOD,
    HANG,
    MISSING_FIELD,
    PROSE_JSON,
    PROSE_ONLY,
    SERVER_ERROR,
    TRUNCATED,
    http_error,
    rate_limited,
)

pytestmark = pytest.mark.django_db

SYSTEM = "You write rumours for a fantasy tavern."
PROMPT = "Write one rumour about the road north of Searing."


def call(world=None, task_id: str = "task-1"):
    return structured_call(
        purpose="tests.rumour",
        schema=Rumour,
        system=SYSTEM,
        prompt=PROMPT,
        template=lambda: TEMPLATE_RUMOUR,
        world=world,
        task_id=task_id,
    )


def outcomes() -> list[str]:
    return list(LLMCall.objects.order_by("id").values_list("outcome", flat=True))


# --- good answers ---------------------------------------------------------------------------


def test_good_tool_call_is_parsed_recorded_and_priced(llm_settings, llm_stub):
    # given a world and a stub that answers with a tool call and 120 + 30 tokens
    world = f.make_world()

    # when
    result = call(world=world)

    # then the object is the stub's, written by the model, in one attempt
    assert result.value == Rumour(**GOOD_RUMOUR)
    assert result.narrator == "llm"
    assert result.notice == ""
    assert result.budget_spent is False
    [row] = result.calls
    row.refresh_from_db()
    assert (row.outcome, row.narrator, row.attempt) == ("ok", "llm", 1)
    assert (row.world, row.purpose, row.task_id) == (world, "tests.rumour", "task-1")
    assert row.model == "test/stub-model"
    assert (row.prompt_tokens, row.completion_tokens) == (120, 30)
    # 120 × $0.15/M + 30 × $0.60/M
    assert row.cost_usd == Decimal("0.000036")
    assert 0 <= row.latency_ms < 1000
    assert row.error == ""


def test_request_carries_key_model_attribution_and_the_schema_as_a_forced_tool(llm_settings, llm_stub):
    call()

    [request] = llm_stub.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer test-key"
    assert request.headers["http-referer"] == "https://gm.example.test/"
    assert request.headers["x-title"] == "gmconsole tests"
    assert request.body["model"] == "test/stub-model"
    assert request.tool_names == ["Rumour"]
    assert request.body["tool_choice"]["function"]["name"] == "Rumour"
    assert "response_format" not in request.body  # no strict JSON schema mode
    assert set(request.body["tools"][0]["function"]["parameters"]["required"]) == {
        "title",
        "teller",
        "danger",
    }
    assert [m["role"] for m in request.body["messages"]] == ["system", "user"]
    assert request.body["messages"][1]["content"] == PROMPT


def test_cost_reported_by_the_endpoint_wins_over_the_price_settings(llm_settings, llm_stub):
    llm_stub.cost = 0.0042

    result = call()

    assert result.calls[0].cost_usd == Decimal("0.004200")


def test_no_referer_header_when_no_app_url_is_configured(llm_settings, llm_stub):
    llm_settings.LLM_APP_URL = ""

    call()

    assert "http-referer" not in llm_stub.requests[0].headers
    assert llm_stub.requests[0].headers["x-title"] == "gmconsole tests"


@pytest.mark.parametrize("answer", [FENCED, PROSE_JSON], ids=["json-code-fence", "json-inside-prose"])
def test_json_answered_as_text_still_parses(llm_settings, llm_stub, answer):
    llm_stub.script(answer)

    result = call()

    assert result.value == Rumour(**GOOD_RUMOUR)
    assert outcomes() == ["ok"]
    assert len(llm_stub.requests) == 1


# --- invalid answers: repaired, regenerated, or a bounded failure ----------------------------


def test_truncated_json_is_repaired_with_the_parse_error_shown_to_the_model(llm_settings, llm_stub):
    llm_stub.script(TRUNCATED, GOOD)

    result = call()

    assert result.value == Rumour(**GOOD_RUMOUR)
    assert outcomes() == ["invalid", "repaired"]
    assert [c.attempt for c in result.calls] == [1, 2]
    first, repair = llm_stub.requests
    invalid = LLMCall.objects.get(outcome="invalid")
    assert "not valid JSON" in invalid.error
    # the repair request shows the model its broken answer, then what is wrong with it
    roles = [m["role"] for m in repair.body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    truncated = json.dumps(GOOD_RUMOUR)[: len(json.dumps(GOOD_RUMOUR)) // 2]
    assert repair.body["messages"][2]["content"] == truncated
    assert "not valid JSON" in repair.last_user_message
    assert "Rumour" in repair.last_user_message
    # both attempts cost tokens and are priced
    assert [c.prompt_tokens for c in result.calls] == [120, 120]


def test_missing_field_is_repaired_with_the_validation_error(llm_settings, llm_stub):
    llm_stub.script(MISSING_FIELD, GOOD)

    result = call()

    assert result.value == Rumour(**GOOD_RUMOUR)
    assert outcomes() == ["invalid", "repaired"]
    repair = llm_stub.requests[1]
    assert "danger: Field required" in repair.last_user_message
    assert "danger: Field required" in LLMCall.objects.get(outcome="invalid").error


def test_prose_only_is_regenerated_from_the_original_prompt(llm_settings, llm_stub):
    llm_stub.script(PROSE_ONLY, GOOD)

    result = call()

    assert result.value == Rumour(**GOOD_RUMOUR)
    assert outcomes() == ["invalid", "ok"]
    assert LLMCall.objects.get(outcome="invalid").error == NO_JSON
    first, again = llm_stub.requests
    assert again.body["messages"] == first.body["messages"]


def test_invalid_every_time_raises_after_the_configured_attempts_and_saves_nothing_half_made(
    llm_settings, llm_stub
):
    llm_stub.script(TRUNCATED, MISSING_FIELD, PROSE_ONLY, GOOD)

    with pytest.raises(LLMInvalidOutput) as raised:
        call()

    assert len(llm_stub.requests) == 3  # LLM_MAX_ATTEMPTS, never the 4th (good) answer
    assert outcomes() == ["invalid", "invalid", "invalid"]
    assert [c.attempt for c in LLMCall.objects.order_by("id")] == [1, 2, 3]
    assert "No valid Rumour after 3 attempt(s)" in str(raised.value)
    assert raised.value.retryable is False


def test_max_attempts_setting_bounds_the_attempts(llm_settings, llm_stub):
    llm_settings.LLM_MAX_ATTEMPTS = 2
    llm_stub.default = PROSE_ONLY

    with pytest.raises(LLMInvalidOutput):
        call()

    assert len(llm_stub.requests) == 2


# --- transport errors are classified ----------------------------------------------------------


def test_429_raises_rate_limited_with_the_retry_after_seconds(llm_settings, llm_stub):
    llm_stub.script(rate_limited("7"))

    with pytest.raises(LLMRateLimited) as raised:
        call()

    assert raised.value.retry_after_seconds == 7.0
    assert raised.value.retryable is True
    assert len(llm_stub.requests) == 1  # the SDK does not retry behind our back
    [row] = LLMCall.objects.all()
    assert (row.outcome, row.prompt_tokens, row.cost_usd) == ("rate_limited", 0, Decimal(0))
    assert "429" in row.error


def test_500_raises_unavailable(llm_settings, llm_stub):
    llm_stub.script(SERVER_ERROR)

    with pytest.raises(LLMUnavailable) as raised:
        call()

    assert raised.value.retryable is True
    assert len(llm_stub.requests) == 1
    assert outcomes() == ["unavailable"]
    assert "500" in LLMCall.objects.get().error


def test_a_hung_endpoint_raises_unavailable_within_the_timeout(llm_settings, llm_stub):
    llm_stub.script(HANG)  # the stub would answer after 5 s; the timeout is 1 s

    started = time.monotonic()
    with pytest.raises(LLMUnavailable) as raised:
        call()
    elapsed = time.monotonic() - started

    assert 0.9 <= elapsed < 3.0
    assert "did not answer within 1 s" in str(raised.value)
    [row] = LLMCall.objects.all()
    assert row.outcome == "unavailable"
    assert 900 <= row.latency_ms < 3000


def test_nothing_listening_raises_unavailable(llm_settings):
    llm_settings.LLM_BASE_URL = f"http://127.0.0.1:{free_port()}/v1"

    with pytest.raises(LLMUnavailable):
        call()

    assert outcomes() == ["unavailable"]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_raise_bad_request_and_are_not_retried(llm_settings, llm_stub, status):
    llm_stub.script(http_error(status))

    with pytest.raises(LLMBadRequest) as raised:
        call()

    assert raised.value.retryable is False
    assert len(llm_stub.requests) == 1
    assert outcomes() == ["bad_request"]
    assert f"HTTP {status}" in str(raised.value)


# --- the template narrator ----------------------------------------------------------------------


def test_without_a_key_the_template_narrator_answers_and_no_request_is_made(llm_settings, llm_stub):
    llm_settings.OPENROUTER_API_KEY = ""
    world = f.make_world()

    result = call(world=world)

    assert result.value == TEMPLATE_RUMOUR
    assert result.narrator == "template"
    assert result.notice == NO_KEY_NOTICE
    assert llm_stub.requests == []
    [row] = result.calls
    assert (row.outcome, row.narrator, row.world, row.cost_usd) == ("template", "template", world, 0)


def test_spent_budget_falls_back_to_the_template_narrator_and_says_so(llm_settings, llm_stub):
    # given a world whose GM allows $0.05 a day, and $0.03 + $0.02 already spent today
    world = f.make_world(name="Mones")
    llm_budget_set(world=world, daily_usd=Decimal("0.05"))
    for cost in ("0.03", "0.02"):
        llm_call_record(world=world, purpose="earlier", narrator="llm", outcome="ok", cost_usd=Decimal(cost))

    # when
    result = call(world=world)

    # then the template narrator wrote it, no request was made, and the result and record say why
    assert result.value == TEMPLATE_RUMOUR
    assert result.narrator == "template"
    assert result.budget_spent is True
    assert result.notice == BUDGET_NOTICE.format(world="Mones", spent="0.05", budget="0.05")
    assert llm_stub.requests == []
    row = result.calls[0]
    assert (row.outcome, row.narrator) == ("budget", "template")
    assert "budget" in row.error


def test_budget_counts_only_today_and_only_this_world(llm_settings, llm_stub):
    world, other = f.make_world(), f.make_world()
    llm_budget_set(world=world, daily_usd=Decimal("0.05"))
    yesterday = llm_call_record(world=world, purpose="old", narrator="llm", outcome="ok", cost_usd=Decimal(1))
    LLMCall.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(days=1))
    llm_call_record(world=other, purpose="other", narrator="llm", outcome="ok", cost_usd=Decimal(1))

    result = call(world=world)

    assert result.narrator == "llm"
    assert len(llm_stub.requests) == 1


def test_default_budget_applies_to_worlds_without_one(llm_settings, llm_stub):
    llm_settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("0.10")
    world = f.make_world()
    llm_call_record(world=world, purpose="earlier", narrator="llm", outcome="ok", cost_usd=Decimal("0.10"))

    assert call(world=world).narrator == "template"


def test_zero_budget_turns_the_model_off_for_a_world(llm_settings, llm_stub):
    world = f.make_world()
    llm_budget_set(world=world, daily_usd=Decimal(0))

    assert call(world=world).budget_spent is True
    assert llm_stub.requests == []


# --- the concurrency cap ------------------------------------------------------------------------


def test_no_free_slot_raises_unavailable_without_a_request(llm_settings, llm_stub):
    llm_settings.LLM_CONCURRENCY = 1
    llm_settings.LLM_SLOT_WAIT_SECONDS = 0.3

    with llm_slot():  # another worker's request in flight
        started = time.monotonic()
        with pytest.raises(LLMUnavailable) as raised:
            call()
        waited = time.monotonic() - started

    assert "slots stayed busy" in str(raised.value)
    assert 0.3 <= waited < 2.0
    assert llm_stub.requests == []
    assert outcomes() == ["unavailable"]
    # and once the slot is free again the call goes through
    assert call().narrator == "llm"
