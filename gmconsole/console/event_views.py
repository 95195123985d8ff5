"""The console's world events: the list, one event's page (its regions live while it applies, its
chronicle, its rumours' spread) and the form that previews or applies a new one.

Mounted at /events/ by gmconsole/console/urls.py (`urlpatterns` below). The writes are the
event services' (world/events/services/); the reads are in world_selectors.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from kombu.exceptions import OperationalError

from gmconsole.console import world_selectors
from gmconsole.console.access import staff_required
from gmconsole.console.map_views import EVENT_COLOURS, heat_map
from gmconsole.console.views import BROKER_DOWN, NO_WORLD, _current_world, _page_context
from world import selectors as world_reads
from world.events import services as event_services
from world.models import EventImpact, WorldEvent

logger = logging.getLogger(__name__)

EVENTS_PER_PAGE = 50
PREVIEW_HOURS = 6
PREVIEW_GOODS_SHOWN = 6

EVENT_QUEUED = "“{title}” created and sent to the workers (task {task_id})."
EVENT_CLOCKED = "“{title}” created; it starts at {when:%Y-%m-%d %H:%M %Z} (a clocked schedule)."
EVENT_NOT_QUEUED = "“{title}” was created but could not be started: " + BROKER_DOWN
RETRY_QUEUED = "Failed regions of “{title}” sent again (task {task_id})."
RETRY_NOTHING = "Nothing to retry: no region of “{title}” has failed."
ENDED = "“{title}” is over: its effects stop from this tick and the world recovers."
CANCELLED = "“{title}” is cancelled; it will not start."
NON_WAR_KINDS = " ".join(k for k in WorldEvent.Kind.values if k != WorldEvent.Kind.WAR)

# Custom event effects: form field -> (label, help). The keys are WorldEvent.effects keys.
CUSTOM_EFFECTS = {
    "safety": ("Safety shift", "−50 … 50 points"),
    "hunger": ("Hunger shift", "−10 … 10 points per hour"),
    "production": ("Production factor", "0 … 1 (1 = unchanged)"),
    "prices": ("Price factor", "0.25 … 4 (1 = unchanged)"),
    "deaths": ("Deaths", "% of the people, 0 … 20"),
    "refugees": ("Refugees", "% of the people, 0 … 30"),
}


# --- the form ----------------------------------------------------------------------------------


class EventForm(forms.Form):
    kind = forms.ChoiceField(choices=WorldEvent.Kind.choices, initial=WorldEvent.Kind.FLOOD)
    title = forms.CharField(
        max_length=200, required=False, help_text="Empty: one is made from the kind and place"
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    settlement = forms.ModelChoiceField(queryset=None, required=False, label="Epicentre settlement")
    region = forms.ModelChoiceField(queryset=None, required=False, label="or region")
    aggressor = forms.ModelChoiceField(queryset=None, required=False)
    defender = forms.ModelChoiceField(queryset=None, required=False)
    severity = forms.IntegerField(min_value=1, max_value=10, initial=5, help_text="1 minor … 10 catastrophic")
    duration_ticks = forms.IntegerField(
        min_value=1, required=False, label="Duration (ticks)", help_text="Empty: the kind's usual length"
    )
    starts_at = forms.DateTimeField(
        required=False,
        label="Start at (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: at once",
    )
    safety = forms.FloatField(required=False)
    hunger = forms.FloatField(required=False)
    production = forms.FloatField(required=False)
    prices = forms.FloatField(required=False)
    deaths = forms.FloatField(required=False)
    refugees = forms.FloatField(required=False)

    def __init__(self, *args, world, **kwargs):
        super().__init__(*args, **kwargs)
        self.world = world
        self.effects_error = ""
        self.fields["settlement"].queryset = world_selectors.settlement_choices(world=world)
        self.fields["region"].queryset = world_reads.regions_for_world(world=world)
        self.fields["aggressor"].queryset = world_selectors.faction_choices(world=world)
        self.fields["defender"].queryset = world_selectors.faction_choices(world=world)
        for name, (label, help_text) in CUSTOM_EFFECTS.items():
            self.fields[name].label = label
            self.fields[name].help_text = help_text
            self.fields[name].widget.attrs["step"] = "any"

    @property
    def kind_value(self) -> str:
        return (self.data.get("kind") if self.is_bound else self.initial.get("kind")) or WorldEvent.Kind.FLOOD

    def effect_fields(self) -> list:
        return [self[name] for name in CUSTOM_EFFECTS]

    def event_kwargs(self) -> dict:
        """What the services take, with only the fields that matter for the kind chosen."""
        data = self.cleaned_data
        kind = data["kind"]
        war = kind == WorldEvent.Kind.WAR
        effects = None
        if kind == WorldEvent.Kind.CUSTOM:
            effects = {name: data[name] for name in CUSTOM_EFFECTS if data.get(name) is not None}
        return {
            "kind": kind,
            "settlement": None if war else data.get("settlement"),
            "region": None if war else data.get("region"),
            "aggressor": data.get("aggressor") if war else None,
            "defender": data.get("defender") if war else None,
            "severity": data["severity"],
            "duration_ticks": data.get("duration_ticks"),
            "effects": effects,
        }

    def add_service_error(self, error: event_services.EventError) -> None:
        """Put the service's complaint next to the field it names."""
        if error.field == "effects":
            self.effects_error = error.message
            self.add_error(None, error.message)
        elif error.field in self.fields:
            self.add_error(error.field, error.message)
        else:
            self.add_error(None, error.message)


