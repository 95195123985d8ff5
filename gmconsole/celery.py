"""The Celery application: tasks live in each app's tasks.py."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gmconsole.settings")

app = Celery("gmconsole")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = [Queue(name) for name in ("sim", "llm", "default")]
app.autodiscover_tasks()
