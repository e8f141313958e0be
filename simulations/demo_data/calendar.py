"""The retail year the demo orders follow: weekly rhythm, a quiet summer, the
January and summer sales, the November–December peak and Black Friday."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

WEEKDAY = np.array([1.08, 1.0, 0.98, 0.97, 0.95, 0.9, 1.1])
"""Monday..Sunday: online orders are highest on Sunday evening and Monday."""
MONTH = np.array([0.95, 0.9, 0.95, 1.0, 0.95, 0.95, 0.8, 0.72, 1.0, 1.05, 1.3, 1.55])
"""January..December, before the events below."""


def black_friday(year: int) -> date:
    """The last Friday of November."""
    last = date(year, 11, 30)
    return last - timedelta(days=(last.weekday() - 4) % 7)


def sales_start(year: int, month: int) -> date:
    """French sales: second Wednesday of January, last Wednesday of June."""
    if month == 1:
        first = date(year, 1, 1)
        return first + timedelta(days=(2 - first.weekday()) % 7 + 7)
    last = date(year, 6, 30)
    return last - timedelta(days=(last.weekday() - 2) % 7)


def days(start: str, count: int) -> pd.DatetimeIndex:
    return pd.date_range(pd.Timestamp(start).normalize(), periods=count, freq="D")


def demand(dates: pd.DatetimeIndex) -> np.ndarray:
    """Relative order volume of each day."""
    weight = WEEKDAY[dates.day_of_week] * MONTH[dates.month - 1]
    for year in sorted(set(dates.year)):
        friday = pd.Timestamp(black_friday(year))
        events = {
            friday: 4.5,
            friday + pd.Timedelta(days=1): 2.2,
            friday + pd.Timedelta(days=2): 2.0,
            friday + pd.Timedelta(days=3): 2.8,  # Cyber Monday
        }
        black_week = (dates >= friday - pd.Timedelta(days=6)) & (dates < friday)
        weight = np.where(black_week, weight * 1.3, weight)
        for day, factor in events.items():
            weight = np.where(dates == day, weight * factor, weight)
        december = (dates.year == year) & (dates.month == 12)
        for first, last, factor in ((8, 20, 1.25), (21, 24, 0.85), (25, 25, 0.3), (26, 31, 0.6)):
            span = december & (dates.day >= first) & (dates.day <= last)
            weight = np.where(span, weight * factor, weight)
        for month in (1, 6):
            begin = pd.Timestamp(sales_start(year, month))
            sales = (dates >= begin) & (dates < begin + pd.Timedelta(days=28))
            first_days = (dates >= begin) & (dates < begin + pd.Timedelta(days=3))
            weight = np.where(sales, weight * 1.25, weight)
            weight = np.where(first_days, weight * 1.4, weight)
    return np.asarray(weight, dtype=float)


def discount(dates: pd.DatetimeIndex) -> np.ndarray:
    """Share taken off discounted lines that day (0 outside promotions)."""
    off = np.zeros(len(dates))
    for year in sorted(set(dates.year)):
        friday = pd.Timestamp(black_friday(year))
        black = (dates >= friday) & (dates <= friday + pd.Timedelta(days=3))
        off = np.where(black, 0.25, off)
        for month in (1, 6):
            begin = pd.Timestamp(sales_start(year, month))
            sales = (dates >= begin) & (dates < begin + pd.Timedelta(days=28))
            off = np.where(sales, 0.3, off)
    return off
