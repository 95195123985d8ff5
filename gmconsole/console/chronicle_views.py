"""The console's chronicle: a filterable timeline of the world, and the "why" of any entry.

The timeline's filters are a GET form whose results htmx swaps in place; the "why" view walks
the entry's `causes` backwards level by level (see world_selectors.chronicle_why) and lists the
entries it caused. Mounted at /chronicle/ by gmconsole/console/urls.py.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from gmconsole.console import world_selectors
from gmconsole.console.access import staff_required
from gmconsole.console.views import NO_WORLD, _current_world, _int_or_none, _page_context
from world import selectors as world_reads
from world.models import ChronicleEntry

ENTRIES_PER_PAGE = 50


def _filters(request: HttpRequest) -> world_selectors.ChronicleFilters:
    kind = request.GET.get("kind", "")
    return world_selectors.ChronicleFilters(
        kind=kind if kind in ChronicleEntry.Kind.values else "",
        region_id=_int_or_none(request.GET.get("region")),
        settlement_id=_int_or_none(request.GET.get("settlement")),
        tick_from=_int_or_none(request.GET.get("tick_from")),
        tick_to=_int_or_none(request.GET.get("tick_to")),
        q=request.GET.get("q", "").strip(),
    )


@require_GET
@staff_required
def chronicle_timeline(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    filters = _filters(request)
    entries = world_selectors.chronicle_search(world=world, filters=filters)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"world": world, "page": page, "filters": filters}
    if request.htmx and not request.htmx.boosted:
        return render(request, "console/partials/chronicle_results.html", context)
    context.update(
        _page_context(
            request,
            world,
            kinds=ChronicleEntry.Kind.choices,
            regions=world_reads.regions_for_world(world=world),
            settlements=world_selectors.settlement_choices(world=world),
        )
    )
    return render(request, "console/chronicle.html", context)


@require_GET
@staff_required
def chronicle_why_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    try:
        entry = world_selectors.chronicle_entry_get(entry_id=entry_id)
    except ChronicleEntry.DoesNotExist:
        raise Http404("No such chronicle entry") from None
    why = world_selectors.chronicle_why(entry=entry)
    context = _page_context(
        request, entry.world, entry=entry, why=why, max_depth=world_selectors.WHY_MAX_DEPTH
    )
    return render(request, "console/chronicle_why.html", context)


urlpatterns = [
    path("", chronicle_timeline, name="chronicle"),
    path("<int:entry_id>/why/", chronicle_why_view, name="chronicle_why"),
]
