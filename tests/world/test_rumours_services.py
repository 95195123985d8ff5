"""Rumour services on the small fixture world: start, spread in bulk, stop; chronicle, selectors, tasks."""

import random
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from npcs.models import Npc
from tests.factories import make_npc, make_region, make_settlement, make_world
from tests.world.world_fixtures import small_world
from world.models import ChronicleEntry, Route, Rumour, RumourHearing, World, WorldEvent
from world.rumours import selectors, sim
from world.rumours.services import (
    DETAILS_EMPTY,
    NPC_DEAD,
    rumour_start,
    rumours_spread,
    rumours_spread_dispatch,
)
from world.services.chronicle import chronicle_record
from world.tasks.rumours import (
    BAD_NPC_ID,
    BAD_TICK,
    NO_SUCH_NPC,
    propagate_information_task,
    rumours_spread_task,
)
from world.tasks.ticks import NO_SUCH_WORLD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def dice_independent_of_ids(monkeypatch):
    """The spread is seeded by (rumour id, tick); ids run on across tests on PostgreSQL (sequences
    ignore rollbacks) but restart on SQLite. Seed by the tick alone so both see the same spread."""
    monkeypatch.setattr(sim, "rumour_rng", lambda rumour_id, tick: random.Random(f"test:{tick}"))


FLOOD = {"template": "A flood at {place} drowned {deaths} people", "place": "", "deaths": 12}


def linked_small_world() -> World:
    """The small fixture world (4 towns of 18 NPCs, one merchant and one innkeeper each), its
    towns on a road in a chain."""
    world = small_world(regions=2, towns_per_region=2)
    towns = list(world.settlements.order_by("id"))
    for a, b in zip(towns, towns[1:], strict=False):
        Route.objects.create(world=world, a=a, b=b, distance_km=20)
    return world


def start(world: World, **kw) -> Rumour:
    source = Npc.objects.filter(world=world).order_by("id").first()
    details = kw.pop("details", {**FLOOD, "place": source.settlement.name})
    return rumour_start(world=world, source_npc=source, details=details, **kw)


def spread_until_stopped(world: World, first_tick: int = 1, last_tick: int = 200) -> Rumour:
    """Step every tick until no rumour of the world spreads; returns the latest rumour."""
    for tick in range(first_tick, last_tick):
        rumours_spread(world=world, tick=tick)
        if not Rumour.objects.filter(world=world, status=Rumour.Status.SPREADING).exists():
            break
    return Rumour.objects.filter(world=world).order_by("-id").first()


def test_a_rumour_starts_with_its_source_hearing_and_a_chronicle_entry_caused_by_the_event():
    world = linked_small_world()
    World.objects.filter(pk=world.pk).update(current_tick=7)
    source = Npc.objects.filter(world=world).order_by("id").first()
    flood_entry = chronicle_record(world=world, tick=7, kind=ChronicleEntry.Kind.EVENT, text="A flood")
    event = WorldEvent.objects.create(world=world, kind="flood", title="Flood", chronicle_entry=flood_entry)

    rumour = rumour_start(
        world=world, source_npc=source, details={**FLOOD, "place": source.settlement.name}, event=event
    )

    text = f"A flood at {source.settlement.name} drowned 12 people."
    assert (rumour.text, rumour.status, rumour.started_tick, rumour.last_step_tick) == (
        text,
        "spreading",
        7,
        7,
    )
    assert (rumour.heard_count, rumour.spreaders, rumour.settlements_reached) == (1, 1, 1)
    assert rumour.curve == [[7, 1, 1, 1]] and rumour.event == event
    assert (rumour.origin_settlement_id, rumour.source_npc_id) == (source.settlement_id, source.pk)
    [hearing] = RumourHearing.objects.filter(rumour=rumour)
    assert (hearing.npc_id, hearing.hops, hearing.belief, hearing.is_spreading, hearing.heard_from) == (
        source.pk,
        0,
        1.0,
        True,
        None,
    )
    assert (hearing.text, hearing.heard_tick, hearing.settlement_id) == (text, 7, source.settlement_id)
    entry = rumour.chronicle_entry
    assert (entry.kind, entry.tick, entry.settlement_id, entry.data["rumour"]) == (
        "rumour",
        7,
        source.settlement_id,
        rumour.pk,
    )
    assert entry.text == f"A rumour starts in {source.settlement.name}, told by {source.name}: “{text}”"
    assert list(entry.causes.all()) == [flood_entry]


