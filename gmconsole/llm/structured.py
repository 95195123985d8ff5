"""Structured output from the language model, with the template narrator as the fallback.

`structured_call` is the one entry point: quests (and later NPC minds) pass a pydantic schema,
the prompts, and a template narrator that writes the same schema from the world's facts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

import openai
from django.conf import settings
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from gmconsole.llm.client import chat_model
from gmconsole.llm.errors import INVALID_OUTPUT, LLMInvalidOutput, LLMUnavailable, llm_error_from
from gmconsole.llm.parsing import OutputProblem, parse_answer
from gmconsole.llm.pricing import llm_cost_usd
from gmconsole.llm.selectors import llm_budget_for, llm_spent_today
from gmconsole.llm.services import llm_call_record
from gmconsole.llm.slots import llm_slot
from gmconsole.models import LLMCall
from world.models import World

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

NO_KEY_NOTICE = "No OPENROUTER_API_KEY configured: the template narrator wrote this."
BUDGET_NOTICE = (
    "Daily LLM budget for {world} spent (${spent} of ${budget} today): the template narrator wrote this."
)
REPAIR_PROMPT = (
    "Your previous answer could not be used. {problem}\n"
    "Call {tool} again with one complete, corrected object: every required field present, "
    "valid JSON, nothing else."
)
TEMPLATE_WRONG_TYPE = "The template narrator for {purpose} returned a {got}, not a {schema}."


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    """A validated object and how it came to be.

    `narrator` is "llm" or "template"; `calls` are the LLMCall rows written for it (one per
    attempt); `notice` says, for the GM, why the template narrator was used (empty otherwise).
    """

    value: T
    narrator: str
    calls: list[LLMCall] = field(default_factory=list)
    notice: str = ""

    @property
    def budget_spent(self) -> bool:
        return bool(self.calls) and self.calls[-1].outcome == LLMCall.Outcome.BUDGET

    @property
    def attempts(self) -> int:
        return len(self.calls)


def structured_call(
    *,
    purpose: str,
    schema: type[T],
    system: str,
    prompt: str,
    template: Callable[[], BaseModel],
    world: World | None = None,
    task_id: str = "",
) -> StructuredResult[T]:
    """A `schema` object written by the model, or by `template` when there is no key or budget.

    Raises LLMRateLimited / LLMUnavailable (retry later), LLMBadRequest (do not retry) and
    LLMInvalidOutput (LLM_MAX_ATTEMPTS answers in a row were unusable). Never returns a
    half-made object. Every attempt is recorded as an LLMCall — call this outside a
    transaction: the request can take LLM_TIMEOUT_SECONDS and the records must survive a
    failure of the caller.
    """
    if not settings.OPENROUTER_API_KEY:
        return _from_template(
            purpose=purpose,
            schema=schema,
            template=template,
            world=world,
            task_id=task_id,
            outcome=LLMCall.Outcome.TEMPLATE,
            notice=NO_KEY_NOTICE,
        )
    if world is not None:
        spent, budget = llm_spent_today(world=world), llm_budget_for(world=world)
        if spent >= budget:
            return _from_template(
                purpose=purpose,
                schema=schema,
                template=template,
                world=world,
                task_id=task_id,
                outcome=LLMCall.Outcome.BUDGET,
                notice=BUDGET_NOTICE.format(world=world, spent=_usd(spent), budget=_usd(budget)),
            )
    return _from_model(
        purpose=purpose, schema=schema, system=system, prompt=prompt, world=world, task_id=task_id
    )


def _usd(amount: Decimal) -> str:
    return f"{amount:.2f}" if amount >= Decimal("0.01") or amount == 0 else f"{amount:.6f}"


def _from_template(
    *,
    purpose: str,
    schema: type[T],
    template: Callable[[], BaseModel],
    world: World | None,
    task_id: str,
    outcome: str,
    notice: str,
) -> StructuredResult[T]:
    started = time.monotonic()
    produced = template()
    if isinstance(produced, schema):
        value = produced
    elif isinstance(produced, BaseModel):  # same fields, another class: validate it as ours
        value = schema.model_validate(produced.model_dump())
    else:
        raise TypeError(
            TEMPLATE_WRONG_TYPE.format(purpose=purpose, got=type(produced).__name__, schema=schema.__name__)
        )
    call = llm_call_record(
        world=world,
        purpose=purpose,
        model="",
        narrator=LLMCall.Narrator.TEMPLATE,
        outcome=outcome,
        latency_ms=_ms_since(started),
        error=notice if outcome == LLMCall.Outcome.BUDGET else "",
        task_id=task_id,
    )
    return StructuredResult(value=value, narrator=LLMCall.Narrator.TEMPLATE, calls=[call], notice=notice)


def _ms_since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _usage(raw: AIMessage) -> tuple[int, int, Decimal, str]:
    """Tokens, cost (reported by the endpoint when it does, else computed) and the model that answered."""
    usage = raw.usage_metadata or {}
    prompt_tokens = int(usage.get("input_tokens") or 0)
    completion_tokens = int(usage.get("output_tokens") or 0)
    metadata = raw.response_metadata or {}
    token_usage = metadata.get("token_usage") or {}
    reported = token_usage.get("cost") if isinstance(token_usage, dict) else None
    cost = llm_cost_usd(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, reported=reported)
    return prompt_tokens, completion_tokens, cost, str(metadata.get("model_name") or "")


def _from_model(
    *,
    purpose: str,
    schema: type[T],
    system: str,
    prompt: str,
    world: World | None,
    task_id: str,
) -> StructuredResult[T]:
    model_name = settings.LLM_MODEL
    timeout = settings.LLM_TIMEOUT_SECONDS
    max_attempts = max(1, int(settings.LLM_MAX_ATTEMPTS))
    # Function calling, not strict JSON schema: it works with every tool-capable model on
    # OpenRouter. include_raw keeps the answer (usage, text) when the parser gives up on it.
    runnable = chat_model(model=model_name).with_structured_output(
        schema, method="function_calling", include_raw=True
    )
    first: list[BaseMessage] = [SystemMessage(content=system), HumanMessage(content=prompt)]
    messages = first
    repairing = False
    calls: list[LLMCall] = []
    problem: OutputProblem | None = None

    def record(
        outcome: str, *, attempt: int, started: float, error: str = "", raw: AIMessage | None = None
    ) -> LLMCall:
        prompt_tokens, completion_tokens, cost, answered_by = _usage(raw) if raw else (0, 0, Decimal(0), "")
        call = llm_call_record(
            world=world,
            purpose=purpose,
            model=answered_by or model_name,
            narrator=LLMCall.Narrator.LLM,
            outcome=outcome,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            cost_usd=cost,
            latency_ms=_ms_since(started),
            error=error,
            attempt=attempt,
            task_id=task_id,
        )
        calls.append(call)
        return call

    for attempt in range(1, max_attempts + 1):
        started = time.monotonic()
        try:
            with llm_slot():
                started = time.monotonic()  # latency of the request, not of the wait for a slot
                answer = runnable.invoke(messages)
        except LLMUnavailable as error:  # no free slot
            record(error.outcome, attempt=attempt, started=started, error=str(error))
            raise
        except openai.OpenAIError as exc:
            error = llm_error_from(exc, timeout_seconds=timeout)
            if error is None:
                raise
            record(error.outcome, attempt=attempt, started=started, error=str(error))
            logger.warning("LLM call %s attempt %s: %s", purpose, attempt, error)
            raise error from exc

        raw = answer["raw"]
        parsed = answer.get("parsed")
        try:
            value = parsed if isinstance(parsed, schema) else parse_answer(raw, schema)
        except OutputProblem as found:
            problem = found
            record(LLMCall.Outcome.INVALID, attempt=attempt, started=started, error=found.problem, raw=raw)
            logger.info("LLM call %s attempt %s unusable: %s", purpose, attempt, found.problem)
            if found.repairable:  # show the model its answer and what is wrong with it
                repair = REPAIR_PROMPT.format(problem=found.problem, tool=schema.__name__)
                messages = [
                    *first,
                    AIMessage(content=found.answer or "(empty)"),
                    HumanMessage(content=repair),
                ]
                repairing = True
            else:  # nothing to correct: ask again from scratch
                messages, repairing = first, False
            continue

        outcome = LLMCall.Outcome.REPAIRED if repairing else LLMCall.Outcome.OK
        record(outcome, attempt=attempt, started=started, raw=raw)
        return StructuredResult(value=value, narrator=LLMCall.Narrator.LLM, calls=calls)

    raise LLMInvalidOutput(
        INVALID_OUTPUT.format(schema=schema.__name__, attempts=max_attempts, problem=problem)
    )
