"""Pure maths of an NPC's hour: needs, routines, decisions. No ORM here.

Needs are satisfaction levels 0–100 (100 = fully met). One call = one game hour.
"""

from __future__ import annotations

from dataclasses import dataclass

NEED_MIN, NEED_MAX = 0, 100

# Change per hour while awake / asleep.
HUNGER_DECAY = 4
REST_DECAY_AWAKE = 4
REST_GAIN_ASLEEP = 12
SOCIAL_DECAY = 2
SOCIAL_GAIN = 20
SOCIAL_GAIN_WITH_DRINK = 10
SAFETY_PULL_PERCENT = 10  # safety moves this share of the way to the settlement's level each hour
HOME_MEAL_NOURISHMENT = 25  # eating from the larder at home

SLEEP, EAT, WORK, SOCIALISE, IDLE = "sleep", "eat", "work", "socialise", "idle"
ACTIVITIES = (SLEEP, EAT, WORK, SOCIALISE, IDLE)


def clamp(value: int, low: int = NEED_MIN, high: int = NEED_MAX) -> int:
    return max(low, min(high, value))


def _day(*blocks: tuple[int, int, str]) -> tuple[str, ...]:
    """Build a 24-hour routine from (first_hour, last_hour, activity) blocks; the rest is idle."""
    hours = [IDLE] * 24
    for first, last, activity in blocks:
        if last < first:  # a block that runs past midnight
            last += 24
        for hour in range(first, last + 1):
            hours[hour % 24] = activity
    return tuple(hours)


_FIELD_DAY = _day(
    (0, 4, SLEEP),
    (21, 23, SLEEP),
    (5, 5, EAT),
    (6, 11, WORK),
    (12, 12, EAT),
    (13, 17, WORK),
    (18, 18, EAT),
    (19, 20, SOCIALISE),
)
_CRAFT_DAY = _day(
    (0, 5, SLEEP),
    (22, 23, SLEEP),
    (6, 6, EAT),
    (7, 12, WORK),
    (13, 13, EAT),
    (14, 18, WORK),
    (19, 19, EAT),
    (20, 21, SOCIALISE),
)
_BAKER_DAY = _day(
    (20, 23, SLEEP),
    (0, 1, SLEEP),
    (2, 8, WORK),
    (9, 9, EAT),
    (10, 12, WORK),
    (13, 13, EAT),
    (14, 16, SOCIALISE),
    (17, 17, EAT),
)
_INN_DAY = _day(
    (2, 9, SLEEP),
    (10, 10, EAT),
    (11, 12, SOCIALISE),
    (13, 13, EAT),
    (14, 19, WORK),
    (20, 20, EAT),
    (21, 1, WORK),
)
_DAY_WATCH = _CRAFT_DAY  # the day watch keeps craftsmen's hours
_NIGHT_WATCH = _day(
    (8, 15, SLEEP),
    (16, 16, SOCIALISE),
    (17, 17, EAT),
    (18, 23, WORK),
    (0, 0, EAT),
    (1, 6, WORK),
    (7, 7, SOCIALISE),
)
_PRIEST_DAY = _day(
    (0, 4, SLEEP),
    (21, 23, SLEEP),
    (5, 7, WORK),
    (8, 8, EAT),
    (9, 12, WORK),
    (13, 13, EAT),
    (14, 16, SOCIALISE),
    (17, 19, WORK),
    (20, 20, EAT),
)

ROUTINES: dict[str, tuple[str, ...]] = {
    "farmer": _FIELD_DAY,
    "herder": _FIELD_DAY,
    "hunter": _FIELD_DAY,
    "fisher": _FIELD_DAY,
    "miner": _FIELD_DAY,
    "labourer": _FIELD_DAY,
    "miller": _CRAFT_DAY,
    "brewer": _CRAFT_DAY,
    "smith": _CRAFT_DAY,
    "merchant": _CRAFT_DAY,
    "baker": _BAKER_DAY,
    "innkeeper": _INN_DAY,
    "priest": _PRIEST_DAY,
    "guard": _DAY_WATCH,
}


def routine_activity(profession: str, hour: int, npc_id: int = 0) -> str:
    """What the routine says this NPC does at this hour. Every third guard keeps the night watch."""
    if profession == "guard" and npc_id % 3 == 0:
        return _NIGHT_WATCH[hour % 24]
    return ROUTINES.get(profession, _FIELD_DAY)[hour % 24]


@dataclass(frozen=True)
class Needs:
    hunger: int
    rest: int
    social: int
    safety: int


def urgency(level: int) -> float:
    """How pressing an unmet need is: 0 when full, 1 when empty, rising steeply near empty."""
    lack = (NEED_MAX - clamp(level)) / NEED_MAX
    return lack * lack


ROUTINE_WEIGHT = 0.5  # how strongly habit pulls towards the scheduled activity
POVERTY_PURSE = 20  # cp; below this, work looks more attractive


def utility_scores(needs: Needs, scheduled: str, purse: int) -> dict[str, float]:
    """Utility of each activity for this hour (utility AI). The routine is a strong prior, needs can override it."""
    scores = {
        EAT: urgency(needs.hunger),
        SLEEP: urgency(needs.rest),
        SOCIALISE: urgency(needs.social) * 0.8,
        WORK: 0.3 if purse < POVERTY_PURSE else 0.1,
        IDLE: 0.05,
    }
    scores[scheduled] = scores.get(scheduled, 0.0) + ROUTINE_WEIGHT
    return scores


def choose_activity(needs: Needs, scheduled: str, purse: int) -> str:
    scores = utility_scores(needs, scheduled, purse)
    # Ties resolve to the routine, then in ACTIVITIES order: stable and explainable.
    return max(ACTIVITIES, key=lambda a: (round(scores[a], 6), a == scheduled, -ACTIVITIES.index(a)))


def decay_needs(needs: Needs, activity: str, safety_level: int) -> Needs:
    """The passive change of one hour: hunger and social fall; rest falls unless asleep; safety drifts."""
    rest = needs.rest + (REST_GAIN_ASLEEP if activity == SLEEP else -REST_DECAY_AWAKE)
    safety = needs.safety + round((safety_level - needs.safety) * SAFETY_PULL_PERCENT / 100)
    return Needs(
        hunger=clamp(needs.hunger - HUNGER_DECAY),
        rest=clamp(rest),
        social=clamp(needs.social - SOCIAL_DECAY),
        safety=clamp(safety),
    )


def settlement_safety(*, has_walls: bool, has_citadel: bool, guards: int, npcs: int) -> int:
    """How safe people feel in a settlement: walls, a citadel and enough guards."""
    level = 40 + (15 if has_walls else 0) + (10 if has_citadel else 0)
    if npcs:
        level += min(30, round(guards * 100 / npcs * 5))
    return clamp(level)