def test_a_given_text_and_causes_are_kept():
    world = linked_small_world()
    cause = chronicle_record(world=world, tick=0, kind=ChronicleEntry.Kind.GM, text="The GM says so")

    rumour = start(
        world, details={"what": "a dragon", "place": "the hills"}, text="A dragon!", causes=[cause]
    )

    assert rumour.text == "A dragon!" and rumour.hearings.get().text == "A dragon!"
    assert list(rumour.chronicle_entry.causes.all()) == [cause]


@pytest.mark.parametrize(
    ("details", "message"),
    [
        ({}, DETAILS_EMPTY),
        (["a flood"], "must be a JSON object (a dict), got list"),
        ({"what": {1, 2}}, "must be plain JSON"),
        ({"what": "x" * 5000}, "too long"),
    ],
)
def test_bad_details_are_refused_with_a_clear_error(details, message):
    world = linked_small_world()

    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        start(world, details=details)
    assert not Rumour.objects.exists() and not ChronicleEntry.objects.filter(kind="rumour").exists()


def test_the_dead_and_strangers_start_no_rumours():
    world = linked_small_world()
    dead = Npc.objects.filter(world=world).first()
    dead.is_alive = False
    dead.save()
    other = make_world()
    stranger = make_npc(settlement=make_settlement(region=make_region(world=other)))

    with pytest.raises(ValueError, match=NPC_DEAD.format(npc=dead.name)):
        rumour_start(world=world, source_npc=dead, details={"what": "x"})
    with pytest.raises(ValueError, match="lives in another world"):
        rumour_start(world=world, source_npc=stranger, details={"what": "x"})


def test_one_step_tells_new_npcs_in_bulk_and_is_applied_once_per_tick():
    world = linked_small_world()
    rumour = start(world)
    source_hearing = rumour.hearings.get()

    with CaptureQueriesContext(connection) as queries:
        result = rumours_spread(world=world, tick=1)
    again = rumours_spread(world=world, tick=1)

    rumour.refresh_from_db()
    new = list(RumourHearing.objects.filter(rumour=rumour, heard_tick=1))
    assert result["rumours"] == 1 and result["told"] == len(new) >= 1
    assert again["rumours"] == 0 and RumourHearing.objects.filter(rumour=rumour).count() == 1 + len(new)
    assert all((h.heard_from_id, h.hops, h.is_spreading) == (source_hearing.npc_id, 1, True) for h in new)
    assert all(0.7 < h.belief < 1.0 and h.details["deaths"] >= 12 for h in new)
    assert all(h.settlement_id == Npc.objects.get(pk=h.npc_id).settlement_id for h in new)
    assert rumour.last_step_tick == 1 and rumour.heard_count == 1 + len(new)
    assert rumour.curve[-1] == [1, 1 + len(new), rumour.spreaders, rumour.settlements_reached]
    # people, routes and settlements; the rumour, its hearings, its spreaders; the writes
    assert len(queries) <= 16, [q["sql"][:80] for q in queries]


def test_a_rumour_reaches_the_linked_towns_then_stops_and_the_chronicle_says_where_and_why():
    world = linked_small_world()
    rumour = start(world)

    rumour = spread_until_stopped(world)

    hearings = RumourHearing.objects.filter(rumour=rumour)
    towns = set(hearings.values_list("settlement_id", flat=True))
    assert rumour.status == "stopped" and rumour.spreaders == 0
    assert not hearings.filter(is_spreading=True).exists()
    assert rumour.heard_count == hearings.count() and rumour.settlements_reached == len(towns)
    assert rumour.heard_count > 36 and len(towns) >= 3  # more than two towns' worth, beyond the origin
    assert [point[1] for point in rumour.curve] == sorted(point[1] for point in rumour.curve)
    assert rumour.curve[-1] == [rumour.last_step_tick, rumour.heard_count, 0, len(towns)]
    reached = ChronicleEntry.objects.filter(world=world, kind="rumour").exclude(pk=rumour.chronicle_entry_id)
    assert sorted(reached.values_list("settlement_id", flat=True)) == sorted(
        towns - {rumour.origin_settlement_id}
    )
    for entry in reached:
        assert entry.text.startswith(f"Word of “{rumour.text}” reached {entry.settlement.name}, told by ")
        assert list(entry.causes.all()) == [rumour.chronicle_entry]
        first = hearings.filter(settlement=entry.settlement).order_by("heard_tick", "id").first()
        assert entry.tick == first.heard_tick and entry.data["npc"] == first.npc_id
        assert entry.region_id == entry.settlement.region_id
    # and the console's reads agree
    spread = selectors.rumour_spread_by_settlement(rumour=rumour)
    assert [s.settlement_id for s in spread][0] == rumour.origin_settlement_id
    assert sum(s.heard for s in spread) == rumour.heard_count and spread[0].hops == 0
    assert [p.heard for p in selectors.rumour_curve(rumour=rumour)] == [p[1] for p in rumour.curve]
    assert list(selectors.rumours_of_world(world=world, status="stopped")) == [rumour]


