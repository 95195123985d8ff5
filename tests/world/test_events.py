"""Events through the services, in-process: start, apply per region once, summarise, retry, last, end."""

import pytest
from django.db import OperationalError, connection

from economy.models import MarketStock
from npcs.models import Npc
from tests.world.event_fixtures import linked_world, two_factions
from world.events import services as events
from world.models import ChronicleEntry, EventImpact, FactionRelation, Stance, World, WorldEvent
from world.services.ticks import tick_run_inline

pytestmark = pytest.mark.django_db


def start_and_apply(event: WorldEvent) -> list[int]:
    region_ids = events.event_start(event_id=event.pk)
    for region_id in region_ids:
        events.event_region_apply(event_id=event.pk, region_id=region_id)
    events.event_summarise(event_id=event.pk)
    event.refresh_from_db()
    return region_ids


def money(world) -> int:
    from django.db.models import Sum

    from economy.models import Market
    from world.models import Settlement

    return (
        (Npc.objects.filter(world=world).aggregate(s=Sum("purse"))["s"] or 0)
        + (Market.objects.filter(world=world).aggregate(s=Sum("cash"))["s"] or 0)
        + (Settlement.objects.filter(world=world).aggregate(s=Sum("treasury"))["s"] or 0)
    )


def test_bad_input_names_the_field_at_fault():
    world, towns = linked_world()
    cases = [
        (dict(kind="meteor", settlement=towns[0]), "kind"),
        (dict(kind="flood"), "settlement"),
        (dict(kind="flood", settlement=towns[0], severity=11), "severity"),
        (dict(kind="flood", settlement=towns[0], severity="x"), "severity"),
        (dict(kind="flood", settlement=towns[0], duration_ticks=0), "duration_ticks"),
        (dict(kind="war"), "aggressor"),
        (dict(kind="custom", settlement=towns[0], effects={"safety": 500}), "safety"),
        (dict(kind="custom", settlement=towns[0], effects={"gold": 5}), "effects"),
        (dict(kind="custom", settlement=towns[0], effects={}), "effects"),
    ]
    for kwargs, field in cases:
        with pytest.raises(events.EventError) as caught:
            events.event_create(world=world, **kwargs)
        assert caught.value.field == field, kwargs
    assert not WorldEvent.objects.exists()


def test_a_flood_lands_once_per_region_with_falloff_and_a_chronicle_that_says_why():
    world, towns = linked_world(regions=3)
    wheat_before = sum(
        MarketStock.objects.filter(market__world=world, item__code="wheat").values_list("quantity", flat=True)
    )
    money_before = money(world)
    event = events.event_create(world=world, kind="flood", settlement=towns[0], severity=10, duration_ticks=5)
    assert event.title == f"Flood at {towns[0].name}" and event.status == "pending"

    regions = start_and_apply(event)

    impacts = {i.region_id: i for i in EventImpact.objects.filter(event=event)}
    assert len(regions) == 2 and event.status == "active" and event.ends_tick == 5
    first, second = (impacts[r] for r in sorted(impacts))
    assert (first.hops, first.intensity) == (0, 1.0)
    assert (second.hops, second.intensity) == (2, 0.25)  # two roads away: ×0.5 per hop
    assert towns[4].region_id not in impacts  # four roads away: beyond a flood's reach
    assert all(i.status == "applied" and i.attempts == 1 for i in impacts.values())
    # Each town at its own distance: the epicentre (18 people, intensity 1) loses 60% of its wheat
    # and 5% of its people flee (1); its neighbour one road away (intensity 0.5) loses 30% and
    # keeps its people (only the hard-hit flee).
    assert first.effects["towns"] == {str(towns[0].pk): [0, 1.0], str(towns[1].pk): [1, 0.5]}
    assert sum(first.effects["refugees"].values()) == 1
    assert first.effects["goods_lost"]["wheat"] == 24 + 12
    wheat_after = sum(
        MarketStock.objects.filter(market__world=world, item__code="wheat").values_list("quantity", flat=True)
    )
    lost = sum(i.effects.get("goods_lost", {}).get("wheat", 0) for i in impacts.values())
    assert wheat_before - wheat_after == lost
    assert money(world) == money_before  # nobody's money vanished
    # The region's chronicle entry is caused by the event's, the refugees' by the region's.
    region_entry = first.chronicle_entry
    assert list(region_entry.causes.all()) == [event.chronicle_entry]
    fled = ChronicleEntry.objects.get(world=world, data__impact=first.pk, kind="npc")
    assert "fled" in fled.text and list(fled.causes.all()) == [region_entry]
    assert event.summary["applied"] == 2 and event.summary["refugees"] == 1


