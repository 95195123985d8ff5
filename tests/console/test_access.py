"""Only staff use the console: anonymous users log in first, other users are refused."""

import pytest
from django.urls import reverse

from tests import factories as f

pytestmark = pytest.mark.django_db


def _console_urls(town) -> list[str]:
    s = town.home.pk
    return [
        reverse("console:dashboard"),
        *(
            reverse("console:panel", args=[p])
            for p in ("clock", "ticks", "population", "prices", "chronicle", "tasks")
        ),
        reverse("console:settlement_list"),
        reverse("console:settlement_detail", args=[s]),
        reverse("console:settlement_npcs", args=[s]),
        reverse("console:settlement_market", args=[s]),
    ]


def test_anonymous_user_is_sent_to_the_admin_login(client, town):
    for url in _console_urls(town):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{reverse('admin:login')}?next={url}"


def test_anonymous_htmx_poll_asks_the_browser_to_load_the_login_page(client, town):
    page = reverse("console:settlement_detail", args=[town.home.pk])
    response = client.get(
        reverse("console:settlement_npcs", args=[town.home.pk]),
        headers={"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == f"{reverse('admin:login')}?next={page}"


def test_logged_in_user_who_is_not_staff_gets_403(client, town):
    client.force_login(f.make_user(is_staff=False))
    for url in _console_urls(town):
        assert client.get(url).status_code == 403, url


def test_logged_in_user_who_is_not_staff_cannot_post_actions(client, town):
    client.force_login(f.make_user(is_staff=False))
    for name in ("console:tick_now", "console:schedule_toggle"):
        response = client.post(reverse(name), {"world": town.world.pk, "enabled": "0"})
        assert response.status_code == 403


def test_staff_user_sees_every_page(staff_client, town):
    for url in _console_urls(town):
        assert staff_client.get(url).status_code == 200, url


def test_unknown_panel_and_settlement_are_404(staff_client, town):
    assert staff_client.get(reverse("console:panel", args=["nope"])).status_code == 404
    assert staff_client.get(reverse("console:settlement_detail", args=[999_999])).status_code == 404


def test_console_without_any_world_says_so(staff_client):
    response = staff_client.get(reverse("console:dashboard"))
    assert response.status_code == 200
    assert "No world has been imported yet." in response.content.decode()
