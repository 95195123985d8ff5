"""Turning a model's answer into a validated pydantic object, or saying precisely why not.

Function calling is asked for, but models do not always comply: some answer with the JSON
as text, in a ```json fence or wrapped in prose. Those still parse. What cannot be used is
classified for the retry loop: a broken or incomplete object can be *repaired* (the model is
shown the problem), prose with no object at all is *regenerated* (asked again from scratch).
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import AIMessage
from pydantic import BaseModel, ValidationError

NO_JSON = "The answer contains no JSON object (prose only)."
EMPTY_ANSWER = "The answer is empty."
NOT_JSON = "The answer is not valid JSON: {error}"
BAD_TOOL_ARGUMENTS = "The arguments of the {name} call are not valid JSON: {error}"
NOT_AN_OBJECT = "The answer's JSON is a {kind}, not an object."
SCHEMA_ERRORS = "The answer does not match the {schema} schema: {errors}"

_FENCE = re.compile(r"```[ \t]*(?:json|JSON)?[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)


class OutputProblem(Exception):
    """Why an answer is unusable. `repairable`: there is an object to correct; else regenerate."""

    def __init__(self, problem: str, answer: str, *, repairable: bool):
        super().__init__(problem)
        self.problem = problem
        self.answer = answer
        self.repairable = repairable


def validation_summary(error: ValidationError) -> str:
    """'stakes: Field required; reward: Input should be a valid integer' — short enough for a prompt."""
    parts = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)


def message_text(message: AIMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    chunks = []
    for block in content:
        if isinstance(block, str):
            chunks.append(block)
        elif isinstance(block, dict) and block.get("type") == "text":
            chunks.append(str(block.get("text", "")))
    return "".join(chunks)


def _validate(schema: type[BaseModel], data: Any, answer: str) -> BaseModel:
    if not isinstance(data, dict):
        raise OutputProblem(NOT_AN_OBJECT.format(kind=type(data).__name__), answer, repairable=True)
    try:
        return schema.model_validate(data)
    except ValidationError as first:
        # Some models wrap the object as if they were writing the tool call out by hand.
        for key in ("arguments", "parameters", "args"):
            inner = data.get(key)
            if isinstance(inner, dict) and len(data) <= 2:
                try:
                    return schema.model_validate(inner)
                except ValidationError:
                    break
        raise OutputProblem(
            SCHEMA_ERRORS.format(schema=schema.__name__, errors=validation_summary(first)),
            answer,
            repairable=True,
        ) from first


def json_from_text(text: str) -> Any:
    """The JSON value in `text`: a fenced block, the whole text, or the first object inside prose."""
    stripped = text.strip()
    if not stripped:
        raise OutputProblem(EMPTY_ANSWER, text, repairable=False)
    candidates = [m.group(1).strip() for m in _FENCE.finditer(stripped) if m.group(1).strip()]
    candidates.append(stripped)
    first_error: json.JSONDecodeError | None = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as error:
            first_error = first_error or error
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\{", stripped):
        try:
            value, _ = decoder.raw_decode(stripped, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    if "{" not in stripped:
        raise OutputProblem(NO_JSON, text, repairable=False)
    raise OutputProblem(NOT_JSON.format(error=first_error), text, repairable=True)


def parse_answer(message: AIMessage, schema: type[BaseModel]) -> BaseModel:
    """The schema object in `message` (tool call first, then text), or an OutputProblem."""
    for call in message.tool_calls:
        return _validate(schema, call["args"], json.dumps(call["args"], ensure_ascii=False))
    for bad in message.invalid_tool_calls:
        args = bad.get("args") or ""
        try:  # LangChain's own error text is long and links to its docs: say it in a line
            json.loads(args)
            error = bad.get("error") or "unparseable"
        except json.JSONDecodeError as decode_error:
            error = str(decode_error)
        raise OutputProblem(
            BAD_TOOL_ARGUMENTS.format(name=bad.get("name") or "tool", error=error), args, repairable=True
        )
    text = message_text(message)
    return _validate(schema, json_from_text(text), text)