def test_a_region_applied_twice_applies_once():
    world, towns = linked_world(regions=2)
    event = events.event_create(world=world, kind="plague", settlement=towns[0], severity=10)
    region_id = events.event_start(event_id=event.pk)[0]
    first = events.event_region_apply(event_id=event.pk, region_id=region_id)
    alive = Npc.objects.filter(world=world, is_alive=True).count()
    again = events.event_region_apply(event_id=event.pk, region_id=region_id)
    assert first["deaths"] == 2 and again == {
        "event": event.pk,
        "region": region_id,
        "skipped": True,
        "reason": "already applied",
    }
    assert Npc.objects.filter(world=world, is_alive=True).count() == alive
    assert ChronicleEntry.objects.filter(data__impact__isnull=False, kind="event").count() == 1
    # Starting it again opens nothing new either.
    assert events.event_start(event_id=event.pk) == []


def test_a_failing_region_marks_the_event_partial_names_it_and_the_gm_retries_it():
    world, towns = linked_world(regions=2)
    event = events.event_create(world=world, kind="flood", settlement=towns[0], severity=10)
    region_ids = events.event_start(event_id=event.pk)
    broken = region_ids[0]

    def refuse_market_writes(execute, sql, params, many, context):
        if "UPDATE" in sql and "economy_marketstock" in sql:
            raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refuse_market_writes):
        failed = events.event_region_apply(event_id=event.pk, region_id=broken)
    events.event_region_apply(event_id=event.pk, region_id=region_ids[1])
    events.event_summarise(event_id=event.pk)
    event.refresh_from_db()
    impact = EventImpact.objects.get(event=event, region_id=broken)
    assert failed["failed"] is True and "disk I/O error" in failed["error"]
    assert impact.status == "failed" and "disk I/O error" in impact.error
    assert event.status == "partial" and impact.region.name in event.error
    assert event.summary["failed"][0]["region_id"] == broken
    assert Npc.objects.filter(world=world, region_id=broken).count() == 36  # nothing half-applied

    # The retry is sent after commit; here the test runs the region itself.
    assert events.event_retry(event=event) is not None
    event.refresh_from_db()
    assert event.status == "applying" and EventImpact.objects.get(pk=impact.pk).status == "pending"
    events.event_region_apply(event_id=event.pk, region_id=broken)
    events.event_summarise(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == "active" and event.error == "" and event.summary["applied"] == 2


def test_an_event_never_stays_applying_when_its_regions_never_report():
    world, towns = linked_world(regions=2)
    event = events.event_create(world=world, kind="fire", settlement=towns[0], severity=6)
    events.event_start(event_id=event.pk)
    WorldEvent.objects.filter(pk=event.pk).update(started_at=event.created_at.replace(year=2000))
    result = events.events_tick(world=world, tick=1)
    event.refresh_from_db()
    assert result["stuck"] == [event.pk]
    assert event.status == "partial" and "Failed in" in event.error
    assert EventImpact.objects.filter(event=event, status="failed", error__contains="never reported").exists()


def test_a_flood_in_force_cuts_farm_work_and_ends_on_time():
    world, towns = linked_world(regions=2)
    epicentre_region = towns[0].region_id
    event = events.event_create(
        world=world, kind="flood", settlement=towns[0], severity=10, duration_ticks=12
    )
    start_and_apply(event)
    for _ in range(12):
        tick_run_inline(world=world)
    world.refresh_from_db()
    event.refresh_from_db()
    assert world.current_tick == 12 and event.status == "ended"
    assert ChronicleEntry.objects.filter(world=world, data__ended=True, data__event=event.pk).count() == 1
    from world.models import ShardRun

    shards = ShardRun.objects.filter(world=world, shard=f"region:{epicentre_region}", tick__gte=8)
    idle = sum(s.stats.get("idle_reasons", {}).get("event", 0) for s in shards)
    assert idle > 0  # farmers stood by their flooded fields
    after_end = ShardRun.objects.filter(world=world, shard=f"region:{epicentre_region}", tick=13)
    assert not after_end.exists()
    tick_run_inline(world=world)
    shard = ShardRun.objects.get(world=world, shard=f"region:{epicentre_region}", tick=13)
    assert shard.stats.get("idle_reasons", {}).get("event", 0) == 0  # the water is gone


def test_war_makes_enemies_of_both_sides_until_it_ends():
    world, towns = linked_world(regions=4)
    north, south = two_factions(world)
    event = events.event_create(
        world=world, kind="war", aggressor=north, defender=south, severity=8, duration_ticks=2
    )
    start_and_apply(event)
    assert event.title == "War: Northmark against Southreach"
    stances = set(FactionRelation.objects.filter(world=world).values_list("faction_id", "other_id", "stance"))
    assert stances == {(north.pk, south.pk, Stance.ENEMY), (south.pk, north.pk, Stance.ENEMY)}
    assert EventImpact.objects.filter(event=event).count() == 4
    tick_run_inline(world=world)
    tick_run_inline(world=world)
    event.refresh_from_db()
    assert event.status == "ended"
    assert set(FactionRelation.objects.filter(world=world).values_list("stance", flat=True)) == {
        Stance.NEUTRAL
    }


def test_a_clocked_event_gets_a_one_off_schedule_for_beat():
    from datetime import timedelta

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    world, towns = linked_world(regions=1)
    when = timezone.now() + timedelta(hours=2)
    event = events.event_create(world=world, kind="festival", settlement=towns[0], starts_at=when)
    assert events.event_start_dispatch(event=event) == ""
    task = PeriodicTask.objects.get(name=events.event_schedule_name(event))
    assert task.task == "world.event_start" and task.one_off and task.clocked.clocked_time == when
    assert task.args == f"[{event.pk}]" and task.queue == "sim"


def test_a_quest_completion_event_names_the_deed_as_its_cause():
    world, towns = linked_world(regions=1)
    deed = ChronicleEntry.objects.create(world=world, tick=0, kind="quest", text="Bread brought to town")
    event = events.event_create(world=world, kind="quest", settlement=towns[0], severity=3, cause=deed)
    start_and_apply(event)
    assert list(event.chronicle_entry.causes.all()) == [deed]
    assert World.objects.get(pk=world.pk).current_tick == 0


def test_a_pending_event_whose_start_was_lost_is_started_by_a_later_tick(django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    world, towns = linked_world(regions=1)
    lost = events.event_create(world=world, kind="fire", settlement=towns[0])
    fresh = events.event_create(world=world, kind="festival", settlement=towns[1])
    WorldEvent.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks() as sent:
        result = events.events_tick(world=world, tick=1)
    assert result["restarted"] == [lost.pk] and len(sent) == 1
    assert WorldEvent.objects.get(pk=fresh.pk).status == "pending"


def test_a_single_npcs_work_feels_the_flood_like_the_tick_does():
    from npcs.services import npc_produce

    world, towns = linked_world(regions=1)
    farmer = Npc.objects.filter(settlement=towns[0], profession="farmer").first()
    assert npc_produce(npc_id=farmer.pk)["produced"] == {"wheat": 6}
    start_and_apply(events.event_create(world=world, kind="flood", settlement=towns[0], severity=10))
    assert npc_produce(npc_id=farmer.pk) == {
        "npc": farmer.pk,
        "produced": {},
        "idle": {"event": 1},
        "purse": Npc.objects.get(pk=farmer.pk).purse,
    }


def test_word_of_an_event_gets_out_from_its_epicentre_and_spreads_with_the_ticks():
    from world.models import Rumour
    from world.rumours.services import rumours_spread

    world, towns = linked_world(regions=2)
    event = events.event_create(world=world, kind="fire", settlement=towns[0], severity=8)
    start_and_apply(event)
    rumour = Rumour.objects.get(event=event)
    assert rumour.origin_settlement_id == towns[0].pk and rumour.source_npc.profession in (
        "innkeeper",
        "merchant",
    )
    assert rumour.text.startswith(f"Fire in {towns[0].name}!")
    assert list(rumour.chronicle_entry.causes.all()) == [event.chronicle_entry]
    for tick in range(1, 6):
        rumours_spread(world=world, tick=tick)
    rumour.refresh_from_db()
    assert rumour.heard_count > 10 and rumour.settlements_reached >= 2
    # Summarising again (a redelivered callback) starts no second rumour.
    WorldEvent.objects.filter(pk=event.pk).update(status="applying")
    events.event_summarise(event_id=event.pk)
    assert Rumour.objects.filter(event=event).count() == 1


def test_a_war_closes_the_roads_across_the_front_to_travellers_and_news():
    from world.events.selectors import routes_closed
    from world.rumours.services import society_load

    world, towns = linked_world(regions=4)
    north, south = two_factions(world)
    border = next(
        (a, b)
        for a, b in zip(towns, towns[1:], strict=False)
        if a.region_id != b.region_id
        and {r.faction_id for r in world.regions.filter(pk__in=[a.region_id, b.region_id])}
        == {north.pk, south.pk}
    )
    assert border[1].pk in society_load(world_id=world.pk)[0].neighbours[border[0].pk]
    war = events.event_create(
        world=world, kind="war", aggressor=north, defender=south, severity=5, duration_ticks=1
    )
    start_and_apply(war)
    closed = routes_closed(world_id=world.pk)
    assert list(closed.values()) == [tuple(sorted((border[0].pk, border[1].pk)))]
    assert border[1].pk not in society_load(world_id=world.pk)[0].neighbours.get(border[0].pk, [])
    tick_run_inline(world=world)  # the war is over
    assert routes_closed(world_id=world.pk) == {}


def test_a_player_cannot_travel_across_a_front_but_can_go_round_it_or_after_it():
    from npcs.models import PlayerCharacter
    from npcs.travel import TravelError, character_travel
    from quests.selectors import world_facts
    from tests.factories import make_user

    world, towns = linked_world(regions=4)
    north, south = two_factions(world)
    home, far = towns[0], towns[-1]
    character = PlayerCharacter.objects.create(world=world, owner=make_user(), settlement=home, name="Ana")
    war = events.event_create(
        world=world, kind="war", aggressor=north, defender=south, severity=5, duration_ticks=1
    )
    start_and_apply(war)

    with pytest.raises(TravelError) as refused:
        character_travel(character=character, settlement_id=far.pk)
    assert "crosses the front of a war" in str(refused.value)
    assert far.pk not in world_facts(world=world).reachable_from(home.pk)  # quests see the cut road too
    tick_run_inline(world=world)  # peace
    assert character_travel(character=character, settlement_id=far.pk).destination == far


def test_the_gm_ends_a_war_early_and_cancels_a_clocked_festival():
    from datetime import timedelta

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    world, towns = linked_world(regions=4)
    north, south = two_factions(world)
    war = events.event_create(
        world=world, kind="war", aggressor=north, defender=south, severity=8, duration_ticks=240
    )
    start_and_apply(war)
    tick_run_inline(world=world)
    assert events.modifiers_by_town(events.impacts_in_force(region_id=towns[0].region_id, tick=2))

    ended = events.event_end(event=war, who="gm")

    assert (ended.status, ended.ends_tick) == ("ended", 1)
    assert events.impacts_in_force(region_id=towns[0].region_id, tick=2) == []  # no longer felt
    assert set(FactionRelation.objects.filter(world=world).values_list("stance", flat=True)) == {
        Stance.NEUTRAL
    }
    entry = ChronicleEntry.objects.get(world=world, data__ended=True)
    assert entry.text == f"{war.title} was brought to an end early by gm, after 1 hour."
    assert list(entry.causes.all()) == [war.chronicle_entry]
    with pytest.raises(events.EventError) as over:
        events.event_end(event=war, who="gm")
    assert "already ended" in over.value.message

    fair = events.event_create(
        world=world, kind="festival", settlement=towns[0], starts_at=timezone.now() + timedelta(hours=1)
    )
    events.event_start_dispatch(event=fair)
    assert PeriodicTask.objects.filter(task="world.event_start").count() == 1
    assert events.event_end(event=fair, who="gm").status == "cancelled"
    assert not PeriodicTask.objects.filter(task="world.event_start").exists()  # beat will not start it
