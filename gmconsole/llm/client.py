"""The chat model: LangChain's ChatOpenAI pointed at OpenRouter (or any OpenAI-compatible endpoint)."""

from __future__ import annotations

from django.conf import settings
from langchain_openai import ChatOpenAI


def attribution_headers() -> dict[str, str]:
    """OpenRouter's app attribution: HTTP-Referer names the app (only when configured), X-Title its name."""
    headers = {}
    if settings.LLM_APP_URL:
        headers["HTTP-Referer"] = settings.LLM_APP_URL
    if settings.LLM_APP_TITLE:
        headers["X-Title"] = settings.LLM_APP_TITLE
    return headers


def chat_model(*, model: str | None = None) -> ChatOpenAI:
    """A chat model built from the settings at call time (tests point them at a local stub).

    - `timeout`: the OpenAI client's default is to wait forever; a hung endpoint must end as
      LLMUnavailable and a Celery retry, not as a worker stuck until its hard time limit.
    - `max_retries=0`: the SDK would retry 429/5xx itself, sleeping inside the worker and
      ignoring our budget and records; retries are Celery's, with the countdown we choose.
    - `use_responses_api=False`: OpenRouter speaks chat completions; never let the wrapper
      switch to OpenAI's Responses API on its own.
    """
    return ChatOpenAI(
        model=model or settings.LLM_MODEL,
        api_key=settings.OPENROUTER_API_KEY,
        base_url=settings.LLM_BASE_URL,
        timeout=settings.LLM_TIMEOUT_SECONDS,
        max_retries=0,
        default_headers=attribution_headers(),
        use_responses_api=False,
    )
