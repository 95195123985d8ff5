"""Who may use the console: staff. Anonymous users go to the admin login, others get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like admin's `staff_member_required`, but a logged-in non-staff user gets 403.

    Redirecting such a user to the login page (what Django's decorator does) only shows
    them a form they cannot get past. An htmx poll whose session expired asks the browser
    to load the login page as a whole instead of swapping it into a panel.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            htmx = getattr(request, "htmx", None)
            if htmx and not htmx.boosted:
                login = redirect_to_login(
                    htmx.current_url_abs_path or request.get_full_path(), resolve_url(settings.LOGIN_URL)
                )
                return HttpResponseClientRedirect(login.url)
            return redirect_to_login(request.get_full_path(), resolve_url(settings.LOGIN_URL))
        if not (user.is_active and user.is_staff):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
