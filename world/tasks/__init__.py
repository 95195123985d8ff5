"""World tasks, one module per system; imported here so Celery's autodiscovery finds them all."""

from world.tasks import events, rumours  # noqa: F401  (registers their tasks)
from world.tasks.ticks import (
    BAD_WORLD_ID,
    NO_SUCH_WORLD,
    region_tick_task,
    schedule_world_id,
    tick_fail_task,
    tick_finish_task,
    world_tick_task,
)

__all__ = [
    "BAD_WORLD_ID",
    "NO_SUCH_WORLD",
    "region_tick_task",
    "schedule_world_id",
    "tick_fail_task",
    "tick_finish_task",
    "world_tick_task",
]
