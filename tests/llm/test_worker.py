"""llm.ping through real Celery worker processes on the real broker.

The stub-backed worker is a separate process started with the stub's URL and a test key in
its environment, consuming a queue of its own: the session's shared worker runs without a key
(the default) and must never pick up a message meant for the stub.
"""

from __future__ import annotations

import os
import socket
import time

import pytest

from gmconsole.celery import app as celery_app
from gmconsole.llm.tasks import ping_task
from gmconsole.models import LLMCall
from tests import factories as f
from tests.conftest import _database_url_for_worker, _spawn, _stop
from tests.llm.stub import GOOD, StubLLM, rate_limited

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def ping_stub():
    stub = StubLLM(good={"reply": "pong"}).start()
    yield stub
    stub.stop()


@pytest.fixture
def stub_worker(ping_stub, django_db_setup, django_db_blocker, broker_url):
    """A worker whose settings point the LLM layer at `ping_stub`; yields the queue it consumes."""
    queue = f"llm-stub-{os.getpid()}"
    name = f"llmstub-{os.getpid()}@{socket.gethostname()}"
    env = {
        "OPENROUTER_API_KEY": "test-key",
        "LLM_BASE_URL": ping_stub.url,
        "LLM_TIMEOUT_SECONDS": "5",
        "LLM_APP_TITLE": "gmconsole worker test",
        "LLM_RETRY_BACKOFF_SECONDS": "1",
    }
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the child copies the environment when it starts
    try:
        with django_db_blocker.unblock():
            db_url = _database_url_for_worker()
        proc, log_path = _spawn(
            [
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "-n",
                name,
            ],
            "worker-llm-stub",
            db_url,
            broker_url,
        )
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    deadline = time.monotonic() + 60
    while not celery_app.control.ping(destination=[name], timeout=0.5):
        if proc.poll() is not None or time.monotonic() > deadline:
            _stop(proc)
            raise RuntimeError(f"stub worker did not start; see {log_path}:\n{log_path.read_text()[-3000:]}")
    yield queue
    _stop(proc)


def test_a_429_is_retried_by_the_worker_after_retry_after_and_then_succeeds(stub_worker, ping_stub):
    # given a world and an endpoint that rate-limits the first request for 1 s
    world = f.make_world()
    ping_stub.script(rate_limited("1"), GOOD)

    # when llm.ping runs on a real worker
    result = ping_task.apply_async(kwargs={"world_id": world.pk}, queue=stub_worker)
    summary = result.get(timeout=60)

    # then Celery retried it no sooner than Retry-After and the second request succeeded
    assert summary["reply"] == "pong"
    assert summary["narrator"] == "llm"
    assert summary["outcome"] == "ok"
    first, second = ping_stub.requests
    assert second.at - first.at >= 1.0
    assert first.headers["x-title"] == "gmconsole worker test"
    assert first.headers["authorization"] == "Bearer test-key"
    # and both requests are recorded against the world, under the task's id
    rows = list(LLMCall.objects.filter(task_id=result.id).order_by("id"))
    assert [(r.outcome, r.world_id, r.narrator) for r in rows] == [
        ("rate_limited", world.pk, "llm"),
        ("ok", world.pk, "llm"),
    ]
    assert rows[1].prompt_tokens == 120 and rows[1].cost_usd > 0
    assert summary["calls"] == [rows[1].pk]


def test_the_shared_worker_runs_llm_ping_offline_on_the_llm_queue(celery_worker_process):
    if os.environ.get("OPENROUTER_API_KEY"):
        pytest.skip("OPENROUTER_API_KEY is set in this environment: the shared worker would go online")
    world = f.make_world()

    result = ping_task.delay(world_id=world.pk)  # routed by CELERY_TASK_ROUTES to `llm`
    summary = result.get(timeout=60)

    assert summary["narrator"] == "template"
    assert summary["reply"] == "pong"
    row = LLMCall.objects.get(task_id=result.id)
    assert (row.outcome, row.world_id) == ("template", world.pk)
