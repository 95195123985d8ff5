"""Reads the console needs from infrastructure tables (Celery results) rather than a game system."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult


def task_results_recent(*, limit: int = 10) -> QuerySet[TaskResult]:
    """The last finished or updated task results; the bulky result/traceback columns stay unread."""
    return TaskResult.objects.order_by("-date_done", "-id").only(
        "id", "task_id", "task_name", "status", "worker", "date_created", "date_started", "date_done"
    )[:limit]


@dataclass(frozen=True)
class ScheduleHealth:
    ok: bool
    text: str
    when: datetime | None


def schedule_health(*, schedule: PeriodicTask | None) -> ScheduleHealth | None:
    """How the schedule's last run went, from its task result: a GM must see a schedule that fails."""
    if schedule is None:
        return None
    row = (
        TaskResult.objects.filter(periodic_task_name=schedule.name, status__in=["SUCCESS", "FAILURE"])
        .order_by("-date_done")
        .first()
    )
    if row is None:
        return None
    try:
        result = json.loads(row.result) if row.result else None
    except ValueError:
        result = row.result
    if row.status == "FAILURE":
        if isinstance(result, dict):
            message = result.get("exc_message")
            message = " ".join(map(str, message)) if isinstance(message, list) else str(message or "")
            text = f"{result.get('exc_type', 'Error')}: {message}"
        else:
            text = str(result or "failed")
        return ScheduleHealth(ok=False, text=text, when=row.date_done)
    if isinstance(result, dict) and result.get("error"):
        return ScheduleHealth(ok=False, text=str(result["error"]), when=row.date_done)
    if isinstance(result, dict) and result.get("skipped"):
        return ScheduleHealth(ok=True, text="skipped: a tick was still running", when=row.date_done)
    return ScheduleHealth(ok=True, text="ran", when=row.date_done)