# --- shaping for the templates (pure) ------------------------------------------------------------


def severity_bars(severity: int) -> list[bool]:
    return [i < severity for i in range(10)]


def impact_row(impact: EventImpact) -> dict:
    effects = impact.effects or {}
    modifiers = effects.get("modifiers") or {}
    production = modifiers.get("production") or {}
    refugees = effects.get("refugees") or {}
    lost = effects.get("goods_lost") or {}
    return {
        "impact": impact,
        "intensity_pct": round(100 * impact.intensity),
        "deaths": int(effects.get("deaths") or 0),
        "refugees": sum(refugees.values()) if isinstance(refugees, dict) else int(refugees or 0),
        "goods_lost": sum(lost.values()) if isinstance(lost, dict) else int(lost or 0),
        "safety": modifiers.get("safety") or 0,
        "hunger": modifiers.get("hunger") or 0,
        "production": sorted(production.items()),
        "spikes": len(effects.get("spikes") or []),
    }


def curve_chart(curve: Sequence[Sequence[float]], *, width: int = 520, height: int = 170) -> dict | None:
    """A rumour's curve ([[tick, heard, spreaders, settlements], ...]) as SVG polylines.

    None with fewer than two points. Ticks run left to right; both lines share the y axis
    (people), which starts at zero so a flattening curve looks flat.
    """
    points = [p for p in curve if len(p) >= 3]
    if len(points) < 2:
        return None
    left, right, top, bottom = 44, 10, 10, 24
    inner_w, inner_h = width - left - right, height - top - bottom
    first, last = points[0][0], points[-1][0]
    span = (last - first) or 1
    most = max(max(p[1] for p in points), max(p[2] for p in points), 1)

    def xy(tick: float, value: float) -> str:
        x = left + inner_w * (tick - first) / span
        y = top + inner_h * (1 - value / most)
        return f"{x:.1f},{y:.1f}"

    heard = [xy(p[0], p[1]) for p in points]
    base_y = f"{top + inner_h:.1f}"
    step = _nice_step(most)
    grid = []
    value = step
    while value <= most:
        grid.append({"value": value, "y": f"{top + inner_h * (1 - value / most):.1f}"})
        value += step
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "top": top,
        "base_y": base_y,
        "heard": " ".join(heard),
        "area": " ".join([f"{left:.1f},{base_y}", *heard, f"{left + inner_w:.1f},{base_y}"]),
        "spreaders": " ".join(xy(p[0], p[2]) for p in points),
        "first_tick": first,
        "last_tick": last,
        "most": most,
        "final_heard": points[-1][1],
        "grid": grid,
    }


def _nice_step(most: float) -> int:
    """A round step for 2–5 grid lines up to `most`."""
    raw = most / 4
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if power * factor >= raw:
            return max(1, int(power * factor))
    return max(1, int(power * 10))


def _pair(value) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return None
    return None


def _changes(values: dict, *, limit: int | None = None) -> tuple[list[dict], int]:
    """[{name, base, with_event, delta, pct}] for the values that change, largest change first."""
    rows = []
    for name, value in (values or {}).items():
        pair = _pair(value)
        if pair is None:
            continue
        base, with_event = pair
        delta = with_event - base
        if abs(delta) < 1e-9:
            continue
        pct = round(100 * delta / base) if base else None
        rows.append({"name": name, "base": base, "with_event": with_event, "delta": delta, "pct": pct})
    rows.sort(key=lambda r: (-abs(r["pct"]) if r["pct"] is not None else -math.inf, r["name"]))
    hidden = 0
    if limit is not None and len(rows) > limit:
        hidden = len(rows) - limit
        rows = rows[:limit]
    return rows, hidden


