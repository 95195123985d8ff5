"""The console's world map: an inline SVG drawn on the server from the settlements' positions.

Settlements are dots coloured by faction and sized by population, routes are lines (sea lanes
dashed), capitals are ringed, and events in force are markers linking to their pages. The
drawing helpers here are pure (numbers in, numbers out) and are reused by the event page's
small map of a rumour's spread. Mounted at /map/ by gmconsole/console/urls.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from gmconsole.console import world_selectors
from gmconsole.console.access import staff_required
from gmconsole.console.views import NO_WORLD, _current_world, _page_context
from world.models import Faction, WorldEvent

NEUTRAL_COLOUR = "#8a8577"
_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")

# One colour per event kind, for markers and badges.
EVENT_COLOURS = {
    WorldEvent.Kind.WAR: "#e2715f",
    WorldEvent.Kind.FLOOD: "#76a9dc",
    WorldEvent.Kind.PLAGUE: "#a8c95a",
    WorldEvent.Kind.FAMINE: "#e0b04f",
    WorldEvent.Kind.FIRE: "#f08a3c",
    WorldEvent.Kind.FESTIVAL: "#c784c9",
    WorldEvent.Kind.QUEST: "#f0c777",
    WorldEvent.Kind.CUSTOM: "#e9e2cf",
}


def safe_colour(value: str | None, default: str = NEUTRAL_COLOUR) -> str:
    """A CSS hex colour as given by the map, or the default for anything else."""
    return value if value and _COLOUR.match(value) else default


@dataclass(frozen=True)
class Frame:
    """The SVG's user space: the world's own coordinates, so positions need no conversion."""

    width: float
    height: float

    @property
    def view_box(self) -> str:
        return f"0 0 {_n(self.width)} {_n(self.height)}"

    @property
    def scale(self) -> float:
        return max(self.width, self.height)

    def radius(self, population: int, largest: int, *, small: float = 0.0035, big: float = 0.012) -> float:
        """Dot radius by population, area-true (square root), between two fractions of the map."""
        share = math.sqrt(max(population, 0) / largest) if largest > 0 else 0.0
        return self.scale * (small + (big - small) * share)


def frame_for(*, width: float, height: float, points: Iterable[dict]) -> Frame:
    """The world's width/height, or the points' extent with a margin when the world has none."""
    if width > 0 and height > 0:
        return Frame(width=width, height=height)
    points = list(points)
    max_x = max((p["x"] for p in points), default=0.0)
    max_y = max((p["y"] for p in points), default=0.0)
    return Frame(width=max(max_x * 1.05, 100.0), height=max(max_y * 1.05, 100.0))


def _n(value: float) -> str:
    """Coordinates for SVG: one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def marker_anchor(event: WorldEvent, by_id: dict[int, dict], by_region: dict[int, list[dict]]) -> dict | None:
    """Where an event is drawn: its settlement, else its region's capital, else the region's largest;
    a war with neither, at the defender's capital (else the aggressor's)."""
    if event.settlement_id and event.settlement_id in by_id:
        return by_id[event.settlement_id]
    in_region = by_region.get(event.region_id or 0, [])
    if in_region:
        return next((s for s in in_region if s["is_capital"]), in_region[0])
    for faction_id in (event.defender_id, event.aggressor_id):
        capital = next(
            (s for s in by_id.values() if faction_id and s["faction_id"] == faction_id and s["is_capital"]),
            None,
        )
        if capital is not None:
            return capital
    return None


