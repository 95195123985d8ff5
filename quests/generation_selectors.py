"""Reads for quest generation: the plain-data context the narrators (template and LLM) write from."""

from __future__ import annotations

from collections import deque

from django.db.models import QuerySet

from economy.goods import FOODS
from economy.models import Item
from npcs.models import Npc
from quests.models import QuestHook
from quests.narration import NarrationContext, Person, Place
from quests.selectors import world_facts
from quests.validation import WorldFacts
from world.models import Route, Settlement

MAX_PEOPLE = 4  # involved NPCs named in a prompt


def _hops(facts: WorldFacts, origin: int) -> dict[int, int]:
    """Settlement id -> number of routes from `origin`, for those reachable."""
    seen, queue = {origin: 0}, deque([origin])
    while queue:
        here = queue.popleft()
        for other in sorted(facts.adjacency.get(here, ())):
            if other not in seen:
                seen[other] = seen[here] + 1
                queue.append(other)
    return seen


def _nearest_source(facts: WorldFacts, hops: dict[int, int], code: str, home: int) -> int | None:
    """The nearest reachable settlement other than `home` that stocks or makes `code`, else home if it does."""
    sources = facts.stocked.get(code, frozenset()) | facts.produced.get(code, frozenset())
    away = sorted((hops[s], s) for s in sources if s in hops and s != home)
    if away:
        return away[0][1]
    return home if home in sources else None


def _person(npc: Npc) -> Person:
    return Person(id=npc.pk, name=npc.name, profession=npc.profession, settlement_id=npc.settlement_id)


def narration_context(
    *, hook: QuestHook, involved_ids: list[int] | None = None, facts: WorldFacts | None = None
) -> NarrationContext:
    """Everything the narrators may name for `hook`, all of it alive, existing and reachable now."""
    hook = QuestHook.objects.select_related("settlement", "item", "route", "giver").get(pk=hook.pk)
    world = hook.world
    facts = facts if facts is not None else world_facts(world=world)
    names = dict(Settlement.objects.filter(world=world).values_list("id", "name"))

    giver = hook.giver if hook.giver is not None and hook.giver.is_alive else None
    if giver is None and hook.settlement_id is not None:  # the giver died: the richest of the place asks
        giver = (
            Npc.objects.filter(settlement_id=hook.settlement_id, is_alive=True)
            .order_by("-purse", "id")
            .first()
        )
    home_id = giver.settlement_id if giver is not None else hook.settlement_id
    hops = _hops(facts, home_id) if home_id is not None else {}

    def place(settlement_id: int | None) -> Place | None:
        return Place(id=settlement_id, name=names[settlement_id]) if settlement_id in names else None

    wanted = list(involved_ids) if involved_ids else list(hook.involved.values_list("id", flat=True))
    people = Npc.objects.filter(pk__in=wanted, world=world, is_alive=True).exclude(
        pk=giver.pk if giver else None
    )
    involved = tuple(_person(n) for n in people.order_by("id")[:MAX_PEOPLE] if n.settlement_id in hops)

    guard = None
    if home_id is not None:
        guard_row = (
            Npc.objects.filter(settlement_id=home_id, is_alive=True, profession="guard")
            .exclude(pk=giver.pk if giver else None)
            .order_by("id")
            .first()
        )
        guard = _person(guard_row) if guard_row else None

    item_code = hook.item.code if hook.item else (hook.facts or {}).get("item")
    item_name = hook.item.name if hook.item else (hook.facts or {}).get("item_name", item_code)
    source = _nearest_source(facts, hops, item_code, home_id) if item_code and home_id else None

    food = food_source = None
    if home_id is not None:
        options = [(code, _nearest_source(facts, hops, code, home_id)) for code in FOODS]
        options = [(hops[s], code, s) for code, s in options if s is not None]
        if options:
            _, food, food_source = min(options)
    food_name = Item.objects.filter(code=food).values_list("name", flat=True).first() if food else None

    route_far = None
    if hook.route_id is not None:
        route = Route.objects.filter(pk=hook.route_id).values_list("a_id", "b_id").first()
        if route:
            far = route[1] if route[0] == home_id else route[0]
            route_far = place(far)

    rival_town = None
    if hook.rival_faction_id is not None:
        theirs = Settlement.objects.filter(world=world, faction_id=hook.rival_faction_id).values_list(
            "id", flat=True
        )
        reachable = sorted((hops[s], s) for s in theirs if s in hops)
        rival_town = place(reachable[0][1]) if reachable else None

    return NarrationContext(
        hook_key=hook.key,
        kind=hook.kind,
        motivation=hook.motivation,
        summary=hook.summary,
        severity=hook.severity,
        facts=dict(hook.facts or {}),
        home=place(home_id),
        giver=_person(giver) if giver else None,
        giver_purse=facts.npcs[giver.pk].purse if giver and giver.pk in facts.npcs else 0,
        involved=involved,
        guard=guard,
        item_code=item_code if item_code in facts.item_codes else None,
        item_name=item_name,
        item_source=place(source),
        food_code=food,
        food_name=food_name,
        food_source=place(food_source),
        route_id=hook.route_id if hook.route_id in facts.routes else None,
        route_far=route_far,
        rival_town=rival_town,
        nearby=tuple(place(s) for _, s in sorted((d, s) for s, d in hops.items() if d <= 2))[:8],
    )


def hooks_without_quest(*, world_id: int | None = None) -> QuerySet[QuestHook]:
    """Open hooks no quest was generated for yet (this detection of the trouble), most pressing first."""
    qs = QuestHook.objects.filter(status=QuestHook.Status.OPEN)
    if world_id is not None:
        qs = qs.filter(world_id=world_id)
    return qs.order_by("-severity", "-last_seen_tick", "id")