def preview_rows(result: dict) -> list[dict]:
    """The preview task's result, per region, shaped for the table."""
    rows = []
    for region in result.get("regions") or []:
        prices, prices_hidden = _changes(region.get("prices") or {}, limit=PREVIEW_GOODS_SHOWN)
        production, production_hidden = _changes(region.get("production") or {}, limit=PREVIEW_GOODS_SHOWN)
        needs, _ = _changes(region.get("needs") or {})
        refugees = region.get("refugees") or 0
        rows.append(
            {
                "region_id": region.get("region_id"),
                "region": region.get("region") or f"Region {region.get('region_id')}",
                "hops": region.get("hops", 0),
                "intensity_pct": round(100 * float(region.get("intensity") or 0)),
                "deaths": region.get("deaths") or 0,
                "refugees": sum(refugees.values()) if isinstance(refugees, dict) else refugees,
                "needs": needs,
                "prices": prices,
                "prices_hidden": prices_hidden,
                "production": production,
                "production_hidden": production_hidden,
            }
        )
    return rows


# --- list ----------------------------------------------------------------------------------------


@require_GET
@staff_required
def event_list(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    status = request.GET.get("status", "")
    status = status if status in WorldEvent.Status.values else ""
    kind = request.GET.get("kind", "")
    kind = kind if kind in WorldEvent.Kind.values else ""
    page = Paginator(
        world_selectors.events_search(world=world, status=status, kind=kind), EVENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [
        {"event": e, "bars": severity_bars(e.severity), "colour": EVENT_COLOURS.get(e.kind)}
        for e in page.object_list
    ]
    context = _page_context(
        request,
        world,
        rows=rows,
        page=page,
        status=status,
        kind=kind,
        statuses=WorldEvent.Status.choices,
        kinds=WorldEvent.Kind.choices,
    )
    return render(request, "console/events.html", context)


# --- one event -----------------------------------------------------------------------------------


def _event_or_404(event_id: int) -> WorldEvent:
    try:
        return world_selectors.event_get(event_id=event_id)
    except WorldEvent.DoesNotExist:
        raise Http404("No such event") from None


def _impacts_context(event: WorldEvent, result: dict | None = None) -> dict:
    rows = [impact_row(impact) for impact in world_selectors.event_impacts(event=event)]
    counts = {status: 0 for status in EventImpact.Status.values}
    for row in rows:
        counts[row["impact"].status] = counts.get(row["impact"].status, 0) + 1
    total = len(rows)
    return {
        "event": event,
        "impact_rows": rows,
        "impact_counts": counts,
        "impacts_done_pct": 100.0 * (total - counts["pending"]) / total if total else 0.0,
        "polling": event.status == WorldEvent.Status.APPLYING,
        "can_retry": event.status == WorldEvent.Status.PARTIAL and counts["failed"] > 0,
        "totals": {
            "deaths": sum(r["deaths"] for r in rows),
            "refugees": sum(r["refugees"] for r in rows),
            "goods_lost": sum(r["goods_lost"] for r in rows),
        },
        "result": result,
    }


def _rumours_context(event: WorldEvent) -> list[dict]:
    rumours = list(world_selectors.event_rumours(event=event))
    if not rumours:
        return []
    counts = world_selectors.rumour_hearings_by_settlement(rumour_ids=[r.pk for r in rumours])
    points = world_selectors.settlement_points(world=event.world)
    return [
        {
            "rumour": rumour,
            "chart": curve_chart(rumour.curve or []),
            "map": heat_map(
                width=event.world.width,
                height=event.world.height,
                points=points,
                counts=counts.get(rumour.pk, {}),
            ),
            "settlements_heard": len(counts.get(rumour.pk, {})),
            "settlement_total": len(points),
        }
        for rumour in rumours
    ]


@require_GET
@staff_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    summary = event.summary or {}
    context = _page_context(
        request,
        event.world,
        bars=severity_bars(event.severity),
        colour=EVENT_COLOURS.get(event.kind),
        summary_facts=[
            (key.replace("_", " "), value)
            for key, value in summary.items()
            if key not in {"failed", "stances_before", "cause_entry_id", "allies"}
        ],
        chronicle=list(world_selectors.event_chronicle(event=event)),
        rumours=_rumours_context(event),
        **_impacts_context(event),
    )
    return render(request, "console/events_detail.html", context)


@require_GET
@staff_required
def event_impacts_panel(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    return render(request, "console/partials/event_impacts.html", _impacts_context(event))


@require_POST
@staff_required
def event_retry_view(request: HttpRequest, event_id: int) -> HttpResponse:
    event = _event_or_404(event_id)
    try:
        task_id = event_services.event_retry(event=event)
    except OperationalError:
        logger.warning("Retry of event %s not queued: broker unreachable", event.pk, exc_info=True)
        ok, text = False, BROKER_DOWN
    else:
        ok = task_id is not None
        text = (RETRY_QUEUED if ok else RETRY_NOTHING).format(title=event.title, task_id=task_id)
    if request.htmx:
        event = _event_or_404(event_id)  # its status moved on
        context = _impacts_context(event, result={"ok": ok, "text": text})
        return render(request, "console/partials/event_impacts.html", context)
    (messages.success if ok else messages.error)(request, text)
    return redirect("console:event_detail", event_id=event.pk)


@require_POST
@staff_required
def event_end_view(request: HttpRequest, event_id: int) -> HttpResponse:
    """End an event in force now, or cancel one still waiting to start."""
    event = _event_or_404(event_id)
    was_pending = event.status == event.Status.PENDING
    try:
        event = event_services.event_end(event=event, who=request.user.get_username())
    except event_services.EventError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (CANCELLED if was_pending else ENDED).format(title=event.title))
    return redirect("console:event_detail", event_id=event.pk)


# --- new event: form, preview, apply ------------------------------------------------------------


def _form_page(request: HttpRequest, form: EventForm, *, status: int = 200) -> HttpResponse:
    context = _page_context(
        request,
        form.world,
        form=form,
        non_war_kinds=NON_WAR_KINDS,
        is_war=form.kind_value == WorldEvent.Kind.WAR,
        is_custom=form.kind_value == WorldEvent.Kind.CUSTOM,
    )
    return render(request, "console/events_new.html", context, status=status)


@require_http_methods(["GET", "POST"])
@staff_required
def event_new(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    if request.method == "GET":
        return _form_page(request, EventForm(world=world))
    form = EventForm(request.POST, world=world)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    data = form.cleaned_data
    try:
        event = event_services.event_create(
            world=world,
            title=data["title"],
            description=data["description"],
            starts_at=data.get("starts_at"),
            origin=WorldEvent.Origin.CONSOLE,
            created_by=request.user.get_username(),
            **form.event_kwargs(),
        )
    except event_services.EventError as e:
        form.add_service_error(e)
        return _form_page(request, form, status=400)
    try:
        task_id = event_services.event_start_dispatch(event=event)
    except OperationalError:
        logger.warning("Event %s not started: broker unreachable", event.pk, exc_info=True)
        messages.error(request, EVENT_NOT_QUEUED.format(title=event.title))
    else:
        if task_id:
            messages.success(request, EVENT_QUEUED.format(title=event.title, task_id=task_id))
        else:
            messages.success(request, EVENT_CLOCKED.format(title=event.title, when=event.starts_at))
    return redirect("console:event_detail", event_id=event.pk)


def _preview_response(request: HttpRequest, **context) -> HttpResponse:
    return render(request, "console/partials/event_preview.html", context)


@require_POST
@staff_required
def event_preview_view(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        raise Http404(NO_WORLD)
    form = EventForm(request.POST, world=world)
    if not form.is_valid():
        errors = [
            " ".join(errs) if name == "__all__" else f"{form[name].label}: {' '.join(errs)}"
            for name, errs in form.errors.items()
        ]
        return _preview_response(request, errors=errors)
    try:
        task_id = event_services.event_preview_dispatch(
            world=world, hours=PREVIEW_HOURS, **form.event_kwargs()
        )
    except event_services.EventError as e:
        return _preview_response(request, errors=[e.message])
    except OperationalError:
        logger.warning("Preview not queued: broker unreachable", exc_info=True)
        return _preview_response(request, errors=[BROKER_DOWN])
    return _preview_response(request, task_id=task_id, status="PENDING", polling=True)


@require_GET
@staff_required
def event_preview_result(request: HttpRequest, task_id: str) -> HttpResponse:
    outcome = world_selectors.task_outcome(task_id=task_id)
    if not outcome.ready:
        return _preview_response(request, task_id=task_id, status=outcome.status, polling=True)
    if outcome.status != "SUCCESS" or outcome.error:
        return _preview_response(request, task_id=task_id, status=outcome.status, errors=[outcome.error])
    result = outcome.result or {}
    return _preview_response(
        request,
        task_id=task_id,
        status=outcome.status,
        result=result,
        rows=preview_rows(result),
    )


urlpatterns = [
    path("", event_list, name="event_list"),
    path("new/", event_new, name="event_new"),
    path("preview/", event_preview_view, name="event_preview"),
    path("preview/<str:task_id>/", event_preview_result, name="event_preview_result"),
    path("<int:event_id>/", event_detail, name="event_detail"),
    path("<int:event_id>/impacts/", event_impacts_panel, name="event_impacts"),
    path("<int:event_id>/retry/", event_retry_view, name="event_retry"),
    path("<int:event_id>/end/", event_end_view, name="event_end"),
]
