"""The LLM stub server and settings that point the LLM layer at it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import BaseModel, Field

from gmconsole.llm.slots import SLOTS_KEY, slots_redis
from tests.llm.stub import StubLLM


class Rumour(BaseModel):
    """A small schema standing in for a quest plot."""

    title: str
    teller: str
    danger: int = Field(ge=1, le=5)


GOOD_RUMOUR = {"title": "Wolves on the Searing road", "teller": "Ada Fenwick", "danger": 3}
TEMPLATE_RUMOUR = Rumour(title="A quiet week", teller="the innkeeper", danger=1)


@pytest.fixture
def llm_stub():
    stub = StubLLM(good=dict(GOOD_RUMOUR), missing_field="danger", hang_seconds=5.0).start()
    yield stub
    stub.stop()


@pytest.fixture
def llm_settings(settings, llm_stub):
    """The LLM layer configured as in production, but talking to the stub."""
    settings.OPENROUTER_API_KEY = "test-key"
    settings.LLM_BASE_URL = llm_stub.url
    settings.LLM_MODEL = "test/stub-model"
    settings.LLM_TIMEOUT_SECONDS = 1.0
    settings.LLM_MAX_ATTEMPTS = 3
    settings.LLM_CONCURRENCY = 2
    settings.LLM_SLOT_WAIT_SECONDS = 0.5
    settings.LLM_APP_URL = "https://gm.example.test/"
    settings.LLM_APP_TITLE = "gmconsole tests"
    settings.LLM_PRICE_IN_PER_MTOK = Decimal("0.15")
    settings.LLM_PRICE_OUT_PER_MTOK = Decimal("0.60")
    settings.LLM_DEFAULT_DAILY_BUDGET_USD = Decimal("1.00")
    return settings


@pytest.fixture(autouse=True)
def free_llm_slots():
    """Every test starts and ends with all concurrency slots free."""
    slots_redis().delete(SLOTS_KEY)
    yield
    slots_redis().delete(SLOTS_KEY)
