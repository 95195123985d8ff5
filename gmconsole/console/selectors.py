"""Reads the console needs from infrastructure tables (Celery results) rather than a game system."""

from __future__ import annotations

from django.db.models import QuerySet
from django_celery_results.models import TaskResult


def task_results_recent(*, limit: int = 10) -> QuerySet[TaskResult]:
    """The last finished or updated task results; the bulky result/traceback columns stay unread."""
    return TaskResult.objects.order_by("-date_done", "-id").only(
        "id", "task_id", "task_name", "status", "worker", "date_created", "date_started", "date_done"
    )[:limit]
