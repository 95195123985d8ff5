"""Turning answers into objects: pure functions, no network."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage

from gmconsole.llm.errors import retry_after_seconds
from gmconsole.llm.parsing import EMPTY_ANSWER, NO_JSON, OutputProblem, json_from_text, parse_answer
from tests.llm.conftest import GOOD_RUMOUR, Rumour

GOOD = '{"title": "Wolves", "teller": "Ada", "danger": 3}'


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        f"```json\n{GOOD}\n```",
        f"```\n{GOOD}\n```",
        f"Sure! Here it is:\n```json\n{GOOD}\n```\nAnything else?",
        f"The rumour, as you asked: {GOOD} — use it well.",
        f"Thinking {{about it}}... then {GOOD}",
    ],
    ids=["bare", "json-fence", "plain-fence", "fence-in-prose", "object-in-prose", "brace-noise-first"],
)
def test_json_is_found_in_text(text):
    assert json_from_text(text) == {"title": "Wolves", "teller": "Ada", "danger": 3}


def test_prose_without_json_is_not_repairable():
    with pytest.raises(OutputProblem) as raised:
        json_from_text("The road is dangerous at night.")
    assert (raised.value.problem, raised.value.repairable) == (NO_JSON, False)


def test_empty_answer_is_not_repairable():
    with pytest.raises(OutputProblem) as raised:
        json_from_text("   ")
    assert (raised.value.problem, raised.value.repairable) == (EMPTY_ANSWER, False)


def test_truncated_json_is_repairable():
    with pytest.raises(OutputProblem) as raised:
        json_from_text('```json\n{"title": "Wolves", "tel')
    assert raised.value.repairable is True
    assert "not valid JSON" in raised.value.problem


def test_tool_call_arguments_are_validated_against_the_schema():
    message = AIMessage(
        content="",
        tool_calls=[{"name": "Rumour", "args": {"title": "x", "teller": "y", "danger": 9}, "id": "1"}],
    )
    with pytest.raises(OutputProblem) as raised:
        parse_answer(message, Rumour)
    assert raised.value.repairable is True
    assert "danger: Input should be less than or equal to 5" in raised.value.problem


def test_object_wrapped_as_a_hand_written_tool_call_is_unwrapped():
    message = AIMessage(content=f'{{"name": "Rumour", "arguments": {GOOD}}}')
    assert parse_answer(message, Rumour) == Rumour(title="Wolves", teller="Ada", danger=3)


def test_text_content_blocks_are_read():
    message = AIMessage(content=[{"type": "text", "text": f"```json\n{GOOD}\n```"}])
    assert parse_answer(message, Rumour) == Rumour(**{**GOOD_RUMOUR, "title": "Wolves", "teller": "Ada"})


def test_a_json_array_is_repairable_not_accepted():
    with pytest.raises(OutputProblem) as raised:
        parse_answer(AIMessage(content="[1, 2]"), Rumour)
    assert raised.value.repairable is True
    assert "not an object" in raised.value.problem


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "12"}, 12.0),
        ({"retry-after": "1.5"}, 1.5),
        ({"retry-after-ms": "2500"}, 2.5),
        ({}, 30.0),
        ({"retry-after": "soon"}, 30.0),
    ],
)
def test_retry_after_header(headers, expected):
    assert retry_after_seconds(headers) == expected


def test_retry_after_as_an_http_date():
    from email.utils import formatdate
    from time import time

    seconds = retry_after_seconds({"retry-after": formatdate(time() + 20, usegmt=True)})
    assert 18 <= seconds <= 20
