"""How numbers are shown to the GM: coins, clock, durations, sparklines. Pure functions, no ORM."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# The world has no calendar of its own yet: the console counts 365-day years from start_year.
DAYS_PER_YEAR = 365

CP_PER_GP = 100
CP_PER_SP = 10


def coins(cp: int | None) -> str:
    """12345 -> '123 gp 4 sp 5 cp' (SRD coinage: 1 gp = 10 sp = 100 cp); zero parts left out."""
    if cp is None:
        return "—"
    sign = "-" if cp < 0 else ""
    cp = abs(int(cp))
    gp, rest = divmod(cp, CP_PER_GP)
    sp, cp_left = divmod(rest, CP_PER_SP)
    parts = [f"{gp:,} gp" if gp else "", f"{sp} sp" if sp else "", f"{cp_left} cp" if cp_left else ""]
    text = " ".join(p for p in parts if p)
    return sign + (text or "0 cp")


def duration(ms: int | float | None) -> str:
    """Milliseconds for a human: '340 ms', '2.4 s', '3 min 5 s'."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs} s"


def ago(moment: datetime | None, *, now: datetime) -> str:
    """A compact age for busy tables: '8 s ago', '3 min ago', '5 h ago', '2 d ago'."""
    if moment is None:
        return "—"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


def runtime_ms(started: datetime | None, done: datetime | None) -> float | None:
    if started is None or done is None or done < started:
        return None
    return (done - started).total_seconds() * 1000


@dataclass(frozen=True)
class Clock:
    tick: int
    day: int
    hour: int
    year: int
    day_of_year: int
    era: str

    @property
    def part_of_day(self) -> str:
        if 5 <= self.hour < 8:
            return "dawn"
        if 8 <= self.hour < 12:
            return "morning"
        if 12 <= self.hour < 17:
            return "afternoon"
        if 17 <= self.hour < 21:
            return "evening"
        return "night"

    @property
    def is_night(self) -> bool:
        return self.part_of_day == "night"

    @property
    def day_fraction_pct(self) -> float:
        """How far through the day we are, for the sun/moon dial (0–100)."""
        return 100.0 * self.hour / 24


def world_clock(*, tick: int, day: int, hour: int, start_year: int, era: str) -> Clock:
    year_offset, day_index = divmod(day - 1, DAYS_PER_YEAR)
    return Clock(
        tick=tick, day=day, hour=hour, year=start_year + year_offset, day_of_year=day_index + 1, era=era
    )


def sparkline(values: Sequence[float], *, width: int = 96, height: int = 24, pad: float = 2.0) -> str:
    """SVG polyline `points` for values drawn left to right; '' with fewer than two values.

    A flat series is drawn across the middle so it still reads as a line.
    """
    if len(values) < 2:
        return ""
    low, high = min(values), max(values)
    span = high - low
    step = (width - 2 * pad) / (len(values) - 1)
    inner = height - 2 * pad
    points = []
    for i, value in enumerate(values):
        x = pad + i * step
        y = pad + inner / 2 if span == 0 else pad + inner * (1 - (value - low) / span)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)
