"""studio/formats.py: how every page writes amounts, masses, counts, dates and times."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from studio import formats


def test_amounts_are_in_euros():
    assert formats.money(4.8234) == "€4.82"
    assert formats.money(1234567) == "€1,234,567.00"
    assert formats.money(-0.4) == "-€0.40"
    assert formats.kpi("cost_per_order", 5.5) == "€5.50"
    assert formats.kpi_change("cost_per_order", -0.123) == "-€0.12"
    assert formats.kpi_change("cost_per_order", 0.5) == "+€0.50"


def test_co2_is_in_tonnes_from_a_tonne_on():
    assert formats.mass(382_427.2) == "382.4 t"
    assert formats.mass(999.94) == "999.9 kg"
    assert formats.mass(1_000) == "1.0 t"
    assert formats.kpi("co2_kg", 382_427.2) == "382.4 t"
    assert formats.kpi_change("co2_kg", -1_260.0) == "-1.3 t"


def test_counts_name_what_they_count():
    assert formats.count(20_000, "order") == "20,000 orders"
    assert formats.count(1, "order") == "1 order"
    assert formats.count(38_019, "order line") == "38,019 order lines"
    assert formats.count(3, "match", "matches") == "3 matches"
    assert formats.kpi("orders", 20_000) == "20,000"
    assert formats.kpi_change("orders", 3) == "+3"


def test_durations_are_milliseconds_under_a_second():
    assert formats.duration(0.0412) == "41 ms"
    assert formats.duration(0.0) == "0 ms"
    assert formats.duration(0.9994) == "999 ms"
    assert formats.duration(0.9996) == "1.0 s"
    assert formats.duration(75.04) == "75.0 s"
    assert formats.duration(1_234.5) == "1,234.5 s"
    assert formats.duration(None) == "–"


def test_rates_and_their_changes():
    assert formats.kpi("fill_rate", 0.9623) == "96.2 %"
    assert formats.kpi_change("fill_rate", 0.0123) == "+1.2 pts"
    assert formats.kpi_change("split_rate", -0.004) == "-0.4 pts"
    assert formats.kpi("avg_distance_km", 1234.56) == "1,234.6 km"


def test_dates_are_day_month_year():
    assert formats.date(dt.date(2026, 11, 5)) == "05/11/2026"
    assert formats.date("2026-11-15") == "15/11/2026"
    assert formats.date(pd.Timestamp("2026-12-31 23:00", tz="UTC")) == "31/12/2026"
    assert formats.date_range(dt.date(2026, 11, 15), dt.date(2026, 12, 31)) == (
        "15/11/2026 – 31/12/2026"
    )
    assert formats.date_range(dt.date(2026, 11, 15), dt.date(2026, 11, 15)) == "15/11/2026"


@pytest.mark.parametrize(
    ("moment", "zone", "shown"),
    [
        ("2026-11-15T08:30:00Z", "Europe/Paris", "15/11/2026 09:30"),  # winter: UTC+1
        ("2026-07-01T08:30:00Z", "Europe/Paris", "01/07/2026 10:30"),  # summer: UTC+2
        ("2026-12-31T23:30:00+00:00", "Europe/Paris", "01/01/2027 00:30"),  # next day there
        ("2026-11-15 08:30", "UTC", "15/11/2026 08:30"),  # no offset: UTC
    ],
)
def test_times_are_in_the_ruleset_time_zone(moment, zone, shown):
    assert formats.date_time(moment, zone) == shown


def test_a_column_of_times_keeps_its_empty_cells():
    column = pd.Series([pd.Timestamp("2026-11-15T08:30:05Z"), pd.NaT])
    assert formats.date_times(column, "Europe/Paris").tolist() == ["15/11/2026 09:30:05", ""]


def test_an_empty_figure_is_a_dash():
    assert formats.money(None) == "–"
    assert formats.mass(float("nan")) == "–"
    assert formats.kpi("fill_rate", None) == "–"
    assert formats.kpi_change("fill_rate", None) is None


def test_euro_columns_of_a_table_show_euros_and_stay_numbers():
    frame = pd.DataFrame({"order_id": ["O1"], "cost": [4.5], "unit_price": [19.9], "qty": [2]})
    settings = formats.money_columns(frame)
    assert set(settings) == {"cost", "unit_price"}
    assert all(setting["type_config"]["format"] == "€%.2f" for setting in settings.values())
