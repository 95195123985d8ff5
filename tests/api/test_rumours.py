"""What an NPC tells a player of a rumour: its own version of the facts, never the bookkeeping."""

import pytest

from tests.factories import make_npc
from world.api import HIDDEN_DETAIL_KEYS, player_details
from world.models import Rumour, RumourHearing, WorldEvent

pytestmark = pytest.mark.django_db


def test_hidden_keys_are_the_story_bookkeeping():
    assert {"template", "kind", "title"} <= HIDDEN_DETAIL_KEYS


def test_player_details_drop_hidden_and_id_keys_at_any_depth():
    details = {
        "what": "Flood",
        "event_id": 4,
        "sides": [{"name": "Kingdom", "faction_id": 2}],
        "who": {"name": "Mira", "npc_id": 9, "title": "the merchant"},
    }

    assert player_details(details) == {
        "what": "Flood",
        "sides": [{"name": "Kingdom"}],
        "who": {"name": "Mira"},
    }


def test_the_rumour_answer_keeps_only_the_npcs_version_of_the_facts(client, player):
    event = WorldEvent.objects.create(world=player.world, kind="flood", title="The Brightwater flood")
    teller = make_npc(settlement=player.town, name="Mira Vell", profession="merchant")
    listener = make_npc(settlement=player.town, name="Old Tom")
    rumour = Rumour.objects.create(
        world=player.world, event=event, origin_settlement=player.town, source_npc=teller, started_tick=1
    )
    RumourHearing.objects.create(
        rumour=rumour,
        npc=listener,
        settlement=player.town,
        heard_from=teller,
        heard_tick=4,
        hops=1,
        belief=0.75,
        text="A flood at Brightwater drowned 19 people",
        details={
            "what": "Flood",
            "kind": "flood",
            "title": "The Brightwater flood",
            "event_id": event.pk,
            "source_npc_id": teller.pk,
            "template": "A flood at {place} drowned {deaths} people",
            "place": "Brightwater",
            "deaths": 19,
            "fled": 40,
        },
    )

    response = client.get(f"/api/v1/npcs/{listener.pk}/rumours", **player.headers)

    assert response.status_code == 200, response.content
    assert response.json()["rumours"] == [
        {
            "rumour_id": rumour.pk,
            "text": "A flood at Brightwater drowned 19 people",
            "details": {"what": "Flood", "place": "Brightwater", "deaths": 19, "fled": 40},
            "heard_tick": 4,
            "belief": 0.75,
            "hops": 1,
            "heard_from": {"id": teller.pk, "name": "Mira Vell"},
        }
    ]
    assert "The Brightwater flood" not in response.content.decode()
