"""Quest tasks, one module per stage; imported here so Celery's autodiscovery finds them all."""

from quests.tasks import generation, play  # noqa: F401  (registers their tasks)
from quests.tasks.hooks import NO_SUCH_WORLD, scan_hooks_task
from world.tasks import BAD_WORLD_ID

__all__ = ["BAD_WORLD_ID", "NO_SUCH_WORLD", "scan_hooks_task"]
