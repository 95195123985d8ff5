"""The OpenAPI document lists the answers each route can really give, and they are given."""

import pytest

from gmconsole.api import api
from tests.factories import make_npc, make_settlement

PREFIX = "/api/v1"


@pytest.fixture(scope="module")
def responses():
    schema = api.get_openapi_schema(path_prefix=PREFIX)
    return {
        (method, path.removeprefix(PREFIX)): set(op["responses"])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        ("get", "/npcs/{npc_id}/rumours", {200, 403, 404, 422}),
        ("post", "/me/travel", {200, 400, 404, 409, 422}),
        ("post", "/me/deeds", {202, 400, 404, 409, 422, 503}),
        ("get", "/settlements/{settlement_id}", {200, 404, 422}),
        ("get", "/settlements/{settlement_id}/npcs", {200, 400, 404, 422}),
        ("get", "/settlements", {200, 400, 422}),
        ("get", "/events", {200, 400, 422}),
    ],
)
def test_documented_answers(responses, method, path, codes):
    assert {int(code) for code in responses[(method, path)]} == codes


@pytest.mark.django_db
def test_the_documented_403_and_422_are_what_the_routes_answer(client, player):
    there = make_npc(settlement=make_settlement(region=player.town.region, name="Ashford"))

    elsewhere = client.get(f"{PREFIX}/npcs/{there.pk}/rumours", **player.headers)
    not_an_id = client.get(f"{PREFIX}/npcs/first/rumours", **player.headers)
    no_body = client.post(f"{PREFIX}/me/travel", content_type="application/json", **player.headers)
    bad_deed = client.post(
        f"{PREFIX}/me/deeds", data={"title": 3}, content_type="application/json", **player.headers
    )

    assert elsewhere.status_code == 403 and "Go there to ask" in elsewhere.json()["detail"]
    assert not_an_id.status_code == 422 and not_an_id.json()["detail"][0]["loc"] == ["path", "npc_id"]
    assert no_body.status_code == 422
    assert no_body.json()["detail"][0]["loc"] == ["body", "body", "settlement_id"]
    assert bad_deed.status_code == 422 and [e["loc"] for e in bad_deed.json()["detail"]] == [
        ["body", "payload", "kind"],
        ["body", "payload", "title"],
    ]
