"""The player REST API, mounted at /api/v1/ (docs at /api/v1/docs).

Every route needs `Authorization: Bearer <key>` (see `manage.py create_player`). Long work
answers 202 with a task id and a status URL to poll (`accepted`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_celery_results.models import TaskResult
from kombu.exceptions import OperationalError
from ninja import NinjaAPI, Schema, Status

from economy.api import router as economy_router
from gmconsole.auth import PlayerTokenAuth
from gmconsole.models import PlayerTask
from gmconsole.services import player_task_record
from npcs.api import player_character
from npcs.api import router as npcs_router
from npcs.services import character_observe_dispatch
from world.api import ValidationErrorOut
from world.api import router as world_router
from world.events.api import DeedIn, DeedOut
from world.events.services import EventError, event_from_player, event_start_dispatch

BROKER_DOWN = "The task queue is unreachable right now; try again in a minute."
NO_SUCH_TASK = "No task {task_id} started by you."
PENDING = "PENDING"  # what Celery reports for an id it knows nothing about

api = NinjaAPI(title="gmconsole player API", version="1", urls_namespace="api", auth=PlayerTokenAuth())
api.add_router("/", world_router)
api.add_router("/", economy_router)
api.add_router("/", npcs_router)
api.add_router("/", "quests.api.router")
api.add_router("/", "world.events.api.router")


class ErrorOut(Schema):
    detail: str


class AcceptedOut(Schema):
    task_id: str
    status_url: str


class TaskStatusOut(Schema):
    id: str
    state: str
    name: str | None = None
    result: Any = None
    date_created: datetime | None = None
    date_done: datetime | None = None


def accepted(request: HttpRequest, response: HttpResponse, task_id: str, *, name: str) -> Status:
    """202 Accepted for a task the player started: the body and the Location header point at its status."""
    player_task_record(user=request.auth, task_id=task_id, name=name)
    status_url = request.build_absolute_uri(reverse("api:task-status", kwargs={"task_id": task_id}))
    response["Location"] = status_url
    return Status(202, {"task_id": task_id, "status_url": status_url})


def _decoded_result(row: TaskResult) -> Any:
    if row.result is None or "json" not in (row.content_type or ""):
        return row.result
    try:
        return json.loads(row.result)
    except ValueError:
        return row.result


@api.get(
    "/tasks/{task_id}",
    response={200: TaskStatusOut, 404: ErrorOut},
    url_name="task-status",
    tags=["tasks"],
)
def task_status(request, task_id: str):
    """State of a task you started (a 202 answer gave you its URL). PENDING until a worker picks it up."""
    if not PlayerTask.objects.filter(task_id=task_id, user=request.auth).exists():
        return Status(404, {"detail": NO_SUCH_TASK.format(task_id=task_id)})
    row = TaskResult.objects.filter(task_id=task_id).first()
    if row is None:
        return {"id": task_id, "state": PENDING, "name": None}
    return {
        "id": row.task_id,
        "state": row.status,
        "name": row.task_name,
        "result": _decoded_result(row),
        "date_created": row.date_created,
        "date_done": row.date_done,
    }


@api.post(
    "/me/look-around",
    response={202: AcceptedOut, 400: ErrorOut, 404: ErrorOut, 503: ErrorOut},
    url_name="look-around",
    tags=["me"],
)
def look_around(request, response: HttpResponse, world: str | None = None):
    """Your character takes in the surroundings; poll the status URL for what they notice."""
    character = player_character(user=request.auth, world_slug=world)
    try:
        task_id = character_observe_dispatch(character=character)
    except OperationalError:
        return Status(503, {"detail": BROKER_DOWN})
    return accepted(request, response, task_id, name="look-around")


@api.post(
    "/me/deeds",
    response={
        202: DeedOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ValidationErrorOut,
        503: ErrorOut,
    },
    url_name="deeds",
    tags=["me"],
)
def deed(request, response: HttpResponse, payload: DeedIn, world: str | None = None):
    """Set off a small event where your character stands: a festival, a fire, or a custom deed.

    Severity is capped at 2 and one deed at a time is felt. The event starts on a worker; poll
    the status URL. If the task queue is down the deed is kept and starts when it is back (503).
    """
    character = player_character(user=request.auth, world_slug=world)
    try:
        event = event_from_player(
            character=character, kind=payload.kind, title=payload.title, description=payload.description
        )
    except EventError as exc:
        return Status(409 if "still being felt" in exc.message else 400, {"detail": exc.message})
    try:
        task_id = event_start_dispatch(event=event)
    except OperationalError:
        return Status(
            503, {"detail": BROKER_DOWN + " Your deed is kept and will take effect when it is back."}
        )
    accepted(request, response, task_id, name="deed")
    return Status(
        202,
        {
            "task_id": task_id,
            "status_url": response["Location"],
            "event_id": event.pk,
            "title": event.title,
            "kind": event.kind,
            "settlement": character.settlement.name,
        },
    )
