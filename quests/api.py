"""Player API: quests near your character, accepting one, and reporting what you did.

Privacy: a player sees published quests of their character's world and the quests they accepted,
nothing else. Anything else answers 404 with the same words whether it exists or not.

Shared quests: the first player to finish a quest is paid; the others' assignments show
`status: "closed"` with a `closed_reason`, and their reports answer 409 with that reason.

Reports are idempotent by the `Idempotency-Key` header (see `quest_actions`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.http import HttpResponse
from django.urls import reverse
from kombu.exceptions import OperationalError
from ninja import Header, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from gmconsole.pagination import PagePagination
from npcs.api import player_character
from npcs.models import PlayerCharacter
from quests.models import Quest, QuestAssignment
from quests.play import (
    MAX_ACTIONS_PER_REPORT,
    MAX_KEY_LENGTH,
    NOT_ACCEPTED,
    TOO_MANY_ACTIONS,
    QuestPlayError,
    assignment_objective_states,
    quest_accept,
    quest_progress_dispatch,
)
from world.api import Ref
from world.models import Route

QUEST_NOT_FOUND = "No quest with that id for you."
NEARBY_HOPS = 2
QUESTS_PAGE_SIZE = 50
REPLAYED_HEADER = "Idempotent-Replayed"

router = Router(tags=["quests"])


class ObjectiveOut(Schema):
    key: str
    action: str
    text: str
    settlement: Ref | None = None
    npc: Ref | None = None
    item_code: str | None = None
    route_id: int | None = None
    quantity: int
    progress: int
    requires: list[str]
    done: bool


class AssignmentOut(Schema):
    id: int
    quest_id: int
    character_id: int
    status: str  # active, completed, abandoned, or closed (someone else finished it first)
    accepted_at: datetime
    completed_at: datetime | None = None
    closed_at: datetime | None = None
    closed_reason: str = ""  # why it is closed for you, in words


class QuestOut(Schema):
    id: int
    title: str
    pitch: str
    stakes: str
    motivation: str
    status: str
    reward_cp: int
    giver: Ref | None = None
    settlement: Ref | None = None
    assignment: AssignmentOut | None = None


class QuestDetailOut(QuestOut):
    objectives: list[ObjectiveOut]


class ErrorOut(Schema):
    detail: str


class AcceptedOut(Schema):
    task_id: str
    status_url: str


class ActionIn(Schema):
    """One thing the character did, e.g. {"action": "deliver", "npc_id": 9, "item_code": "bread", "quantity": 4}."""

    action: str
    settlement_id: int | None = None
    npc_id: int | None = None
    item_code: str | None = None
    route_id: int | None = None
    quantity: int | None = None


def settlements_near(*, settlement_id: int, world_id: int, hops: int = NEARBY_HOPS) -> set[int]:
    """The settlement and those at most `hops` routes away."""
    edges = Route.objects.filter(world_id=world_id).values_list("a_id", "b_id")
    adjacency: dict[int, set[int]] = {}
    for a, b in edges:
        adjacency.setdefault(a, set()).add(b)
        adjacency.setdefault(b, set()).add(a)
    seen, frontier = {settlement_id}, {settlement_id}
    for _ in range(hops):
        frontier = {n for s in frontier for n in adjacency.get(s, ())} - seen
        seen |= frontier
    return seen


def _visible(character: PlayerCharacter):
    """Quests this character may see: published ones of its world, and its own accepted ones."""
    return (
        Quest.objects.filter(world_id=character.world_id)
        .filter(Q(status=Quest.Status.PUBLISHED) | Q(assignments__character=character))
        .distinct()
        .select_related("giver", "settlement")
    )


def _own_assignment(quest: Quest, character: PlayerCharacter) -> QuestAssignment | None:
    return QuestAssignment.objects.filter(quest=quest, character=character).first()


def _quest_out(quest: Quest, assignment: QuestAssignment | None) -> dict[str, Any]:
    return {
        "id": quest.pk,
        "title": quest.title,
        "pitch": quest.pitch,
        "stakes": quest.stakes,
        "motivation": quest.motivation,
        "status": quest.status,
        "reward_cp": quest.reward_cp,
        "giver": quest.giver,
        "settlement": quest.settlement,
        "assignment": assignment,
    }


def _visible_quest(request, quest_id: int, world: str | None) -> tuple[Quest, PlayerCharacter]:
    character = player_character(user=request.auth, world_slug=world)
    quest = _visible(character).filter(pk=quest_id).first()
    if quest is None:
        raise HttpError(404, QUEST_NOT_FOUND)
    return quest, character


@router.get("/quests", response=list[QuestOut], url_name="quests")
@paginate(PagePagination, page_size=QUESTS_PAGE_SIZE)
def quests_list(request, world: str | None = None):
    """Published quests within two route hops of your character, and the quests you accepted.

    Paged with `page` and `page_size` (`{"items": [...], "count": N}`); `offset`/`limit` answer 400.
    """
    character = player_character(user=request.auth, world_slug=world)
    near = settlements_near(settlement_id=character.settlement_id, world_id=character.world_id)
    nearby = Q(status=Quest.Status.PUBLISHED) & (
        Q(settlement_id__in=near) | Q(settlement__isnull=True, giver__settlement_id__in=near)
    )
    quests = (
        Quest.objects.filter(world_id=character.world_id)
        .filter(nearby | Q(assignments__character=character))
        .distinct()
        .select_related("giver", "settlement")
        .order_by("-published_at", "-id")
    )
    own = {a.quest_id: a for a in QuestAssignment.objects.filter(character=character)}
    return [_quest_out(q, own.get(q.pk)) for q in quests]


@router.get("/quests/{quest_id}", response={200: QuestDetailOut, 404: ErrorOut}, url_name="quest")
def quest_detail(request, quest_id: int, world: str | None = None):
    """A quest you may see, with its objectives and your progress on each."""
    quest, character = _visible_quest(request, quest_id, world)
    assignment = _own_assignment(quest, character)
    objectives = [
        {
            "key": row.key,
            "action": row.action,
            "text": row.text,
            "settlement": row.settlement,
            "npc": row.npc,
            "item_code": state.item_code,
            "route_id": row.route_id,
            "quantity": row.quantity,
            "progress": min(state.progress, state.quantity),
            "requires": list(state.requires),
            "done": state.done,
        }
        for row, state in assignment_objective_states(quest=quest, assignment=assignment)
    ]
    return {**_quest_out(quest, assignment), "objectives": objectives}


@router.post(
    "/quests/{quest_id}/accept",
    response={201: AssignmentOut, 404: ErrorOut, 409: ErrorOut},
    url_name="quest-accept",
)
def quest_accept_route(request, quest_id: int, world: str | None = None):
    """Take on a published quest."""
    quest, character = _visible_quest(request, quest_id, world)
    try:
        assignment = quest_accept(quest=quest, character=character)
    except QuestPlayError as e:
        return Status(404 if e.code == "not_found" else 409, {"detail": str(e)})
    return Status(201, assignment)


@router.post(
    "/quests/{quest_id}/actions",
    response={202: AcceptedOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 503: ErrorOut},
    url_name="quest-actions",
)
def quest_actions(
    request,
    response: HttpResponse,
    quest_id: int,
    actions: list[ActionIn],
    world: str | None = None,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description=f"Optional, 1–{MAX_KEY_LENGTH} printable characters, unique per report: send the "
        "same report again with the same key (a retry after a timeout) and it counts once.",
    ),
):
    """Report what your character did; poll the status URL for what it advanced and any reward.

    **Idempotency**: send an `Idempotency-Key` header (any string of up to 100 printable
    characters, new for each report). The same key with the same actions again answers 202 with
    the *first* report's task and status URL (and `Idempotent-Replayed: true`) and is not counted
    again; the same key with other actions is a 409. Without the header each request is a new
    report (a redelivered task still applies once).

    **Where you are counts**: go/explore objectives are done by your character being at their
    settlement (`POST /api/v1/me/travel`), reported or not; an action naming a settlement your
    character is not in is refused, with the reason under `refused` in the task result.
    """
    from gmconsole.api import BROKER_DOWN, accepted  # the API module mounts this router

    quest, character = _visible_quest(request, quest_id, world)
    assignment = _own_assignment(quest, character)
    if assignment is None:
        return Status(409, {"detail": NOT_ACCEPTED.format(quest=quest.pk)})
    payload = [a.model_dump(exclude_none=True) for a in actions]
    if len(actions) > MAX_ACTIONS_PER_REPORT:
        return Status(400, {"detail": TOO_MANY_ACTIONS.format(limit=MAX_ACTIONS_PER_REPORT)})
    try:
        sent = quest_progress_dispatch(
            quest=quest, character=character, actions=payload, report_key=idempotency_key
        )
    except QuestPlayError as e:
        return Status(400 if e.code == "bad_request" else 409, {"detail": str(e)})
    except OperationalError:
        return Status(503, {"detail": BROKER_DOWN})
    if not sent.replayed:
        return accepted(request, response, sent.task_id, name="quest-actions")
    status_url = request.build_absolute_uri(reverse("api:task-status", kwargs={"task_id": sent.task_id}))
    response["Location"] = status_url
    response[REPLAYED_HEADER] = "true"
    return Status(202, {"task_id": sent.task_id, "status_url": status_url})
