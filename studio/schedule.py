"""When each strategy is in force, as bars on a calendar: the `effective` windows of a
ruleset in its own time zone, cut to the years shown, and the peak season to shade.

The windows are the engine's (`engine.windows`), so the timeline and the router agree
on every edge: a bare date is the whole local day, a date-time the minute, both ends
inclusive. Bars are drawn in the ruleset's local time (naive datetimes), so a window
ending on 31 December ends at the first instant of 1 January.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dsl import syntax as s
from dsl.formatter import format_effective
from engine.windows import Window, effective_window, zone

PEAK_WORD = "peak"
PEAK_SEASON = ((11, 15), (12, 31))
"""Shaded when no strategy names the peak: 15 November to 31 December, every year."""


@dataclass(frozen=True)
class Bar:
    """One window of one strategy, as drawn: local start and end (exclusive)."""

    strategy: str
    label: str
    priority: int
    start: dt.datetime
    end: dt.datetime
    open_start: bool
    """The window has no start (or starts before the years shown)."""
    open_end: bool
    text: str
    """The `effective` line, or "always" when the strategy has none."""


def year_span(first_year: int, last_year: int) -> tuple[dt.datetime, dt.datetime]:
    """The local instants that bound the years shown: 1 January to the next 1 January."""
    return dt.datetime(first_year, 1, 1), dt.datetime(last_year + 1, 1, 1)


def bars(ruleset: s.Ruleset, first_year: int, last_year: int) -> list[Bar]:
    """Every strategy's windows inside the years shown, strategies in the order they are
    tried (priority, then file order); a window outside the years gives no bar."""
    tz = zone(ruleset.timezone)
    low, high = year_span(first_year, last_year)
    out: list[Bar] = []
    for strategy in ruleset.tried_order():
        priority = strategy.tried_priority
        label = strategy.label or strategy.id
        if not strategy.effective:
            out.append(Bar(strategy.id, label, priority, low, high, True, True, "always"))
            continue
        for effective in strategy.effective:
            start, end = local_window(effective_window(effective, tz), tz)
            shown_start = max(start, low) if start is not None else low
            shown_end = min(end, high) if end is not None else high
            if shown_start >= shown_end:
                continue
            out.append(
                Bar(
                    strategy.id,
                    label,
                    priority,
                    shown_start,
                    shown_end,
                    start is None or start < low,
                    end is None or end > high,
                    format_effective(effective),
                )
            )
    return out


def local_window(window: Window, tz) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A UTC window as naive local datetimes (None stays open)."""

    def local(instant: dt.datetime | None) -> dt.datetime | None:
        return instant.astimezone(tz).replace(tzinfo=None) if instant is not None else None

    return local(window.start), local(window.end)


def peak_windows(
    ruleset: s.Ruleset, first_year: int, last_year: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The peak season to shade: the windows of strategies whose id or label says "peak",
    else 15 November to 31 December of every year shown."""
    named = [
        bar
        for bar in bars(ruleset, first_year, last_year)
        if PEAK_WORD in f"{bar.strategy} {bar.label}".lower() and bar.text != "always"
    ]
    if named:
        return _merged([(bar.start, bar.end) for bar in named])
    (start_month, start_day), (end_month, end_day) = PEAK_SEASON
    return [
        (
            dt.datetime(year, start_month, start_day),
            dt.datetime(year, end_month, end_day) + dt.timedelta(days=1),
        )
        for year in range(first_year, last_year + 1)
    ]


def years_mentioned(ruleset: s.Ruleset) -> list[int]:
    """The years of every date the ruleset's windows name."""
    years = set()
    for strategy in ruleset.strategies:
        for effective in strategy.effective:
            for moment in (effective.start, effective.end):
                if moment is not None:
                    years.add(moment.day.year)
    return sorted(years)


def _merged(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