def test_the_dead_neither_hear_nor_tell():
    world = linked_small_world()
    rumour = start(world)
    source = rumour.source_npc
    dead = list(Npc.objects.filter(world=world).exclude(pk=source.pk).order_by("id")[::2])
    Npc.objects.filter(pk__in=[n.pk for n in dead]).update(is_alive=False)
    Npc.objects.filter(pk=source.pk).update(is_alive=False)

    rumours_spread(world=world, tick=1)

    rumour.refresh_from_db()
    assert rumour.status == "stopped" and rumour.heard_count == 1  # the source died before telling anyone
    assert RumourHearing.objects.get(rumour=rumour).is_spreading is False

    Npc.objects.filter(pk=source.pk).update(is_alive=True)
    second = start(world, details={"what": "a ghost"})
    spread_until_stopped(world, first_tick=2)
    second.refresh_from_db()
    assert second.heard_count > 1
    assert not RumourHearing.objects.filter(rumour=second, npc__in=dead).exists()


def test_a_rumour_replayed_from_its_start_spreads_the_same_way():
    world = linked_small_world()
    rumour = start(world)
    initial = {
        f: getattr(rumour, f) for f in ("status", "last_step_tick", "heard_count", "spreaders", "curve")
    }

    def replay():
        spread_until_stopped(world)
        done = Rumour.objects.get(pk=rumour.pk)
        hearings = sorted(
            RumourHearing.objects.filter(rumour=rumour).values_list(
                "npc_id", "heard_from_id", "heard_tick", "hops", "belief", "details", "text"
            )
        )
        # back to the start: only the source has heard it, and is telling it
        RumourHearing.objects.filter(rumour=rumour, hops__gt=0).delete()
        RumourHearing.objects.filter(rumour=rumour).update(is_spreading=True, knowers_met=0)
        Rumour.objects.filter(pk=rumour.pk).update(**initial)
        ChronicleEntry.objects.filter(kind="rumour").exclude(pk=rumour.chronicle_entry_id).delete()
        return done.curve, hearings

    first = replay()
    assert len(first[1]) > 36 and first == replay()


def test_selectors_list_what_an_npc_heard_latest_first():
    world = linked_small_world()
    first = start(world, details={"what": "a flood"})
    second = start(world, details={"what": "a fire"})
    npc = first.source_npc

    heard = list(selectors.npc_rumours_heard(npc=npc))

    assert [h.rumour_id for h in heard] == [second.pk, first.pk]


def test_dispatch_after_a_tick_only_when_a_rumour_spreads(django_capture_on_commit_callbacks):
    world = linked_small_world()
    with django_capture_on_commit_callbacks() as none:
        assert rumours_spread_dispatch(world_id=world.pk, tick=1) is None
    start(world)

    with django_capture_on_commit_callbacks() as callbacks:
        task_id = rumours_spread_dispatch(world_id=world.pk, tick=1)

    assert none == [] and len(callbacks) == 1 and len(task_id) == 36


def test_the_tasks_check_their_arguments_clearly():
    world = linked_small_world()
    npc = Npc.objects.filter(world=world).first()

    with pytest.raises(ValueError, match=re.escape(BAD_NPC_ID.format(value="Ana"))):
        propagate_information_task({"what": "x"}, "Ana")
    with pytest.raises(ValueError, match=r"must be a JSON object \(a dict\), got str"):
        propagate_information_task("a flood", npc.pk)
    with pytest.raises(ValueError, match=re.escape(BAD_TICK.format(value="soon"))):
        rumours_spread_task(world.pk, "soon")
    assert propagate_information_task({"what": "x"}, 999_999) == {"error": NO_SUCH_NPC.format(npc_id=999_999)}
    assert rumours_spread_task(999_999, 1) == {"error": NO_SUCH_WORLD.format(world_id=999_999)}

    started = propagate_information_task({"what": "a flood", "deaths": 3}, str(npc.pk))
    stepped = rumours_spread_task(str(world.pk), "1")

    rumour = Rumour.objects.get()
    assert started == {
        "rumour": rumour.pk,
        "world": world.pk,
        "npc": npc.pk,
        "settlement": npc.settlement_id,
        "tick": 0,
        "text": "A flood: deaths 3.",
    }
    assert stepped["rumours"] == 1 and stepped["tick"] == 1
    assert rumours_spread_task(world.pk, 1)["rumours"] == 0
