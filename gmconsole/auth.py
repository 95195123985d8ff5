"""Bearer-token authentication for the player API."""

from __future__ import annotations

from ninja.security import HttpBearer

from gmconsole.models import ApiToken, token_hash
from gmconsole.services import api_token_touch


class PlayerTokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a live token of an active user; `request.auth` is the user.

    Reads the header itself: Django Ninja's HttpBearer logs a header with another scheme
    ("Token <key>", "Basic ...") word for word at ERROR when DEBUG is on, and that would write
    the player's secret to the logs. Here a wrong scheme is simply not authenticated (401).
    """

    def __call__(self, request):
        scheme, _, token = (request.headers.get(self.header) or "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request, token: str):
        if not token:
            return None
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked=False, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        api_token_touch(token=api_token)
        request.api_token = api_token
        return api_token.user
