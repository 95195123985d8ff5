"""Writes for quests: the hook scan, and the reward escrow between a giver's purse and a quest."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from npcs.models import Npc, PlayerCharacter
from quests.hooks import MAX_OPEN_HOOKS_PER_KIND, HookCandidate, hooks_detect, hooks_pick_new
from quests.models import Quest, QuestHook
from quests.selectors import hooks_snapshot
from world.models import ChronicleEntry, Settlement, World
from world.services.chronicle import chronicle_record

# An open hook whose trouble no scan has seen for this many ticks is over.
HOOK_EXPIRE_AFTER_TICKS = 24
CHRONICLE_SUMMARIES = 3  # troubles named in the chronicle line; the rest are counted

NEW_TROUBLES = "The world took note of {count} new trouble{s}: {named}{more}"
MORE_TROUBLES = " (and {count} more)"

# --- Hook scan ------------------------------------------------------------------------------


@dataclass
class ScanResult:
    world_id: int
    tick: int
    troubles: int = 0  # troubles detected, new or known
    created: list[int] = field(default_factory=list)  # ids of new hooks
    reopened: list[int] = field(default_factory=list)  # expired or resolved hooks whose trouble is back
    refreshed: int = 0  # known open or drafted hooks seen again
    expired: int = 0  # open hooks whose trouble was not seen for HOOK_EXPIRE_AFTER_TICKS
    displaced: int = 0  # open hooks set aside for more pressing new ones (MAX_OPEN_HOOKS_PER_KIND)
    held_back: int = 0  # new troubles left for a later scan by the caps
    by_kind: dict[str, int] = field(default_factory=dict)  # new and reopened, by kind
    chronicle_id: int | None = None
    ms: int = 0

    def as_dict(self) -> dict:
        return {
            "world": self.world_id,
            "tick": self.tick,
            "troubles": self.troubles,
            "created": len(self.created),
            "reopened": len(self.reopened),
            "refreshed": self.refreshed,
            "expired": self.expired,
            "displaced": self.displaced,
            "held_back": self.held_back,
            "by_kind": self.by_kind,
            "chronicle_id": self.chronicle_id,
            "ms": self.ms,
        }


HOOK_FIELDS_FROM_CANDIDATE = (
    "kind",
    "motivation",
    "severity",
    "summary",
    "facts",
)
HOOK_REFS_FROM_CANDIDATE = {
    "settlement_id": "settlement_id",
    "region_id": "region_id",
    "route_id": "route_id",
    "item_id": "item_id",
    "faction_id": "faction_id",
    "rival_faction_id": "rival_faction_id",
    "chronicle_entry_id": "chronicle_entry_id",
    "giver_id": "giver_id",
}


def _apply(hook: QuestHook, candidate: HookCandidate, *, refs: bool) -> QuestHook:
    for name in HOOK_FIELDS_FROM_CANDIDATE:
        setattr(hook, name, getattr(candidate, name))
    if refs:
        for attr, source in HOOK_REFS_FROM_CANDIDATE.items():
            setattr(hook, attr, getattr(candidate, source))
    return hook


def _cast_involved(pairs: list[tuple[QuestHook, HookCandidate]]) -> None:
    through = QuestHook.involved.through
    through.objects.filter(questhook_id__in=[h.pk for h, _ in pairs]).delete()
    through.objects.bulk_create(
        [through(questhook_id=h.pk, npc_id=npc_id) for h, c in pairs for npc_id in c.involved_ids],
        ignore_conflicts=True,
    )


def hooks_scan(*, world: World) -> ScanResult:
    """Look for the world's troubles and keep `QuestHook` rows in step with them.

    Reads a snapshot (a few bulk queries), detects troubles (pure), then in one short
    transaction: known troubles seen again get `last_seen_tick` and fresh facts; open hooks
    unseen for HOOK_EXPIRE_AFTER_TICKS expire; new troubles (within the caps of
    `quests.hooks.hooks_pick_new`, displacing less pressing open hooks of a kind once
    MAX_OPEN_HOOKS_PER_KIND are open) become hooks, or reopen the expired/resolved hook of the same key; a
    chronicle entry names them. Keyed by (world, key): running it twice in the
    same tick changes nothing the second time.
    """
    started = time.perf_counter()
    snapshot = hooks_snapshot(world=world)
    candidates = hooks_detect(snapshot)
    tick = snapshot.tick
    result = ScanResult(world_id=world.pk, tick=tick, troubles=len(candidates))
    now = timezone.now()
    with transaction.atomic():
        # One scan of a world at a time: the next one sees this one's hooks as known.
        World.objects.select_for_update().filter(pk=world.pk).values_list("pk", flat=True).get()
        known = {
            key: (pk, status)
            for pk, key, status in QuestHook.objects.filter(world=world).values_list("pk", "key", "status")
        }
        live = {QuestHook.Status.OPEN, QuestHook.Status.DRAFTED}

        seen = [
            _apply(QuestHook(pk=known[c.key][0], last_seen_tick=tick, updated_at=now), c, refs=False)
            for c in candidates
            if c.key in known and known[c.key][1] in live
        ]
        QuestHook.objects.bulk_update(
            seen, ["last_seen_tick", "updated_at", *HOOK_FIELDS_FROM_CANDIDATE], batch_size=200
        )
        result.refreshed = len(seen)

        result.expired = QuestHook.objects.filter(
            world=world, status=QuestHook.Status.OPEN, last_seen_tick__lt=tick - HOOK_EXPIRE_AFTER_TICKS
        ).update(status=QuestHook.Status.EXPIRED, updated_at=now)

        open_hooks = list(
            QuestHook.objects.filter(world=world, status=QuestHook.Status.OPEN)
            .order_by("severity", "last_seen_tick", "id")
            .values_list("pk", "kind", "severity")
        )
        live_keys = {key for key, (_, status) in known.items() if status in live}
        choice = hooks_pick_new(
            candidates,
            known_keys=live_keys,
            open_hooks=[(kind, severity) for _, kind, severity in open_hooks],
            max_open_per_kind=MAX_OPEN_HOOKS_PER_KIND,
        )
        picked = choice.picked
        result.held_back = sum(1 for c in candidates if c.key not in live_keys) - len(picked)
        if choice.displace:
            # The least pressing open hooks of a full kind make way; they return if they rank high again.
            displaced = []
            for kind, count in choice.displace.items():
                displaced += [pk for pk, k, _ in open_hooks if k == kind][:count]
            result.displaced = QuestHook.objects.filter(pk__in=displaced).update(
                status=QuestHook.Status.EXPIRED, updated_at=now
            )

        fresh = [c for c in picked if c.key not in known]
        created = QuestHook.objects.bulk_create(
            [
                _apply(
                    QuestHook(world=world, key=c.key, detected_tick=tick, last_seen_tick=tick), c, refs=True
                )
                for c in fresh
            ]
        )
        back = [c for c in picked if c.key in known]
        reopened = [
            _apply(
                QuestHook(
                    pk=known[c.key][0],
                    status=QuestHook.Status.OPEN,
                    detected_tick=tick,
                    last_seen_tick=tick,
                    updated_at=now,
                ),
                c,
                refs=True,
            )
            for c in back
        ]
        QuestHook.objects.bulk_update(
            reopened,
            [
                "status",
                "detected_tick",
                "last_seen_tick",
                "updated_at",
                *HOOK_FIELDS_FROM_CANDIDATE,
                *HOOK_REFS_FROM_CANDIDATE,
            ],
            batch_size=200,
        )
        _cast_involved([*zip(created, fresh, strict=True), *zip(reopened, back, strict=True)])
        result.created = [h.pk for h in created]
        result.reopened = [h.pk for h in reopened]
        result.by_kind = dict(Counter(c.kind for c in picked))
        if picked:
            result.chronicle_id = _chronicle_new_troubles(world, tick, picked, [*created, *reopened]).pk
    result.ms = round((time.perf_counter() - started) * 1000)
    return result


def _chronicle_new_troubles(
    world: World, tick: int, picked: list[HookCandidate], hooks: list[QuestHook]
) -> ChronicleEntry:
    named = " ".join(c.summary for c in picked[:CHRONICLE_SUMMARIES])
    more = (
        MORE_TROUBLES.format(count=len(picked) - CHRONICLE_SUMMARIES)
        if len(picked) > CHRONICLE_SUMMARIES
        else ""
    )
    places = {c.settlement_id for c in picked}
    causes = ChronicleEntry.objects.filter(
        pk__in=[c.chronicle_entry_id for c in picked if c.chronicle_entry_id is not None]
    )
    return chronicle_record(
        world=world,
        tick=tick,
        kind=ChronicleEntry.Kind.QUEST,
        text=NEW_TROUBLES.format(
            count=len(picked), s="" if len(picked) == 1 else "s", named=named, more=more
        ),
        data={
            "hooks": sorted(h.pk for h in hooks),
            "keys": [c.key for c in picked],
            "by_kind": dict(Counter(c.kind for c in picked)),
        },
        settlement=Settlement.objects.get(pk=places.pop())
        if len(places) == 1 and None not in places
        else None,
        causes=causes,
    )


# --- Escrow ---------------------------------------------------------------------------------


class QuestEscrowError(Exception):
    """The reward cannot be moved (no giver, a dead giver, a short purse, a stranger)."""


NO_GIVER = "Quest {quest} has no giver to hold the reward from."
GIVER_DEAD = "{giver}, the giver of quest {quest}, is dead and pays no reward."
INSUFFICIENT_FUNDS = "{giver} has {purse} cp and cannot put {needed} cp in escrow for quest {quest}."
NEGATIVE_REWARD = "A reward must not be negative, got {reward} cp."
WRONG_WORLD = "{character} is not of the world of quest {quest}."


def _quest_locked(quest: Quest) -> Quest:
    """Lock order for every escrow move: the quest first, then the one purse it touches."""
    return Quest.objects.select_for_update().get(pk=quest.pk)


def _save_escrow(quest: Quest) -> None:
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["escrow_cp", "updated_at"])


def _escrow_to(quest: Quest, target: int) -> None:
    """Move money between the (locked) quest's escrow and its giver's purse until it holds `target`."""
    needed = target - quest.escrow_cp
    if needed == 0:
        return
    if quest.giver_id is None:
        raise QuestEscrowError(NO_GIVER.format(quest=quest.pk))
    giver = Npc.objects.select_for_update().get(pk=quest.giver_id)
    if needed > 0:
        if not giver.is_alive:
            raise QuestEscrowError(GIVER_DEAD.format(giver=giver, quest=quest.pk))
        if giver.purse < needed:
            raise QuestEscrowError(
                INSUFFICIENT_FUNDS.format(giver=giver, purse=giver.purse, needed=needed, quest=quest.pk)
            )
    Npc.objects.filter(pk=giver.pk).update(purse=F("purse") - needed)
    quest.escrow_cp = target


@transaction.atomic
def quest_escrow_reward(*, quest: Quest) -> Quest:
    """Hold the quest's reward back from its giver's purse, so a published quest can always pay.
    Idempotent: a reward already held is not taken twice. Money moves, never appears."""
    quest = _quest_locked(quest)
    _escrow_to(quest, quest.reward_cp)
    _save_escrow(quest)
    return quest


@transaction.atomic
def quest_reward_set(*, quest: Quest, reward_cp: int) -> Quest:
    """Change a quest's reward (a GM's edit). A quest holding its reward in escrow keeps holding
    exactly the reward: more is taken from the giver (refused if the purse is short) or the
    surplus goes back to them."""
    quest = _quest_locked(quest)
    if reward_cp < 0:
        raise QuestEscrowError(NEGATIVE_REWARD.format(reward=reward_cp))
    if quest.escrow_cp:
        _escrow_to(quest, reward_cp)
    quest.reward_cp = reward_cp
    quest.full_clean(validate_unique=False)
    quest.save(update_fields=["reward_cp", "escrow_cp", "updated_at"])
    return quest


@transaction.atomic
def quest_escrow_release(*, quest: Quest, to_character: PlayerCharacter) -> int:
    """Pay what the quest holds in escrow to the character who finished it; returns the amount."""
    quest = _quest_locked(quest)
    amount = quest.escrow_cp
    if amount == 0:
        return 0
    if to_character.world_id != quest.world_id:
        raise QuestEscrowError(WRONG_WORLD.format(character=to_character, quest=quest.pk))
    PlayerCharacter.objects.filter(pk=to_character.pk).update(  # the UPDATE locks the row
        purse=F("purse") + amount
    )
    quest.escrow_cp = 0
    _save_escrow(quest)
    return amount


@transaction.atomic
def quest_escrow_refund(*, quest: Quest) -> int:
    """Give what the quest holds in escrow back to its giver (rejected, broken, abandoned)."""
    quest = _quest_locked(quest)
    amount = quest.escrow_cp
    if amount == 0:
        return 0
    if quest.giver_id is None:
        raise QuestEscrowError(NO_GIVER.format(quest=quest.pk))
    Npc.objects.filter(pk=quest.giver_id).update(purse=F("purse") + amount)  # the UPDATE locks the row
    quest.escrow_cp = 0
    _save_escrow(quest)
    return amount
