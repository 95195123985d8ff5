"""Issue 4's promises on the real demo world: a flood that moves production and prices, then recedes;
a war between two states whose diplomacy already says "Enemy"."""

import pytest
from django.core.management import call_command
from django.db.models import Avg, Count

from economy.models import MarketStock
from npcs.models import Npc
from tests.factories import make_user
from world.events import services as events
from world.models import (
    ChronicleEntry,
    EventImpact,
    FactionRelation,
    Settlement,
    ShardRun,
    Stance,
    World,
    WorldEvent,
)
from world.services.ticks import tick_run_inline

pytestmark = pytest.mark.django_db

HOURS_PER_TICK = 3  # a game day is 8 ticks: the test sees whole days quickly
DAY = 24 // HOURS_PER_TICK


@pytest.fixture
def mones(mones_path):
    call_command("import_items", verbosity=0)
    call_command("import_world", str(mones_path), "--people-per-npc", "1000", verbosity=0)
    world = World.objects.get()
    world.hours_per_tick = HOURS_PER_TICK
    world.save(update_fields=["hours_per_tick"])
    return world


def run_day(world) -> list[int]:
    return [tick_run_inline(world=world).tick for _ in range(DAY)]


def wheat_made(world, region_id: int, ticks: list[int]) -> int:
    shards = ShardRun.objects.filter(world=world, shard=f"region:{region_id}", tick__in=ticks)
    return sum(s.stats.get("produced", {}).get("wheat", 0) for s in shards)


def start_and_apply(event) -> None:
    for region_id in events.event_start(event_id=event.pk):
        events.event_region_apply(event_id=event.pk, region_id=region_id)
    events.event_summarise(event_id=event.pk)
    event.refresh_from_db()


def test_a_flood_moves_production_and_prices_then_recedes_and_the_gm_traces_the_spike_to_it(mones, client):
    world = mones
    farm_town = (
        Npc.objects.filter(world=world, profession="farmer")
        .values("settlement")
        .annotate(n=Count("id"))
        .order_by("-n")
    )[0]["settlement"]
    town = Settlement.objects.get(pk=farm_town)
    wheat = MarketStock.objects.get(market__settlement=town, item__code="wheat")
    day_before = run_day(world)
    wheat.refresh_from_db()
    price_before = wheat.price

    flood = events.event_create(world=world, kind="flood", settlement=town, severity=10, duration_ticks=DAY)
    start_and_apply(flood)
    during = run_day(world)
    prices_during = []
    wheat.refresh_from_db()
    prices_during.append(wheat.price)
    after = run_day(world)
    wheat.refresh_from_db()
    flood.refresh_from_db()

    reached = EventImpact.objects.filter(event=flood).count()
    assert flood.status == "ended" and reached >= 3
    # Fields under water: the epicentre region made no wheat while it lasted, and farms again after.
    made_before, made_during, made_after = (
        wheat_made(world, town.region_id, t) for t in (day_before, during, after)
    )
    # (The region's far towns, a few roads from the river, still farm a little.)
    assert made_before > 100 and made_during < made_before // 10 and made_after > made_before // 2
    # Wheat got dear while the water stood (stock lost, no harvest), and cheaper once it was gone.
    assert prices_during[0] > price_before
    assert wheat.price < prices_during[0]

    # The GM asks why bread or wheat got dear in the flooded town: the chain leads back to the flood.
    spike = (
        ChronicleEntry.objects.filter(world=world, data__spike=True, settlement=town).order_by("tick").first()
    )
    assert spike is not None, list(
        ChronicleEntry.objects.filter(data__spike=True).values_list("text", flat=True)
    )
    impact_entry = spike.causes.get()
    assert list(impact_entry.causes.all()) == [flood.chronicle_entry]
    client.force_login(make_user(is_staff=True))
    page = client.get(f"/chronicle/{spike.pk}/why/")
    assert page.status_code == 200
    html = page.content.decode()
    assert (
        spike.text.split(" (")[0] in html
        and impact_entry.text[:40] in html
        and flood.chronicle_entry.text[:40] in html
    )


def test_a_war_between_enemies_makes_both_sides_less_safe_and_is_in_the_chronicle(mones):
    world = mones
    enemies = (
        FactionRelation.objects.filter(
            world=world, stance=Stance.ENEMY, faction__is_neutral=False, other__is_neutral=False
        )
        .select_related("faction", "other")
        .first()
    )
    assert enemies is not None, "Mones has two states at enmity"
    aggressor, defender = enemies.faction, enemies.other
    sides = [aggressor.pk, defender.pk]
    run_day(world)

    def safety(faction_ids):
        return Npc.objects.filter(
            world=world, is_alive=True, settlement__faction_id__in=faction_ids
        ).aggregate(a=Avg("safety"))["a"]

    from world.events.selectors import war_allies_of

    probe = WorldEvent(world=world, kind="war", aggressor=aggressor, defender=defender)
    drawn_in = set().union(*war_allies_of(event=probe))
    others = list(world.factions.exclude(pk__in=[*sides, *drawn_in]).values_list("pk", flat=True))
    before, others_before = safety(sides), safety(others)
    war = events.event_create(world=world, kind="war", aggressor=aggressor, defender=defender, severity=8)
    start_and_apply(war)
    run_day(world)

    impacted = set(EventImpact.objects.filter(event=war).values_list("region__faction_id", flat=True))
    allies = set(war.summary["allies"]["aggressor"] + war.summary["allies"]["defender"])
    ally_ids = set(world.factions.filter(name__in=allies).values_list("pk", flat=True))
    assert impacted == set(sides) | ally_ids  # the belligerents, and whoever their alliances call to arms
    if ally_ids:  # allies are drawn in, but feel it less than the belligerents' own lands
        ally_max = max(
            EventImpact.objects.filter(event=war, region__faction_id__in=ally_ids).values_list(
                "intensity", flat=True
            )
        )
        side_max = max(
            EventImpact.objects.filter(event=war, region__faction_id__in=sides).values_list(
                "intensity", flat=True
            )
        )
        assert ally_max < side_max
    assert safety(sides) < before - 5  # both sides fear the war
    assert abs(safety(others) - others_before) < 5  # the rest of the world does not
    assert (
        ChronicleEntry.objects.filter(world=world, kind="event", text__contains="declared war").count() == 1
    )
    # Trade across the front stops: the routes between the two states are closed while the war lasts.
    from world.events.selectors import routes_closed

    closed = routes_closed(world_id=world.pk)
    assert closed, "the two states share at least one road or sea lane"
    crossing = Settlement.objects.filter(pk__in=[*closed.values()][0]).values_list("faction_id", flat=True)
    assert set(crossing) == set(sides)
