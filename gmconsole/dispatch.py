"""Send a task once the current transaction commits, and know its id straight away."""

from __future__ import annotations

import uuid

from celery import Task
from django.db import transaction


def dispatch_on_commit(task: Task, *args, **kwargs) -> str:
    """Queue `task` after commit (immediately outside a transaction); return the task id.

    The id is chosen here so a view or API route can answer 202 with a status URL before
    the message is even sent. A broker that is down raises kombu's OperationalError.
    """
    task_id = str(uuid.uuid4())
    transaction.on_commit(lambda: task.apply_async(args=args, kwargs=kwargs, task_id=task_id))
    return task_id
