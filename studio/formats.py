"""How the studio writes numbers, amounts, masses, dates and times: in one place, so every
page says them the same way. English words with the conventions of the euro area
(Babel's `en_IE` locale): `€1,234.50`, `382.4 t`, `15/11/2026`, `15/11/2026 09:30`,
times in the ruleset's time zone. Dates the user types or that go into rule text stay
ISO (`2026-11-15`), as the routing language writes them."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pandas as pd
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from simulations.charts import KPI_LABELS

LOCALE = "en_IE"
CURRENCY = "EUR"
DATE = "%d/%m/%Y"
"""Day/month/year, as the date pickers show it (DATE_INPUT)."""
DATE_INPUT = "DD/MM/YYYY"
"""The `format` of every `st.date_input`."""
TIME = "%H:%M"
TONNE_FROM_KG = 1_000.0
"""From this many kilograms on, a mass is written in tonnes."""
EMPTY = "–"


def empty(value) -> bool:
    """None, NaN and pandas' NA: a figure that has no value."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def count(value, noun: str | None = None, plural: str | None = None) -> str:
    """A whole number with thousands separators, with its noun when given:
    `count(20000, "order")` → "20,000 orders", `count(1, "order")` → "1 order"."""
    if empty(value):
        return EMPTY
    number = int(round(float(value)))
    text = format_decimal(number, locale=LOCALE)
    if noun is None:
        return text
    return f"{text} {noun if number == 1 else plural or noun + 's'}"


def number(value, decimals: int = 1) -> str:
    """A decimal number with thousands separators and exactly `decimals` decimals."""
    if empty(value):
        return EMPTY
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(float(value), format=pattern, locale=LOCALE)


def money(value, decimals: int = 2) -> str:
    """An amount in euros: "€4.82", "€1,234,567.00", "-€0.40"."""
    if empty(value):
        return EMPTY
    pattern = "¤#,##0" + ("." + "0" * decimals if decimals else "")
    return format_currency(
        float(value), CURRENCY, format=pattern, locale=LOCALE, currency_digits=False
    )


def duration(seconds) -> str:
    """How long something took: "40 ms" under a second (a quick run never reads
    "0.0 s"), "1.2 s" or "75.0 s" from a second on."""
    if empty(seconds):
        return EMPTY
    seconds = float(seconds)
    if seconds < 0.9995:
        return f"{number(seconds * 1000, 0)} ms"
    return f"{number(seconds, 1)} s"


def mass(kg, decimals: int = 1) -> str:
    """A mass given in kilograms: "812.3 kg" below a tonne, "382.4 t" from a tonne on."""
    if empty(kg):
        return EMPTY
    if abs(float(kg)) >= TONNE_FROM_KG:
        return f"{number(float(kg) / TONNE_FROM_KG, decimals)} t"
    return f"{number(kg, decimals)} kg"


def signed(text: str, value) -> str:
    """`text` (a formatted magnitude) with the sign of `value`: "+€0.12", "-1.2 t"."""
    if empty(value):
        return EMPTY
    return ("-" if float(value) < 0 else "+") + text


