"""Players' view of events: what is happening in their world now (read-only), and the deed schema."""

from __future__ import annotations

from ninja import Router, Schema
from ninja.pagination import paginate

from gmconsole.pagination import PagePagination
from world.api import ErrorOut, ValidationErrorOut, player_world_ids
from world.models import WorldEvent

router = Router(tags=["events"])

PLAYER_KINDS = ("festival", "fire", "custom")
EVENTS_PAGE_SIZE = 50


class DeedIn(Schema):
    kind: str
    title: str = ""
    description: str = ""


class DeedOut(Schema):
    task_id: str
    status_url: str
    event_id: int
    title: str
    kind: str
    settlement: str


class EventOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    status: str
    severity: int
    settlement: str | None = None
    region: str | None = None
    started_tick: int | None = None
    ends_tick: int | None = None

    @staticmethod
    def resolve_settlement(event: WorldEvent) -> str | None:
        return event.settlement.name if event.settlement_id else None

    @staticmethod
    def resolve_region(event: WorldEvent) -> str | None:
        return event.region.name if event.region_id else None


@router.get(
    "/events", response={200: list[EventOut], 400: ErrorOut, 422: ValidationErrorOut}, url_name="events"
)
@paginate(PagePagination, page_size=EVENTS_PAGE_SIZE)
def events_now(request, world: str | None = None):
    """Events being felt now in the worlds where you have a character (newest first), paged."""
    worlds = player_world_ids(request.auth)
    if world:
        worlds = worlds.filter(world__slug=world)
    return (
        WorldEvent.objects.filter(
            world_id__in=worlds,
            status__in=[WorldEvent.Status.APPLYING, WorldEvent.Status.ACTIVE, WorldEvent.Status.PARTIAL],
        )
        .select_related("settlement", "region")
        .order_by("-started_tick", "-id")
    )
