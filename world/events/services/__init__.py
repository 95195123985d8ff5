"""Every write about world events, one module per stage; the public names are re-exported here.

- creation:    checked input, defaults, players' deeds and finished quests as events
- application: start, the chord of region impacts (each applied once), summary, retry
- lasting:     what an event in force does to each tick, price spikes, the end of events
- previewing:  the GM's preview on copies (a worker task; imported lazily, it needs the tick)
"""

from world.events.services.application import (
    event_clock,
    event_fan_out,
    event_region_apply,
    event_retry,
    event_schedule_name,
    event_start,
    event_start_dispatch,
    event_summarise,
)
from world.events.services.creation import (
    DEFAULT_DURATION,
    PLAYER_KINDS,
    PLAYER_MAX_SEVERITY,
    EventError,
    event_build,
    event_create,
    event_from_player,
    event_from_quest,
)
from world.events.services.lasting import (
    SPIKE_RATIO,
    InForce,
    event_end,
    events_tick,
    impacts_in_force,
    modifiers_by_town,
    price_spikes_record,
)


def event_preview_dispatch(**kwargs) -> str:
    """Queue a preview of an event as the form describes it (see previewing.py)."""
    from world.events.services.previewing import event_preview_dispatch as dispatch

    return dispatch(**kwargs)


__all__ = [
    "DEFAULT_DURATION",
    "PLAYER_KINDS",
    "PLAYER_MAX_SEVERITY",
    "SPIKE_RATIO",
    "EventError",
    "InForce",
    "event_build",
    "event_clock",
    "event_create",
    "event_end",
    "event_fan_out",
    "event_from_player",
    "event_from_quest",
    "event_preview_dispatch",
    "event_region_apply",
    "event_retry",
    "event_schedule_name",
    "event_start",
    "event_start_dispatch",
    "event_summarise",
    "events_tick",
    "impacts_in_force",
    "modifiers_by_town",
    "price_spikes_record",
]