def as_date(value) -> dt.date | None:
    """A date from a date, a date-time, an ISO string or a pandas timestamp."""
    if empty(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def date(value) -> str:
    """A day as dd/mm/yyyy."""
    day = as_date(value)
    return EMPTY if day is None else day.strftime(DATE)


def long_date(day: dt.date, year: bool = True) -> str:
    """A day in words, "Thursday 10 December 2026" ("Thursday 10 December" without the
    year), in English whatever the machine's locale."""
    return format_date(day, "EEEE d MMMM" + (" y" if year else ""), locale=LOCALE)


def month(day: dt.date) -> str:
    """A month in words, "December 2026"."""
    return format_date(day, "MMMM y", locale=LOCALE)


def date_range(first, last) -> str:
    """Two days, "15/11/2026 – 31/12/2026" (one day once)."""
    if as_date(first) == as_date(last):
        return date(first)
    return f"{date(first)} – {date(last)}"


def local_time(value, timezone: str) -> pd.Timestamp | None:
    """A moment as the wall-clock time of `timezone`; a naive time is taken as UTC."""
    if empty(value):
        return None
    moment = pd.Timestamp(value)
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    return moment.tz_convert(ZoneInfo(timezone))


def date_time(value, timezone: str, seconds: bool = False) -> str:
    """A moment in `timezone`: "15/11/2026 09:30" (with ":05" when `seconds`)."""
    moment = local_time(value, timezone)
    if moment is None:
        return EMPTY
    return moment.strftime(DATE + " " + TIME + (":%S" if seconds else ""))


def date_times(values: pd.Series, timezone: str, seconds: bool = True) -> pd.Series:
    """A column of moments written as `date_time` writes one (empty cells stay empty)."""
    moments = pd.to_datetime(values, utc=True).dt.tz_convert(ZoneInfo(timezone))
    pattern = DATE + " " + TIME + (":%S" if seconds else "")
    return moments.dt.strftime(pattern).where(moments.notna(), "")


def zone_note(timezone: str) -> str:
    """The caption under a table of times."""
    return f"Times in {timezone}, the ruleset's time zone."


RATE_GAINS = frozenset({"fill_rate_gain"})
"""KPIs that are the difference of two rates: written in points, with their sign."""


def kpi(key: str, value) -> str:
    """A KPI of docs/kpis.md as people read it: "96.2 %", "€4.82", "382.4 t", "1.25 d",
    "+3.3 pts" (a gain in rate points)."""
    if empty(value):
        return EMPTY
    if key in RATE_GAINS:
        return signed(f"{number(abs(100 * float(value)), 1)} pts", value)
    kind = KPI_LABELS.get(key, (key, "ratio", ""))[1]
    if kind == "count":
        return count(value)
    if kind == "rate":
        return f"{number(100 * float(value), 1)} %"
    if kind == "km":
        return f"{number(value, 1)} km"
    if kind == "days":
        return f"{number(value, 2)} d"
    if kind == "kg":
        return mass(value)
    if kind == "money":
        return money(value)
    if kind == "pct":
        return f"{number(value, 1)} %"
    if kind == "pts":
        return signed(f"{number(abs(float(value)), 1)} pts", value)
    if kind == "text":
        return str(value)
    return number(value, 2)


def kpi_change(key: str, change) -> str | None:
    """A KPI's change against a baseline: rates in percentage points ("+1.2 pts"),
    amounts, masses and distances in their unit, with the sign always shown."""
    if empty(change):
        return None
    kind = KPI_LABELS.get(key, (key, "ratio", ""))[1]
    if kind == "rate":
        return signed(f"{number(abs(100 * float(change)), 1)} pts", change)
    if kind in ("pct", "pts"):
        return signed(f"{number(abs(float(change)), 1)} pts", change)
    if kind == "text":
        return None
    return signed(kpi(key, abs(float(change))), change)


def kpi_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A KPI breakdown (one row per channel, node type or day) as people read it: the
    KPIs' names as headers, each figure written as `kpi` writes it."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        if column in KPI_LABELS:
            shown[KPI_LABELS[column][0]] = frame[column].map(lambda v, c=column: kpi(c, v))
        else:
            title = column.replace("_", " ")
            shown[title[:1].upper() + title[1:]] = frame[column]
    return shown


MONEY_COLUMNS = frozenset({"cost", "unit_price", "order_value", "cost_per_order"})
"""Columns of the studio's tables that hold euros."""


def money_columns(frame: pd.DataFrame) -> dict:
    """`st.dataframe` column settings that show the euro columns of `frame` as "€4.82"
    (the cells stay numbers, so the table still sorts them)."""
    import streamlit as st

    return {
        column: st.column_config.NumberColumn(format="€%.2f")
        for column in frame.columns
        if column in MONEY_COLUMNS
    }
