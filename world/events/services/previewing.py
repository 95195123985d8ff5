"""Preview an event before committing it: the pure simulation runs on copies of the regions it reaches.

Reads only; nothing in the world changes. Runs on a worker (`world.event_preview`) because a
war can reach thousands of NPCs; the console polls the task's result.
"""

from __future__ import annotations

from economy.services.books import books_load
from gmconsole.dispatch import dispatch_on_commit
from npcs.models import Npc
from world.events import sim as event_sim
from world.events.preview import preview_region
from world.events.selectors import event_town_reach, world_graph
from world.events.services.creation import event_build
from world.models import Faction, Region, Settlement, World, WorldEvent
from world.services.ticks import npc_states, safety_levels, tick_hours

MAX_HOURS = 48
PREVIEW_NOTE = (
    "The next hours only, each region run twice on copies: as it would go, and with the event. "
    "Where stock is destroyed, producers may make more than usual: the merchants buy to refill "
    "their shelves."
)


def _spec_of(event: WorldEvent) -> dict:
    return {
        "kind": event.kind,
        "settlement_id": event.settlement_id,
        "region_id": event.region_id,
        "aggressor_id": event.aggressor_id,
        "defender_id": event.defender_id,
        "severity": event.severity,
        "duration_ticks": event.duration_ticks,
        "effects": event.effects,
    }


def _event_from_spec(world: World, spec: dict) -> WorldEvent:
    def get(model, key):
        pk = spec.get(key)
        return model.objects.filter(pk=pk, world=world).first() if pk else None

    return event_build(
        world=world,
        kind=spec.get("kind", ""),
        settlement=get(Settlement, "settlement_id"),
        region=get(Region, "region_id"),
        aggressor=get(Faction, "aggressor_id"),
        defender=get(Faction, "defender_id"),
        severity=spec.get("severity", 5),
        duration_ticks=spec.get("duration_ticks"),
        effects=spec.get("effects"),
    )


def event_preview(*, world_id: int, spec: dict, hours: int = 6) -> dict:
    """Per region reached: deaths, refugees, needs, prices and production, without and with the event."""
    world = World.objects.get(pk=world_id)
    event = _event_from_spec(world, spec)
    hours = max(1, min(MAX_HOURS, int(hours)))
    graph = world_graph(world_id=world.pk)
    towns = event_town_reach(event=event, graph=graph)
    reach = event_sim.by_region(towns, graph.region_of)
    names = dict(Region.objects.filter(pk__in=list(reach)).values_list("id", "name"))
    first_tick = world.current_tick + 1
    clock = [h for t in range(first_tick, first_tick + hours) for h in tick_hours(world, t)][:hours]
    regions = []
    for region_id, (hops, _) in sorted(reach.items(), key=lambda kv: (kv[1][0], -kv[1][1], kv[0])):
        npcs = npc_states(Npc.objects.filter(region_id=region_id, is_alive=True).order_by("id"))
        loaded = books_load(region_id=region_id)
        safety = safety_levels(list(loaded.books) + list(loaded.treasury_only), npcs)
        result = preview_region(
            npcs,
            loaded.books,
            safety,
            kind=event.kind,
            towns={t: v[1] for t, v in towns.items() if graph.region_of[t] == region_id},
            effects=event.effects,
            hours=clock,
            first_tick=first_tick,
            seed=region_id,
            epicentre=event.settlement_id,
        )
        regions.append({"region_id": region_id, "region": names.get(region_id, ""), "hops": hops, **result})
    return {
        "title": event.title,
        "kind": event.kind,
        "hours": hours,
        "regions": regions,
        "error": "",
        "note": PREVIEW_NOTE,
    }


def event_preview_dispatch(
    *,
    world: World,
    kind: str,
    settlement=None,
    region=None,
    aggressor=None,
    defender=None,
    severity=5,
    duration_ticks=None,
    effects=None,
    hours: int = 6,
) -> str:
    """Check the event as the form gave it (EventError if bad), then queue its preview; returns the task id."""
    from world.tasks.events import event_preview_task

    event = event_build(
        world=world,
        kind=kind,
        settlement=settlement,
        region=region,
        aggressor=aggressor,
        defender=defender,
        severity=severity,
        duration_ticks=duration_ticks,
        effects=effects,
    )
    return dispatch_on_commit(event_preview_task, world.pk, _spec_of(event), hours)
