"""Bearer-token authentication for the player API."""

from __future__ import annotations

from ninja.security import HttpBearer

from gmconsole.models import ApiToken, token_hash
from gmconsole.services import api_token_touch


class PlayerTokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a live token of an active user; `request.auth` is the user."""

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
