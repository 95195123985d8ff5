"""What can go wrong with a model call, split the way Celery needs it: retry later, or never.

The constructors keep every argument in `args`, so an exception stored in the result
backend (JSON) is rebuilt with the same fields when a caller reads it back.
"""

from __future__ import annotations

import email.utils
import time

import openai

DEFAULT_RETRY_AFTER_SECONDS = 30.0

RATE_LIMITED = "The model endpoint is rate limiting us (429); retry after {seconds:g} s."
UNAVAILABLE_TIMEOUT = "The model endpoint did not answer within {seconds:g} s."
UNAVAILABLE_CONNECTION = "The model endpoint cannot be reached: {detail}"
UNAVAILABLE_STATUS = "The model endpoint failed with HTTP {status}: {detail}"
UNAVAILABLE_MALFORMED = "The model endpoint sent a malformed answer: {detail}"
BAD_REQUEST = "The model endpoint refused the request with HTTP {status}: {detail}"
INVALID_OUTPUT = "No valid {schema} after {attempts} attempt(s); last problem: {problem}"


class LLMError(Exception):
    """Base class. `outcome` is the LLMCall outcome recorded for it; `retryable` says what Celery does."""

    outcome = ""
    retryable = False

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class LLMRateLimited(LLMError):
    """HTTP 429. Retry no sooner than `retry_after_seconds` (from the Retry-After header)."""

    outcome = "rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after_seconds: float = DEFAULT_RETRY_AFTER_SECONDS):
        super().__init__(message, retry_after_seconds)

    @property
    def retry_after_seconds(self) -> float:
        return float(self.args[1])


class LLMUnavailable(LLMError):
    """Timeout, connection failure, 5xx, or no free concurrency slot: retry with backoff."""

    outcome = "unavailable"
    retryable = True


class LLMBadRequest(LLMError):
    """400/401/403/404/422 and other 4xx: our request or our key is wrong; retrying cannot help."""

    outcome = "bad_request"


class LLMInvalidOutput(LLMError):
    """Every attempt (repairs and regenerations included) gave output that does not validate."""

    outcome = "invalid"


def retry_after_seconds(headers, *, default: float = DEFAULT_RETRY_AFTER_SECONDS) -> float:
    """Seconds to wait from `Retry-After` (seconds or an HTTP date) or `retry-after-ms`."""
    if headers is None:
        return default
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return default
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:500]
    return str(exc.message)[:500]


def llm_error_from(exc: Exception, *, timeout_seconds: float) -> LLMError | None:
    """Our error for an exception the openai SDK (through LangChain) raised, or None if it is not one."""
    if isinstance(exc, openai.APITimeoutError):
        return LLMUnavailable(UNAVAILABLE_TIMEOUT.format(seconds=timeout_seconds))
    if isinstance(exc, openai.APIConnectionError):
        return LLMUnavailable(UNAVAILABLE_CONNECTION.format(detail=exc.message))
    if isinstance(exc, openai.RateLimitError):
        seconds = retry_after_seconds(exc.response.headers)
        return LLMRateLimited(RATE_LIMITED.format(seconds=seconds), seconds)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status >= 500 or status in (408, 409):  # the server's trouble, or a transient conflict
            return LLMUnavailable(UNAVAILABLE_STATUS.format(status=status, detail=_detail(exc)))
        return LLMBadRequest(BAD_REQUEST.format(status=status, detail=_detail(exc)))
    if isinstance(exc, openai.APIResponseValidationError | openai.APIError):
        return LLMUnavailable(UNAVAILABLE_MALFORMED.format(detail=exc.message))
    return None
