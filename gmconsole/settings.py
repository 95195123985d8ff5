"""Settings for gmconsole, read from the environment (see .env.example)."""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GMCONSOLE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-insecure-key-change-me-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from its own static files (no CDN: works offline)
    "django_celery_beat",
    "django_celery_results",
    "gmconsole",
    "world",
    "npcs",
    "economy",
    "quests",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "gmconsole.urls"
WSGI_APPLICATION = "gmconsole.wsgi.application"
ASGI_APPLICATION = "gmconsole.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------
# Default: a SQLite file under var/ in WAL mode, with a busy timeout and
# IMMEDIATE transactions, so web, worker and beat can all write without
# "database is locked". PostgreSQL through DATABASE_URL in CI and production.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'gmconsole.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
    # A file (not :memory:) so a real worker process can share the test database;
    # one per process so parallel runs never collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_gmconsole_{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # One test database per process, so two test runs on one server never drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "gmconsole" / "static"]

LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "console:dashboard"

# --- Celery ----------------------------------------------------------------
# REDIS_URL, else the embedded Redis a running `make run` published in var/redis.url (so
# `manage.py simulate` in another terminal finds it), else a local Redis on the usual port.
EMBEDDED_REDIS_URL_FILE = VAR_DIR / "redis.url"


def _published_embedded_redis() -> str:
    try:
        return EMBEDDED_REDIS_URL_FILE.read_text().strip()
    except OSError:
        return ""


REDIS_URL = os.environ.get("REDIS_URL") or _published_embedded_redis() or "redis://127.0.0.1:6379/0"
CELERY_BROKER_URL = REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Fail fast when the broker is down so the web answers with a clear error
# instead of hanging on a retry loop.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 1,
    "socket_connect_timeout": 3,
}
# Publishing gives up within about a second when the broker is down, so a button or an API
# call answers with a clear error instead of hanging.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_RESULT_BACKEND = "django-db"
CELERY_CACHE_BACKEND = "default"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_DEFAULT_QUEUE = "default"
# Routing by task name: the simulation systems run on `sim`, LLM work on `llm`.
CELERY_TASK_ROUTES = {
    "world.*": {"queue": "sim"},
    "npcs.*": {"queue": "sim"},
    "economy.*": {"queue": "sim"},
    "quests.generate*": {"queue": "llm"},
    "llm.*": {"queue": "llm"},
}
# Every task has limits; individual tasks tighten them.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
# Shards and LLM calls are long: a worker takes one message at a time.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A tick leaves ~25 result rows (one per region shard); a day of them is what a GM looks back on.
# Beat runs celery.backend_cleanup daily to delete older ones.
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True

# --- World simulation ------------------------------------------------------
# Seconds of real time between scheduled ticks (one tick = one game hour).
GMCONSOLE_TICK_INTERVAL_SECONDS = int(os.environ.get("TICK_INTERVAL_SECONDS", "10"))
# A tick still "running" after this many seconds (e.g. the stack was stopped mid-tick) is taken
# over by the next one, which re-sends its shards; those already applied skip themselves, so a
# short limit is safe. Ticks take seconds.
GMCONSOLE_TICK_STALE_SECONDS = int(os.environ.get("TICK_STALE_SECONDS", "60"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- LLM (gmconsole/llm) ---------------------------------------------------
# Language-model work for quests now and NPC minds later. Without a key (the default) no
# request ever leaves the machine: every structured call uses its template narrator.
OPENROUTER_API_KEY = os.environ.get("OPENROUTER_API_KEY", "")
LLM_MODEL = os.environ.get("LLM_MODEL") or "openai/gpt-4o-mini"
# Any OpenAI-compatible chat-completions endpoint; OpenRouter's by default.
LLM_BASE_URL = os.environ.get("LLM_BASE_URL") or "https://openrouter.ai/api/v1"
# Seconds per HTTP request: the OpenAI client waits forever unless told otherwise.
LLM_TIMEOUT_SECONDS = float(os.environ.get("LLM_TIMEOUT_SECONDS") or "30")
# Requests per structured call, counting repairs and regenerations of invalid answers.
LLM_MAX_ATTEMPTS = int(os.environ.get("LLM_MAX_ATTEMPTS") or "3")
# Requests in flight at once across every worker process (a Redis semaphore).
LLM_CONCURRENCY = int(os.environ.get("LLM_CONCURRENCY") or "2")
# How long a call waits for a free slot before giving up (the task then retries later).
LLM_SLOT_WAIT_SECONDS = float(os.environ.get("LLM_SLOT_WAIT_SECONDS") or "5")
# USD per million tokens, for answers that carry no cost of their own (OpenRouter's do).
LLM_PRICE_IN_PER_MTOK = Decimal(os.environ.get("LLM_PRICE_IN_PER_MTOK") or "0.15")
LLM_PRICE_OUT_PER_MTOK = Decimal(os.environ.get("LLM_PRICE_OUT_PER_MTOK") or "0.60")
# OpenRouter's app attribution headers (HTTP-Referer is left out when the URL is empty).
LLM_APP_URL = os.environ.get("LLM_APP_URL", "")
LLM_APP_TITLE = os.environ.get("LLM_APP_TITLE") or "gmconsole"
# A world's daily spend limit until its GM sets one; spent → the template narrator.
LLM_DEFAULT_DAILY_BUDGET_USD = Decimal(os.environ.get("LLM_DEFAULT_DAILY_BUDGET_USD") or "1.00")
# Celery retries of tasks on the llm queue (rate limits and outages), and their delays.
LLM_TASK_MAX_RETRIES = int(os.environ.get("LLM_TASK_MAX_RETRIES") or "5")
LLM_RETRY_BACKOFF_SECONDS = float(os.environ.get("LLM_RETRY_BACKOFF_SECONDS") or "5")
LLM_RETRY_MAX_DELAY_SECONDS = float(os.environ.get("LLM_RETRY_MAX_DELAY_SECONDS") or "600")
# gmconsole/llm/tasks.py is not an app's tasks.py, so autodiscovery would not find llm.ping.
CELERY_IMPORTS = ["gmconsole.llm.tasks"]