def world_map(
    *,
    width: float,
    height: float,
    settlements: Sequence[dict],
    routes: Sequence[dict],
    factions: Sequence[Faction],
    events: Sequence[WorldEvent],
) -> dict:
    """Everything the map template draws, with every number already computed."""
    frame = frame_for(width=width, height=height, points=settlements)
    faction_by_id = {f.pk: f for f in factions}
    colour_of = {f.pk: NEUTRAL_COLOUR if f.is_neutral else safe_colour(f.color) for f in factions}
    largest = max((s["population"] for s in settlements), default=0)
    by_id = {s["id"]: s for s in settlements}
    by_region: dict[int, list[dict]] = {}
    for s in settlements:  # largest first (the selector's order)
        by_region.setdefault(s["region_id"], []).append(s)

    dots = []
    counts: dict[int, int] = {}
    for s in reversed(settlements):  # small ones drawn last, on top of the big ones
        faction = faction_by_id.get(s["faction_id"])
        counts[s["faction_id"]] = counts.get(s["faction_id"], 0) + 1
        dots.append(
            {
                "id": s["id"],
                "name": s["name"],
                "x": _n(s["x"]),
                "y": _n(s["y"]),
                "r": _n(frame.radius(s["population"], largest)),
                "ring": _n(frame.radius(s["population"], largest) + frame.scale * 0.005),
                "colour": colour_of.get(s["faction_id"], NEUTRAL_COLOUR),
                "faction": faction.name if faction else "—",
                "population": s["population"],
                "is_capital": s["is_capital"],
                "is_port": s.get("is_port", False),
            }
        )
    lines = []
    for route in routes:
        a, b = by_id.get(route["a_id"]), by_id.get(route["b_id"])
        if a is None or b is None:
            continue
        lines.append(
            {
                "kind": route["kind"],
                "x1": _n(a["x"]),
                "y1": _n(a["y"]),
                "x2": _n(b["x"]),
                "y2": _n(b["y"]),
                "title": f"{a['name']} – {b['name']} ({route['kind']})",
            }
        )
    labels = [
        {"x": d["x"], "y": _n(float(d["y"]) - float(d["ring"]) - frame.scale * 0.004), "name": d["name"]}
        for d in dots
        if d["is_capital"]
    ]

    markers = []
    stacked: dict[int, int] = {}
    for event in events:
        anchor = marker_anchor(event, by_id, by_region)
        if anchor is None:
            continue
        nth = stacked.get(anchor["id"], 0)  # several events at one place fan out to the right
        stacked[anchor["id"]] = nth + 1
        size = frame.scale * 0.011
        x = anchor["x"] + nth * size * 2.2
        y = anchor["y"] - frame.scale * 0.016
        markers.append(
            {
                "event": event,
                "x": _n(x),
                "y": _n(y),
                "size": _n(size),
                "colour": EVENT_COLOURS.get(event.kind, "#e9e2cf"),
                "place": anchor["name"],
                "diamond": " ".join(
                    f"{_n(px)},{_n(py)}"
                    for px, py in ((x, y - size), (x + size, y), (x, y + size), (x - size, y))
                ),
            }
        )

    legend = [
        {"faction": f, "colour": colour_of[f.pk], "settlements": counts.get(f.pk, 0)}
        for f in factions
        if counts.get(f.pk)
    ]
    return {
        "frame": frame,
        "dots": dots,
        "lines": lines,
        "labels": labels,
        "markers": markers,
        "legend": legend,
        "label_size": _n(frame.scale * 0.011),
    }


HEAT = ((255, 236, 160), (240, 160, 60), (214, 60, 50))  # few → many


def heat_colour(share: float) -> str:
    """A colour from pale yellow (few) through orange to red (many) for share in 0..1."""
    share = min(max(share, 0.0), 1.0)
    pos = share * (len(HEAT) - 1)
    i = min(int(pos), len(HEAT) - 2)
    t = pos - i
    rgb = tuple(round(a + (b - a) * t) for a, b in zip(HEAT[i], HEAT[i + 1], strict=True))
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def heat_map(*, width: float, height: float, points: Sequence[dict], counts: dict[int, int]) -> dict:
    """A small map of where something was heard: every settlement a faint dot, heard ones by count."""
    frame = frame_for(width=width, height=height, points=points)
    most = max(counts.values(), default=0)
    quiet, heard = [], []
    for p in points:
        n = counts.get(p["id"], 0)
        dot = {"id": p["id"], "name": p["name"], "x": _n(p["x"]), "y": _n(p["y"]), "count": n}
        if n:
            share = n / most if most else 0.0
            dot["r"] = _n(frame.scale * (0.006 + 0.01 * math.sqrt(share)))
            dot["colour"] = heat_colour(share)
            heard.append(dot)
        else:
            dot["r"] = _n(frame.scale * 0.004)
            quiet.append(dot)
    heard.sort(key=lambda d: d["count"])  # the busiest drawn last, on top
    return {
        "frame": frame,
        "quiet": quiet,
        "heard": heard,
        "most": most,
        "scale": [{"colour": heat_colour(s), "share": s} for s in (0.0, 0.5, 1.0)],
    }


@require_GET
@staff_required
def world_map_view(request: HttpRequest) -> HttpResponse:
    world = _current_world(request)
    if world is None:
        return render(request, "console/no_world.html", _page_context(request, None, message=NO_WORLD))
    data = world_selectors.map_data(world=world)
    drawing = world_map(
        width=world.width,
        height=world.height,
        settlements=data.settlements,
        routes=data.routes,
        factions=data.factions,
        events=data.events,
    )
    context = _page_context(
        request,
        world,
        map=drawing,
        settlement_count=len(data.settlements),
        road_count=sum(1 for r in data.routes if r["kind"] != "sea"),
        sea_count=sum(1 for r in data.routes if r["kind"] == "sea"),
        event_colours=EVENT_COLOURS,
    )
    return render(request, "console/map.html", context)


urlpatterns = [
    path("", world_map_view, name="world_map"),
]
