"""Writes of rumours: start one at an NPC, spread every rumour of a world one step (in bulk).

A step for one rumour reads the rumour (locked), who has heard it and its spreaders in three
queries, runs the pure `world.rumours.sim.spread_step`, then bulk-creates the new hearings and
the "word reached X" chronicle entries (with their causes) and bulk-updates the spreaders. The
world's people and routes are read once per world and step, whatever the number of rumours.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping

from django.db import transaction

from gmconsole.bulk_update import bulk_update_values
from gmconsole.dispatch import dispatch_on_commit
from npcs.models import Npc
from world.events.selectors import routes_closed
from world.models import ChronicleEntry, Route, Rumour, RumourHearing, Settlement, World, WorldEvent
from world.rumours import sim
from world.services.chronicle import chronicle_record

logger = logging.getLogger(__name__)

DETAILS_NOT_A_DICT = "The rumour's details must be a JSON object (a dict), got {kind}."
DETAILS_EMPTY = (
    "The rumour's details are empty: say what happened, e.g. {{'what': 'a flood', 'place': 'Searing'}}."
)
DETAILS_NOT_JSON = "The rumour's details must be plain JSON (text, numbers, lists, objects): {error}"
DETAILS_TOO_BIG = "The rumour's details are too long ({size} characters; at most {limit})."
NPC_DEAD = "{npc} is dead: the dead start no rumours."
NPC_OTHER_WORLD = "{npc} lives in another world than {world}."
DETAILS_MAX_CHARS = 4000
HEARINGS_BATCH = 500
CHRONICLE_QUOTE_CHARS = 90


def rumour_details_check(details) -> dict:
    """Details as given by a GM, a schedule edited by hand or an event: a small JSON object."""
    if not isinstance(details, Mapping):
        raise ValueError(DETAILS_NOT_A_DICT.format(kind=type(details).__name__))
    if not details:
        raise ValueError(DETAILS_EMPTY)
    try:
        encoded = json.dumps(details, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(DETAILS_NOT_JSON.format(error=error)) from None
    if len(encoded) > DETAILS_MAX_CHARS:
        raise ValueError(DETAILS_TOO_BIG.format(size=len(encoded), limit=DETAILS_MAX_CHARS))
    return json.loads(encoded)  # string keys, a copy the caller can't change under us


def _quote(text: str) -> str:
    text = text.strip()
    return text if len(text) <= CHRONICLE_QUOTE_CHARS else text[: CHRONICLE_QUOTE_CHARS - 1].rstrip() + "…"


@transaction.atomic
def rumour_start(
    *,
    world: World,
    source_npc: Npc,
    details: dict,
    text: str = "",
    event: WorldEvent | None = None,
    causes: Iterable[ChronicleEntry] = (),
) -> Rumour:
    """`source_npc` starts telling `details`: the rumour, its first hearing and a chronicle entry.

    It spreads from the next tick on (`rumours_spread`). Without `causes`, an event's own
    chronicle entry is the cause.
    """
    details = rumour_details_check(details)
    if source_npc.world_id != world.pk:
        raise ValueError(NPC_OTHER_WORLD.format(npc=source_npc.name, world=world.name))
    if not source_npc.is_alive:
        raise ValueError(NPC_DEAD.format(npc=source_npc.name))
    tick = World.objects.filter(pk=world.pk).values_list("current_tick", flat=True).get()
    settlement = Settlement.objects.get(pk=source_npc.settlement_id)
    text = (text or "").strip() or sim.render_text(details)
    causes = list(causes)
    if not causes and event is not None and event.chronicle_entry_id:
        causes = [event.chronicle_entry]
    rumour = Rumour.objects.create(
        world=world,
        event=event,
        origin_settlement=settlement,
        source_npc=source_npc,
        details=details,
        text=text,
        started_tick=tick,
        last_step_tick=tick,  # the first step is the next tick's
        heard_count=1,
        spreaders=1,
        settlements_reached=1,
        curve=[[tick, 1, 1, 1]],
    )
    entry = chronicle_record(
        world=world,
        tick=tick,
        kind=ChronicleEntry.Kind.RUMOUR,
        text=f"A rumour starts in {settlement.name}, told by {source_npc.name}: “{_quote(text)}”",
        data={"rumour": rumour.pk, "npc": source_npc.pk, "details": details},
        region=settlement.region,
        settlement=settlement,
        causes=causes,
    )
    rumour.chronicle_entry = entry
    rumour.save(update_fields=["chronicle_entry"])
    RumourHearing.objects.create(
        rumour=rumour,
        npc=source_npc,
        settlement=settlement,
        heard_from=None,
        heard_tick=tick,
        hops=0,
        details=details,
        text=text,
        belief=1.0,
        is_spreading=True,
    )
    return rumour


# --- spreading --------------------------------------------------------------------------------


def society_load(*, world_id: int) -> tuple[sim.Society, dict[int, int]]:
    """The living people and the routes of a world (three queries); also settlement → region."""
    settlements = list(Settlement.objects.filter(world_id=world_id).values_list("id", "name", "region_id"))
    society = sim.society_build(
        npcs=Npc.objects.filter(world_id=world_id, is_alive=True).values_list(
            "id", "settlement_id", "profession", "name"
        ),
        # Travellers do not cross a front: news goes round a war, not through it.
        routes=Route.objects.filter(world_id=world_id)
        .exclude(pk__in=list(routes_closed(world_id=world_id)))
        .values_list("a_id", "b_id"),
        settlement_names={sid: name for sid, name, _ in settlements},
    )
    return society, {sid: region_id for sid, _, region_id in settlements}


SPREADER_COLUMNS = (
    "id",
    "npc_id",
    "settlement_id",
    "heard_tick",
    "hops",
    "details",
    "belief",
    "is_spreading",
    "knowers_met",
    "heard_from_id",
    "text",
)


def _reached_entries(
    *,
    rumour: Rumour,
    tick: int,
    arrivals: list[sim.Hearing],
    society: sim.Society,
    region_of: Mapping[int, int],
) -> list[ChronicleEntry]:
    entries = []
    for hearing in arrivals:
        name = society.settlement_names.get(hearing.settlement_id, "?")
        teller = hearing.heard_from
        teller_home = society.settlement_of.get(teller) if teller is not None else None
        by = ""
        if teller is not None:
            by = f", told by {society.npc_names.get(teller, 'someone')}"
            if teller_home is not None and teller_home != hearing.settlement_id:
                by += f" of {society.settlement_names.get(teller_home, '?')}"
        entries.append(
            ChronicleEntry(
                world_id=rumour.world_id,
                tick=tick,
                kind=ChronicleEntry.Kind.RUMOUR,
                region_id=region_of.get(hearing.settlement_id),
                settlement_id=hearing.settlement_id,
                text=f"Word of “{_quote(rumour.text)}” reached {name}{by}.",
                data={
                    "rumour": rumour.pk,
                    "npc": hearing.npc_id,
                    "heard_from": teller,
                    "hops": hearing.hops,
                    "belief": hearing.belief,
                    "version": hearing.details,
                    "text": hearing.text,
                },
            )
        )
    return entries


def rumour_step(
    *,
    rumour_id: int,
    tick: int,
    society: sim.Society,
    region_of: Mapping[int, int],
    params: sim.SpreadParams = sim.DEFAULT_PARAMS,
) -> dict:
    """One step of one rumour at `tick`, once: a rumour already stepped at `tick` is left alone."""
    with transaction.atomic():
        rumour = (
            Rumour.objects.select_for_update()
            .filter(pk=rumour_id, status=Rumour.Status.SPREADING, last_step_tick__lt=tick)
            .first()
        )
        if rumour is None:
            return {"rumour": rumour_id, "skipped": True}
        hearings = RumourHearing.objects.filter(rumour=rumour)
        heard = dict(hearings.values_list("npc_id", "settlement_id"))
        spreaders = [
            sim.Hearing(
                id=row[0],
                npc_id=row[1],
                settlement_id=row[2],
                heard_tick=row[3],
                hops=row[4],
                details=row[5],
                belief=row[6],
                is_spreading=row[7],
                knowers_met=row[8],
                heard_from=row[9],
                text=row[10],
            )
            for row in hearings.filter(is_spreading=True).order_by("npc_id").values_list(*SPREADER_COLUMNS)
        ]
        known = set(heard)
        outcome = sim.spread_step(
            spreaders=spreaders,
            known=known,
            society=society,
            tick=tick,
            rng=sim.rumour_rng(rumour.pk, tick),
            params=sim.newsworthy(rumour.details, params),
        )
        RumourHearing.objects.bulk_create(
            [
                RumourHearing(
                    rumour=rumour,
                    npc_id=h.npc_id,
                    settlement_id=h.settlement_id,
                    heard_from_id=h.heard_from,
                    heard_tick=h.heard_tick,
                    hops=h.hops,
                    details=h.details,
                    text=h.text,
                    belief=h.belief,
                    is_spreading=h.is_spreading,
                    knowers_met=h.knowers_met,
                )
                for h in outcome.new
            ],
            batch_size=HEARINGS_BATCH,
        )
        bulk_update_values(
            RumourHearing,
            ["is_spreading", "knowers_met"],
            [(h.id, h.is_spreading, h.knowers_met) for h in outcome.changed],
        )
        reached = set(heard.values())
        arrivals = sim.first_arrivals(outcome.new, reached)
        entries = ChronicleEntry.objects.bulk_create(
            _reached_entries(
                rumour=rumour, tick=tick, arrivals=arrivals, society=society, region_of=region_of
            )
        )
        if entries and rumour.chronicle_entry_id:
            Through = ChronicleEntry.causes.through
            Through.objects.bulk_create(
                [
                    Through(from_chronicleentry_id=e.pk, to_chronicleentry_id=rumour.chronicle_entry_id)
                    for e in entries
                ]
            )
        spreading = outcome.spreaders_left(spreaders)
        rumour.heard_count = len(heard) + len(outcome.new)
        rumour.spreaders = spreading
        rumour.settlements_reached = len(reached) + len(arrivals)
        rumour.curve = [*rumour.curve, [tick, rumour.heard_count, spreading, rumour.settlements_reached]]
        rumour.last_step_tick = tick
        if spreading == 0:
            rumour.status = Rumour.Status.STOPPED
        rumour.save(
            update_fields=[
                "heard_count",
                "spreaders",
                "settlements_reached",
                "curve",
                "last_step_tick",
                "status",
            ]
        )
    return {
        "rumour": rumour.pk,
        "told": outcome.told,
        "contacts": outcome.contacts,
        "fell_silent": outcome.fell_silent,
        "heard": rumour.heard_count,
        "spreaders": spreading,
        "settlements": rumour.settlements_reached,
        "new_settlements": len(arrivals),
        "stopped": rumour.status == Rumour.Status.STOPPED,
    }


def rumours_spread(*, world: World, tick: int, params: sim.SpreadParams = sim.DEFAULT_PARAMS) -> dict:
    """Every spreading rumour of `world` takes its step for `tick` (each at most once per tick)."""
    started = time.perf_counter()
    rumour_ids = list(
        Rumour.objects.filter(world=world, status=Rumour.Status.SPREADING, last_step_tick__lt=tick)
        .order_by("id")
        .values_list("id", flat=True)
    )
    steps = []
    if rumour_ids:
        society, region_of = society_load(world_id=world.pk)
        steps = [
            rumour_step(rumour_id=rid, tick=tick, society=society, region_of=region_of, params=params)
            for rid in rumour_ids
        ]
    done = [s for s in steps if not s.get("skipped")]
    return {
        "world": world.pk,
        "tick": tick,
        "rumours": len(done),
        "told": sum(s["told"] for s in done),
        "new_settlements": sum(s["new_settlements"] for s in done),
        "stopped": sum(s["stopped"] for s in done),
        "ms": round((time.perf_counter() - started) * 1000),
    }


def rumours_spread_dispatch(*, world_id: int, tick: int) -> str | None:
    """After a tick: queue the rumours' step (on commit) when the world has a spreading rumour."""
    if not Rumour.objects.filter(world_id=world_id, status=Rumour.Status.SPREADING).exists():
        return None
    from world.tasks.rumours import rumours_spread_task

    return dispatch_on_commit(rumours_spread_task, world_id, tick)
