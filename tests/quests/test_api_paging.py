"""The quest list pages with page/page_size; other APIs' paging words answer 400 instead of being ignored."""

from __future__ import annotations

import pytest

from gmconsole.pagination import PAGING_PARAMS_REFUSED
from tests.api.test_quests_play import make_quest

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_quests(player, bread_quest):
    more = [
        make_quest(world=player.world, settlement=player.town, giver=bread_quest["baker"], title=t, reward=5)
        for t in ("Second", "Third")
    ]
    return [bread_quest["quest"], *more]


def test_pages_by_page_and_page_size(client, player, three_quests):
    first = client.get("/api/v1/quests", {"page_size": 2}, **player.headers).json()
    second = client.get("/api/v1/quests", {"page": 2, "page_size": 2}, **player.headers).json()

    assert (first["count"], second["count"]) == (3, 3)
    assert len(first["items"]) == 2 and len(second["items"]) == 1
    assert {q["id"] for q in first["items"] + second["items"]} == {q.pk for q in three_quests}


@pytest.mark.parametrize(
    ("query", "given", "verb"),
    [({"offset": 2, "limit": 1}, "limit, offset", "are"), ({"limit": 10}, "limit", "is")],
)
def test_offset_and_limit_are_refused_with_what_to_use(client, player, three_quests, query, given, verb):
    response = client.get("/api/v1/quests", query, **player.headers)

    assert response.status_code == 400
    assert response.json() == {"detail": PAGING_PARAMS_REFUSED.format(max=100, given=given, verb=verb)}
    assert "?page=N&page_size=M" in response.json()["detail"]
