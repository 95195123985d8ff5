"""The GM console: a dashboard and settlement pages whose panels refresh themselves with htmx.

Every panel is a partial template with its own URL; the full page includes the same
partials, so a panel looks the same whether it arrived with the page or with a poll.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from kombu.exceptions import OperationalError

from economy import selectors as economy_selectors
from gmconsole.console import display
from gmconsole.console import selectors as console_selectors
from gmconsole.console import world_selectors as console_world_selectors
from gmconsole.console.access import staff_required
from npcs import selectors as npc_selectors
from world import selectors as world_selectors
from world.models import Settlement, TickRun, World
from world.services.schedules import schedule_for_world, schedule_set_enabled
from world.services.ticks import world_tick_dispatch

logger = logging.getLogger(__name__)

SESSION_WORLD_KEY = "console_world_id"
NPCS_PER_PAGE = 30
SETTLEMENTS_PER_PAGE = 50
CHRONICLE_ON_DASHBOARD = 10
TASK_RESULTS_ON_DASHBOARD = 10

BROKER_DOWN = (
    "The task broker (Redis) cannot be reached, so no tick was queued. "
    "Start Redis and a worker (make run), then try again."
)
TICK_QUEUED = "Tick queued for {world} (task {task_id})."
SCHEDULE_PAUSED = "Tick schedule for {world} paused: no scheduled ticks until you resume it."
SCHEDULE_RESUMED = "Tick schedule for {world} resumed."
NO_WORLD = "No world has been imported yet."
NO_SUCH_WORLD = "No world with id {world_id}."
TICK_BUSY = "Tick {tick} is still running; a tick started now would be skipped. Try again when it finishes."


# --- which world ---------------------------------------------------------------------------


def _int_or_none(raw: str | None) -> int | None:
    try:
        return int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _current_world(request: HttpRequest) -> World | None:
    """The world chosen with ?world= (remembered in the session), else the remembered one, else the first."""
    asked = _int_or_none(request.GET.get("world") or request.POST.get("world"))
    remembered = request.session.get(SESSION_WORLD_KEY)
    world = world_selectors.world_pick(world_id=asked if asked is not None else remembered)
    if world is not None and asked is not None and remembered != world.pk:
        request.session[SESSION_WORLD_KEY] = world.pk
    return world


def _page_context(request: HttpRequest, world: World | None, **extra) -> dict:
    """What base.html needs on every full page (the world switcher)."""
    return {"world": world, "worlds": list(world_selectors.worlds_all()), **extra}


# --- dashboard panels ----------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    text: str


def _clock_panel(world: World) -> dict:
    clock = display.world_clock(
        tick=world.current_tick,
        day=world.game_day,
        hour=world.game_hour,
        start_year=world.start_year,
        era=world.era,
    )
    return {"clock": clock}


def _ticks_panel(world: World) -> dict:
    schedule = schedule_for_world(world=world)
    recent = list(world_selectors.tick_runs_recent(world=world, limit=12))
    latest = recent[0] if recent else None
    active = world_selectors.tick_run_active(world=world)
    finished = [run for run in recent if run.duration_ms is not None]
    longest = max((run.duration_ms for run in finished), default=0) or 1
    history = [
        {"run": run, "height_pct": max(6.0, 100.0 * run.duration_ms / longest)} for run in reversed(finished)
    ]
    return {
        "latest": latest,
        "latest_duration": display.duration(latest.duration_ms) if latest else None,
        "active": active,
        "active_progress_pct": (
            100.0 * active.shards_done / active.shards_total if active and active.shards_total else 0.0
        ),
        "tick_history": history,
        "schedule": schedule,
        "schedule_health": console_selectors.schedule_health(schedule=schedule),
    }


def _population_panel(world: World) -> dict:
    return {
        "population": npc_selectors.npc_population_summary(world=world),
        "settlement_count": world_selectors.settlement_count(world=world),
    }


def _prices_panel(world: World) -> dict:
    rows = []
    for trend in economy_selectors.price_trends(world=world):
        rows.append(
            {
                "trend": trend,
                "spark": display.sparkline([price for _, price in trend.history]),
                "ticks_ago": world.current_tick - trend.then_tick if trend.then_tick is not None else None,
            }
        )
    return {"prices": rows}


def _chronicle_panel(world: World) -> dict:
    return {"chronicle": list(world_selectors.chronicle_recent(world=world, limit=CHRONICLE_ON_DASHBOARD))}


def _events_panel(world: World) -> dict:
    return {"events_now": console_world_selectors.events_in_force_with_progress(world=world)}


def _tasks_panel(world: World) -> dict:
    now = timezone.now()
    rows = [
        {
            "result": result,
            "runtime": display.duration(
                display.runtime_ms(result.date_started or result.date_created, result.date_done)
            ),
            "done_ago": display.ago(result.date_done, now=now),
        }
        for result in console_selectors.task_results_recent(limit=TASK_RESULTS_ON_DASHBOARD)
    ]
    return {"task_results": rows}


def _controls_panel(world: World) -> dict:
    return {"schedule": schedule_for_world(world=world)}


DASHBOARD_PANELS: dict[str, Callable[[World], dict]] = {
    "clock": _clock_panel,
    "ticks": _ticks_panel,
    "population": _population_panel,
    "prices": _prices_panel,
    "chronicle": _chronicle_panel,
    "events": _events_panel,
    "tasks": _tasks_panel,
}


@require_GET
@staff_required
def dashboard(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    context = _page_context(request, world)
    for build in DASHBOARD_PANELS.values():
        context.update(build(world))  # the ticks panel also gives the controls their `schedule`
    return render(request, "console/dashboard.html", context)


@require_GET
@staff_required
def dashboard_panel(request: HttpRequest, panel: str) -> HttpResponse:
    build = DASHBOARD_PANELS.get(panel)
    world = _current_world(request)
    if build is None or world is None:
        raise Http404("No such panel")
    return render(request, f"console/partials/{panel}.html", {"world": world, **build(world)})


# --- actions -------------------------------------------------------------------------------


def _controls_response(request: HttpRequest, world: World, result: ActionResult) -> HttpResponse:
    if request.htmx:
        context = {"world": world, "result": result, **_controls_panel(world)}
        return render(request, "console/partials/controls.html", context)
    (messages.success if result.ok else messages.error)(request, result.text)
    return redirect("console:dashboard")


def _world_from_post(request: HttpRequest) -> World:
    """The world an action is for: the one named, never a stand-in for an unknown one."""
    asked = _int_or_none(request.POST.get("world"))
    world = world_selectors.world_pick(world_id=asked)
    if world is None or (asked is not None and world.pk != asked):
        raise Http404(NO_WORLD if world is None else NO_SUCH_WORLD.format(world_id=asked))
    return world


@require_POST
@staff_required
def tick_now(request: HttpRequest) -> HttpResponse:
    world = _world_from_post(request)
    running = world_selectors.tick_run_active(world=world)
    if running is not None:  # it would only be skipped: say so instead of pretending to queue it
        return _controls_response(
            request, world, ActionResult(ok=False, text=TICK_BUSY.format(tick=running.tick))
        )
    try:
        task_id = world_tick_dispatch(world=world, trigger=TickRun.Trigger.CONSOLE)
    except OperationalError:
        logger.warning("Console tick for world %s not queued: broker unreachable", world.pk, exc_info=True)
        return _controls_response(request, world, ActionResult(ok=False, text=BROKER_DOWN))
    return _controls_response(
        request, world, ActionResult(ok=True, text=TICK_QUEUED.format(world=world, task_id=task_id))
    )


@require_POST
@staff_required
def schedule_toggle(request: HttpRequest) -> HttpResponse:
    world = _world_from_post(request)
    enabled = request.POST.get("enabled") in {"1", "true", "on"}
    schedule_set_enabled(world=world, enabled=enabled)
    text = (SCHEDULE_RESUMED if enabled else SCHEDULE_PAUSED).format(world=world)
    return _controls_response(request, world, ActionResult(ok=True, text=text))


# --- settlements ---------------------------------------------------------------------------


@require_GET
@staff_required
def settlement_list(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    q = request.GET.get("q", "").strip()
    region_id = _int_or_none(request.GET.get("region"))
    faction_id = _int_or_none(request.GET.get("faction"))
    settlements = world_selectors.settlements_search(
        world=world, q=q, region_id=region_id, faction_id=faction_id
    )
    page = Paginator(settlements, SETTLEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "world": world,
        "page": page,
        "q": q,
        "region_id": region_id,
        "faction_id": faction_id,
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "console/partials/settlement_results.html", context)
    context.update(
        _page_context(
            request,
            world,
            regions=world_selectors.regions_for_world(world=world),
            factions=world_selectors.factions_for_world(world=world),
        )
    )
    return render(request, "console/settlement_list.html", context)


def _settlement_or_404(settlement_id: int) -> Settlement:
    try:
        return world_selectors.settlement_detail(settlement_id=settlement_id)
    except Settlement.DoesNotExist:
        raise Http404("No such settlement") from None


def _npcs_panel(request: HttpRequest, settlement: Settlement) -> dict:
    page = Paginator(npc_selectors.npcs_in_settlement(settlement=settlement), NPCS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [{"npc": npc, "purse": display.coins(npc.purse)} for npc in page.object_list]
    return {
        "npc_page": page,
        "npc_rows": rows,
        "settlement_population": npc_selectors.npc_population_summary(settlement=settlement),
    }


def _market_panel(settlement: Settlement) -> dict:
    market = economy_selectors.market_for_settlement(settlement=settlement)
    stocks = []
    if market is not None:
        for stock in economy_selectors.market_stocks_for_settlement(settlement=settlement):
            stocks.append(
                {
                    "stock": stock,
                    "change": stock.price - stock.prev_price,
                    "fill_pct": min(100.0, 100.0 * stock.quantity / stock.target) if stock.target else None,
                }
            )
    return {"market": market, "market_cash": display.coins(market.cash) if market else None, "stocks": stocks}


@require_GET
@staff_required
def settlement_detail(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = _settlement_or_404(settlement_id)
    context = _page_context(
        request,
        settlement.world,
        settlement=settlement,
        treasury=display.coins(settlement.treasury),
        history=list(world_selectors.chronicle_for_settlement(settlement=settlement)),
        neighbours=world_selectors.settlement_neighbours(settlement=settlement),
        **_npcs_panel(request, settlement),
        **_market_panel(settlement),
    )
    return render(request, "console/settlement_detail.html", context)


@require_GET
@staff_required
def settlement_npcs(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = _settlement_or_404(settlement_id)
    context = {"settlement": settlement, **_npcs_panel(request, settlement)}
    return render(request, "console/partials/settlement_npcs.html", context)


@require_GET
@staff_required
def settlement_market(request: HttpRequest, settlement_id: int) -> HttpResponse:
    settlement = _settlement_or_404(settlement_id)
    return render(
        request,
        "console/partials/settlement_market.html",
        {"settlement": settlement, **_market_panel(settlement)},
    )
