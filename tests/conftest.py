"""Shared fixtures: the broker (real Redis, embedded when REDIS_URL is unset) and a real worker."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from gmconsole.celery import app as celery_app
from gmconsole.embedded_redis import free_port, start_embedded_redis

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"

_embedded = None


def pytest_configure(config):
    """Point Celery at a real Redis before any test dispatches a task."""
    global _embedded
    url = os.environ.get("REDIS_URL")
    if not url:
        _embedded = start_embedded_redis(Path(settings.VAR_DIR) / f"test-redis-{os.getpid()}")
        url = _embedded.url
        os.environ["REDIS_URL"] = url
    settings.CELERY_BROKER_URL = url
    celery_app.conf.broker_url = url


def pytest_unconfigure(config):
    if _embedded is not None:
        _embedded.stop()
        shutil.rmtree(_embedded.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def broker_url() -> str:
    return celery_app.conf.broker_url


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def mones_path() -> Path:
    return DATA / "worlds" / "mones.azgaar.json"


def _database_url_for_worker() -> str:
    """The URL of the *test* database, so a worker process sees what the test wrote."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}{port}/{db['NAME']}"


def _spawn(args: list[str], name: str, db_url: str, broker: str) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, DATABASE_URL=db_url, REDIS_URL=broker, PYTHONUNBUFFERED="1")
    # The last run's logs, for reading when a worker test fails: var/test-logs/worker.log ...
    log_dir = Path(settings.VAR_DIR) / "test-logs"
    log_dir.mkdir(exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - the child owns it
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "gmconsole", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, log_path


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture
def celery_beat_process(celery_worker_process, django_db_blocker, broker_url, tmp_path):
    """A real `celery beat` on the database scheduler, checking for schedule changes every second."""
    with django_db_blocker.unblock():
        db_url = _database_url_for_worker()
    proc, log_path = _spawn(
        [
            "beat",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--max-interval",
            "1",
            "--pidfile",
            str(tmp_path / "beat.pid"),
            "--loglevel",
            "INFO",
        ],
        "beat",
        db_url,
        broker_url,
    )
    yield proc
    _stop(proc)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, broker_url):
    """A real `celery worker` process on the real broker, consuming every queue.

    Tests using it must be `django_db(transaction=True)` so the worker sees committed rows.
    """
    with django_db_blocker.unblock():
        db_url = _database_url_for_worker()
    # Purge leftovers of earlier runs so the worker only sees this session's messages.
    celery_app.control.purge()
    proc, log_path = _spawn(
        [
            "worker",
            "-Q",
            "sim,llm,default",
            "-c",
            "2",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        "worker",
        db_url,
        broker_url,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited early; see {log_path}:\n{log_path.read_text()[-3000:]}")
        if celery_app.control.ping(timeout=0.5):
            break
    else:
        _stop(proc)
        raise RuntimeError(f"worker did not answer ping in 60s; see {log_path}")
    yield proc
    _stop(proc)


QUEUES = ("sim", "llm", "default")
IDLE_WAIT_SECONDS = 30


def _worker_busy() -> bool:
    """Messages waiting in a queue, or a task in the worker's hands."""
    import redis

    client = redis.Redis.from_url(celery_app.conf.broker_url)
    try:
        if any(client.llen(queue) for queue in QUEUES):
            return True
    finally:
        client.close()
    inspect = celery_app.control.inspect(timeout=0.5, limit=1)  # one worker: answer on its reply
    return any((inspect.active() or {}).values()) or any((inspect.reserved() or {}).values())


@pytest.fixture(autouse=True)
def _worker_settles_before_teardown(request):
    """A test with the worker waits until the work it set off is done (a quest's completion sets
    off an event, an event its regions): the database is flushed after the test, and a worker
    still writing would deadlock with that flush on PostgreSQL."""
    yield
    if "celery_worker_process" not in request.fixturenames:
        return
    deadline = time.monotonic() + IDLE_WAIT_SECONDS
    quiet = 0
    while time.monotonic() < deadline and quiet < 2:
        quiet = 0 if _worker_busy() else quiet + 1
        if quiet < 2:
            time.sleep(0.1)


@pytest.fixture
def dead_broker():
    """Point Celery at a port where nothing listens, for the length of one test."""
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    # Fresh pools for the dead URL (the pools keep the URL they were made with); the live ones
    # are put back untouched afterwards.
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = url, None, None
    yield url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved
