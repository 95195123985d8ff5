"""The console's buttons: run one tick now, pause/resume the schedule; a dead broker is explained."""

import base64
import json

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from gmconsole.console.views import BROKER_DOWN, TICK_BUSY
from tests import factories as f
from world.services.schedules import schedule_ensure, schedule_for_world

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _take_message(broker_url: str, queue: str, task_id: str) -> dict | None:
    """Find our message on the broker's queue and remove it, so no worker of this session runs it."""
    client = redis.Redis.from_url(broker_url)
    for raw in client.lrange(queue, 0, -1):
        message = json.loads(raw)
        if message["headers"].get("id") == task_id:
            client.lrem(queue, 1, raw)
            return message
    return None


def test_run_tick_now_queues_world_tick_after_commit(
    staff_client, town, broker_url, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(reverse("console:tick_now"), {"world": town.world.pk}, headers=HTMX)

    # then: one dispatch, sent only once the request's work was committed, shown inline
    assert response.status_code == 200
    assert len(callbacks) == 1
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card span-4 panel-controls" id="panel-controls">')
    assert "result-ok" in html
    task_id = html.split("(task ")[1].split(")")[0]
    message = _take_message(broker_url, "sim", task_id)
    assert message is not None, "world.tick was not on the sim queue"
    assert message["headers"]["task"] == "world.tick"
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    assert args == [town.world.pk]
    assert kwargs == {"trigger": "console"}


@pytest.mark.django_db(transaction=True)
def test_run_tick_now_with_the_broker_down_shows_a_clear_message_not_a_500(staff_client, town, dead_broker):
    # outside a test transaction the dispatch runs at once, so the broker error reaches the view
    response = staff_client.post(reverse("console:tick_now"), {"world": town.world.pk}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "result-error" in html
    assert BROKER_DOWN in html


def test_pause_and_resume_flip_the_periodic_task(staff_client, town):
    # given the world ticks on schedule
    task, _ = schedule_ensure(world=town.world)
    assert task.enabled is True
    page = staff_client.get(reverse("console:dashboard")).content.decode()
    assert "Pause schedule</button>" in page

    # when the GM pauses it
    response = staff_client.post(
        reverse("console:schedule_toggle"), {"world": town.world.pk, "enabled": "0"}, headers=HTMX
    )

    # then beat's row is disabled and the button now offers to resume
    assert PeriodicTask.objects.get(pk=task.pk).enabled is False
    html = response.content.decode()
    assert "Tick schedule for Mones paused" in html
    assert "Resume schedule</button>" in html

    # when resumed
    staff_client.post(
        reverse("console:schedule_toggle"), {"world": town.world.pk, "enabled": "1"}, headers=HTMX
    )
    assert PeriodicTask.objects.get(pk=task.pk).enabled is True


def test_resume_without_a_schedule_creates_one(staff_client, town):
    assert schedule_for_world(world=town.world) is None

    staff_client.post(
        reverse("console:schedule_toggle"), {"world": town.world.pk, "enabled": "1"}, headers=HTMX
    )

    assert schedule_for_world(world=town.world).enabled is True


def test_buttons_work_without_javascript_through_a_redirect_and_a_message(staff_client, town):
    schedule_ensure(world=town.world)

    response = staff_client.post(
        reverse("console:schedule_toggle"), {"world": town.world.pk, "enabled": "0"}, follow=True
    )

    assert response.redirect_chain == [(reverse("console:dashboard"), 302)]
    assert "Tick schedule for Mones paused" in response.content.decode()


def test_actions_need_post_and_csrf(client, town):
    client.force_login(f.make_user(is_staff=True))
    assert client.get(reverse("console:tick_now")).status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(f.make_user(is_staff=True))
    response = strict.post(reverse("console:schedule_toggle"), {"world": town.world.pk, "enabled": "0"})
    assert response.status_code == 403


def test_run_tick_now_while_a_tick_runs_says_so_and_queues_nothing(
    staff_client, town, django_capture_on_commit_callbacks
):
    from world.services.ticks import tick_begin

    tick_begin(world=town.world)  # tick running, not finished

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = staff_client.post(reverse("console:tick_now"), {"world": town.world.pk}, headers=HTMX)

    assert response.status_code == 200 and callbacks == []
    html = response.content.decode()
    assert TICK_BUSY.format(tick=town.world.current_tick + 1).replace("'", "&#x27;") in html


@pytest.mark.parametrize("url_name", ["console:tick_now", "console:schedule_toggle"])
def test_an_action_for_an_unknown_world_is_404_not_another_world(staff_client, town, url_name):
    response = staff_client.post(
        reverse(url_name), {"world": town.world.pk + 999, "enabled": "0"}, headers=HTMX
    )

    assert response.status_code == 404
    assert schedule_for_world(world=town.world) is None  # nothing happened to the real world


def test_a_failing_schedule_is_shown_on_the_dashboard(staff_client, town):
    from django_celery_results.models import TaskResult

    schedule, _ = schedule_ensure(world=town.world)
    TaskResult.objects.create(
        task_id="beat-1",
        task_name="world.tick",
        periodic_task_name=schedule.name,
        status="FAILURE",
        result=json.dumps(
            {
                "exc_type": "ValueError",
                "exc_message": ["world_id must be an integer id of a World, got 'abc'"],
            }
        ),
        content_type="application/json",
    )

    html = staff_client.get(reverse("console:panel", args=["ticks"])).content.decode()

    assert "Last scheduled run failed" in html
    assert "ValueError: world_id must be an integer id of a World, got &#x27;abc&#x27;" in html
