"""The delivery-promise KPIs of docs/kpis.md checked to their exact values on a small run
worked out by hand, and a run without carriers left exactly as it was.

Nodes DC1 (dc) and ST1 (store); time zone Europe/Paris (UTC+1 in December 2026: 3 Dec
is a Thursday). Final decisions, each shipment as node, carrier service, pick / ship /
promised date, CO2, capped, cost:

  P1 web  12-03 10:00, promised_days 2: DC1 chronopost express 12-03/12-03/12-04, 1.4 kg,
          cost 12 -> promised 12-04, 1 day (next day), on time (1 <= 2)
  P2 web  12-03 17:00, promised_days 1, requested 12-05: ST1 colissimo standard
          12-04/12-04/12-07, 0.8 kg, capped, cost 6.5 (picked the day after: missed a
          cut-off); DC1 chronopost express 12-03/12-03/12-04, 2.1 kg, cost 11 -> promised
          12-07 (the latest), 4 days, late (12-07 > requested 12-05; the request wins)
  P3 mkt  12-05 00:30 (12-04 23:30 UTC), nothing promised: DC1 colissimo standard
          12-05/12-07/12-10, 0.9 kg, cost 7.25 -> 5 days, not judged on time
  P4 store 12-05, unroutable
  P5 web  12-05 11:00, promised_days 3, requested 12-08: ST1 chronopost express
          12-05/12-07/12-08, 0.3 kg, cost 10.5 -> 3 days, on time (12-08 <= 12-08)
  P6 b2b  12-05 13:00, promised_days 1: DC1 without a carrier service, 50 km, cost 5 ->
          no promised date: not promised, not judged; its CO2 is 50 km x 0.12 = 6 kg
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from simulations.decisions import (
    ALLOCATION_COLUMNS,
    ORDER_COLUMNS,
    ORDER_PROMISE_COLUMNS,
    PROMISE_COLUMNS,
    SHIPMENT_COLUMNS,
    DecisionTables,
    decision_tables,
)
from simulations.kpis import OVERALL_KEYS, compute_kpis
from simulations.promise_kpis import PROMISE_KEYS
from simulations.trace import orders_behind

D3, D4, D5 = date(2026, 12, 3), date(2026, 12, 4), date(2026, 12, 5)


def approx(value):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def nodes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["DC1", "ST1"],
            "type": ["dc", "store"],
            "lat": [45.7, 48.9],
            "lon": [4.8, 2.3],
            "pick_cost": [0.5, 1.0],
            "ship_cost_base": [5.0, 3.0],
            "ship_cost_per_km": [0.01, 0.02],
            "handling_days": [1.0, 0.5],
            "capacity": pd.array([None, None], dtype="Int64"),
        }
    )


def order_lines() -> pd.DataFrame:
    rows = [
        ("P1", "2026-12-03T09:00Z", "web", 2.0, "", "A", 1),
        ("P2", "2026-12-03T16:00Z", "web", 1.0, "2026-12-05", "A", 1),
        ("P2", "2026-12-03T16:00Z", "web", 1.0, "2026-12-05", "B", 1),
        ("P3", "2026-12-04T23:30Z", "marketplace", None, "", "A", 2),
        ("P4", "2026-12-05T08:00Z", "store", 3.0, "", "C", 1),
        ("P5", "2026-12-05T10:00Z", "web", 3.0, "2026-12-08", "A", 1),
        ("P6", "2026-12-05T12:00Z", "b2b", 1.0, "", "B", 3),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "order_id",
            "created_at",
            "channel",
            "promised_days",
            "requested_date",
            "sku",
            "qty",
        ],
    )
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["delivery"] = "home"
    frame["tier"] = "standard"
    return frame


def inventory() -> pd.DataFrame:
    return pd.DataFrame(
        [("DC1", "A", 10), ("DC1", "B", 10), ("ST1", "A", 5)],
        columns=["node_id", "sku", "on_hand"],
    )


def shipment(node, sku, qty, cost, promise=None, *, km=10.0):
    """A JSON shipment; `promise` is (carrier, service, pick, ship, promised, co2, capped),
    the days as `MM-DD` of 2026."""
    out = {
        "node_id": node,
        "lines": [{"sku": sku, "qty": qty}],
        "distance_km": km,
        "cost": cost,
        "eta_days": 1.0,
    }
    if promise is not None:
        carrier, service, pick, ship, promised, co2, capped = promise
        out.update(
            carrier=carrier,
            service=service,
            pick_date=f"2026-{pick}",
            ship_date=f"2026-{ship}",
            promised_date=f"2026-{promised}",
            co2_kg=co2,
            capped=capped,
        )
    return out


def decision(order_id, status, shipments=(), unfilled=()):
    return {
        "order_id": order_id,
        "status": status,
        "strategies": ["std"],
        "shipments": list(shipments),
        "unfilled": [
            {"sku": s, "qty": q, "reason": "no candidate with stock"} for s, q in unfilled
        ],
        "explain": [],
    }


EXPRESS, STANDARD = ("chronopost", "express"), ("colissimo", "standard")


def decisions() -> list[dict]:
    return [
        decision(
            "P1",
            "routed",
            [shipment("DC1", "A", 1, 12.0, (*EXPRESS, "12-03", "12-03", "12-04", 1.4, False))],
        ),
        decision(
            "P2",
            "routed",
            [
                shipment("ST1", "A", 1, 6.5, (*STANDARD, "12-04", "12-04", "12-07", 0.8, True)),
                shipment("DC1", "B", 1, 11.0, (*EXPRESS, "12-03", "12-03", "12-04", 2.1, False)),
            ],
        ),
        decision(
            "P3",
            "routed",
            [shipment("DC1", "A", 2, 7.25, (*STANDARD, "12-05", "12-07", "12-10", 0.9, False))],
        ),
        decision("P4", "unroutable", unfilled=[("C", 1)]),
        decision(
            "P5",
            "routed",
            [shipment("ST1", "A", 1, 10.5, (*EXPRESS, "12-05", "12-07", "12-08", 0.3, False))],
        ),
        decision("P6", "routed", [shipment("DC1", "B", 3, 5.0, km=50.0)]),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def tables() -> DecisionTables:
    return decision_tables(decisions(), order_lines(), nodes(), "Europe/Paris")


@pytest.fixture(scope="module")
def kpis(tables):
    return compute_kpis(tables, nodes(), inventory())


def test_the_tables_gain_the_promise_columns(tables):
    assert tables.carriers
    assert list(tables.shipments.columns) == [*SHIPMENT_COLUMNS, *PROMISE_COLUMNS]
    assert list(tables.allocations.columns) == [*ALLOCATION_COLUMNS, *PROMISE_COLUMNS]
    assert list(tables.orders.columns) == [*ORDER_COLUMNS, *ORDER_PROMISE_COLUMNS]
    shipments = tables.shipments
    assert shipments["carrier"].tolist()[:2] == ["chronopost", "colissimo"]
    assert shipments["carrier"].isna().tolist() == [False] * 5 + [True]
    assert shipments.loc[1, ["pick_date", "ship_date", "promised_date"]].tolist() == [
        D4,
        D4,
        date(2026, 12, 7),
    ]
    assert shipments["capped"].tolist() == [False, True, False, False, False, False]
    assert shipments["co2_kg"].fillna(-1).tolist() == [1.4, 0.8, 2.1, 0.9, 0.3, -1]
    # an allocation carries its shipment's carrier service and dates
    allocations = tables.allocations.set_index("order_id")
    assert allocations.loc["P5", ["carrier", "service", "promised_date"]].tolist() == [
        "chronopost",
        "express",
        date(2026, 12, 8),
    ]


def test_each_orders_promise(tables):
    orders = tables.orders.set_index("order_id")
    assert orders["promised_date"].to_dict() == {
        "P1": D4,
        "P2": date(2026, 12, 7),  # its latest shipment's
        "P3": date(2026, 12, 10),
        "P4": None,
        "P5": date(2026, 12, 8),
        "P6": None,  # a shipment without a promise: the order has none
    }
    assert orders["days_promised"].fillna(-1).tolist() == [1, 4, 5, -1, 3, -1]
    assert orders["requested_date"].tolist() == [
        None,
        D5,
        None,
        None,
        date(2026, 12, 8),
        None,
    ]
    assert orders["missed_cutoff"].tolist() == [False, True, False, False, False, False]
    assert orders["capped_parcels"].tolist() == [0, 1, 0, 0, 0, 0]
    assert orders["on_time"].astype(object).tolist() == [True, False, pd.NA, pd.NA, True, pd.NA]


def test_every_promise_kpi_to_its_hand_computed_value(kpis):
    o = kpis.overall
    assert tuple(o) == OVERALL_KEYS + PROMISE_KEYS
    assert o["promised_orders"] == 4  # P1, P2, P3, P5
    assert o["avg_promised_days"] == approx((1 + 4 + 5 + 3) / 4)
    assert o["p90_promised_days"] == approx(4 + 0.7 * (5 - 4))  # [1, 3, 4, 5] at 2.7
    assert o["next_day_rate"] == approx(1 / 4)
    assert o["on_time_rate"] == approx(2 / 3)  # P1, P5 of P1, P2, P5
    assert o["missed_cutoff_orders"] == 1
    assert o["missed_cutoff_rate"] == approx(1 / 5)  # of the 5 routed orders
    assert o["capped_parcels"] == 1
    # CO2: the carriers' figures, and 50 km x 0.12 for the shipment without a carrier
    assert o["co2_kg"] == approx(1.4 + 0.8 + 2.1 + 0.9 + 0.3 + 6.0)


def test_carrier_mix_and_cost_per_carrier(kpis):
    mix = kpis.carrier_mix
    assert mix["carrier"].tolist() == ["chronopost", "colissimo", None]
    assert mix["service"].tolist() == ["express", "standard", None]
    assert mix["shipments"].tolist() == [3, 2, 1]
    assert mix["share_of_shipments"].tolist() == approx([3 / 6, 2 / 6, 1 / 6])
    assert mix["units"].tolist() == [3, 3, 3]
    assert mix["cost"].tolist() == approx([12 + 11 + 10.5, 6.5 + 7.25, 5.0])
    assert mix["cost_per_shipment"].tolist() == approx([33.5 / 3, 13.75 / 2, 5.0])
    assert mix["co2_kg"].tolist() == approx([1.4 + 2.1 + 0.3, 0.8 + 0.9, 6.0])
    assert mix["avg_promised_days"].tolist()[:2] == approx([(1 + 1 + 3) / 3, (4 + 5) / 2])
    assert np.isnan(mix["avg_promised_days"].tolist()[2])
    assert mix["capped_parcels"].tolist() == [0, 1, 0]
    per_carrier = kpis.by_carrier
    assert per_carrier["carrier"].tolist() == ["chronopost", "colissimo", None]
    assert per_carrier["shipments"].tolist() == [3, 2, 1]
    assert per_carrier["cost"].tolist() == approx([33.5, 13.75, 5.0])
    assert per_carrier["cost_per_shipment"].tolist() == approx([33.5 / 3, 13.75 / 2, 5.0])


def test_promise_figures_per_channel_node_type_and_day(kpis):
    web = kpis.by_channel.set_index("channel").loc["web"]
    assert web["promised_orders"] == 3
    assert web["avg_promised_days"] == approx((1 + 4 + 3) / 3)
    assert web["p90_promised_days"] == approx(3 + 0.8 * (4 - 3))  # [1, 3, 4] at 1.8
    assert web["next_day_rate"] == approx(1 / 3)
    assert web["missed_cutoff_orders"] == 1
    assert web["capped_parcels"] == 1
    b2b = kpis.by_channel.set_index("channel").loc["b2b"]
    assert b2b["promised_orders"] == 0
    assert pd.isna(b2b["avg_promised_days"]) and pd.isna(b2b["next_day_rate"])
    types = kpis.by_node_type.set_index("node_type")
    # dc shipments: P1 1 day, P2 1 day, P3 5 days, P6 none
    assert types.loc["dc", "avg_promised_days"] == approx(7 / 3)
    assert types.loc["dc", "next_day_rate"] == approx(2 / 3)
    assert types.loc["dc", "missed_cutoff_orders"] == 0
    assert types.loc["store", "avg_promised_days"] == approx((4 + 3) / 2)
    assert types.loc["store", "next_day_rate"] == approx(0.0)
    assert (types.loc["store", "missed_cutoff_orders"], types.loc["store", "capped_parcels"]) == (
        1,
        1,
    )
    days = kpis.by_day.set_index("day")
    assert days.loc[D3, "promised_orders"] == 2
    assert days.loc[D3, "next_day_rate"] == approx(1 / 2)
    assert days.loc[D4, "promised_orders"] == 0  # P3 is a 5 December order in Paris
    assert days.loc[D5, "avg_promised_days"] == approx((5 + 3) / 2)


def test_kpis_json_has_the_promise_and_the_carrier_tables(kpis):
    document = json.loads(kpis.to_json())
    assert list(document["overall"]) == [*OVERALL_KEYS, *PROMISE_KEYS]
    assert document == kpis.to_dict()
    assert document["carrier_mix"][0]["carrier"] == "chronopost"
    assert document["carrier_mix"][2]["carrier"] is None
    assert document["by_carrier"][1] == {
        "carrier": "colissimo",
        "shipments": 2,
        "share_of_shipments": 2 / 6,
        "cost": 13.75,
        "cost_per_shipment": 6.875,
    }


def test_trace_the_promise_figures_back(tables, kpis):
    def ids(kpi, **filters):
        return orders_behind(tables, kpi, **filters)["order_id"].tolist()

    assert ids("promised_orders") == ["P1", "P2", "P3", "P5"]
    assert ids("next_day_rate") == ["P1"]
    assert ids("p90_promised_days") == ["P3"]  # 5 >= 4.7
    assert ids("missed_cutoff_orders") == ids("missed_cutoff_rate") == ["P2"]
    assert ids("capped_parcels") == ["P2"]
    assert ids("on_time_rate") == ["P2"]  # the late ones, judged on the request
    assert ids("next_day_rate", channel="web") == ["P1"]
    assert ids("missed_cutoff_orders", node_type="dc") == []
    figure = len(ids("next_day_rate")) / len(ids("promised_orders"))
    assert figure == kpis.overall["next_day_rate"]


def test_a_run_without_carriers_keeps_its_former_tables_and_figures():
    promise = ("carrier", "service", "pick_date", "ship_date", "promised_date", "co2_kg")
    plain = [
        {**d, "shipments": [{k: v for k, v in s.items() if k not in (*promise, "capped")}
                            for s in d["shipments"]]}
        for d in decisions()
    ]  # fmt: skip
    without = decision_tables(plain, order_lines(), nodes(), "Europe/Paris")
    assert not without.carriers
    assert list(without.orders.columns) == list(ORDER_COLUMNS)
    assert list(without.shipments.columns) == list(SHIPMENT_COLUMNS)
    figures = compute_kpis(without, nodes(), inventory())
    assert figures.carrier_mix is None and tuple(figures.overall) == OVERALL_KEYS
    assert list(json.loads(figures.to_json())) == [
        "format",
        "co2_kg_per_km",
        "overall",
        "by_channel",
        "by_node_type",
        "by_day",
        "node_utilisation",
        "breaches",
        "stockouts",
    ]
    with pytest.raises(ValueError, match="a run with carriers"):
        orders_behind(without, "next_day_rate")


def test_carriers_false_reads_no_promise_even_when_the_decisions_carry_one():
    tables = decision_tables(decisions(), order_lines(), nodes(), "Europe/Paris", carriers=False)
    assert list(tables.shipments.columns) == list(SHIPMENT_COLUMNS)
    # on time is then judged on the distance eta, as kpis.md has it
    assert tables.orders["on_time"].astype(object).tolist()[0] is True


def test_an_empty_run_with_carriers_has_the_columns_and_no_figures():
    tables = decision_tables([], order_lines(), nodes(), "Europe/Paris", carriers=True)
    assert list(tables.shipments.columns) == [*SHIPMENT_COLUMNS, *PROMISE_COLUMNS]
    figures = compute_kpis(tables, nodes(), inventory())
    assert figures.overall["promised_orders"] == 0
    assert figures.overall["avg_promised_days"] is None
    assert figures.overall["p90_promised_days"] is None
    assert figures.carrier_mix.empty


def test_the_promise_columns_round_trip_through_parquet(tables, tmp_path):
    tables.to_parquet(tmp_path)
    back = DecisionTables.from_parquet(tmp_path)
    for name in ("orders", "shipments", "allocations"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(tables, name))


def test_a_json_date_that_is_not_iso_is_refused_with_the_order():
    wrong = decisions()
    wrong[0]["shipments"][0]["promised_date"] = "04/12/2026"
    with pytest.raises(ValueError, match="order P1: shipment from DC1 has promised_date"):
        decision_tables(wrong, order_lines(), nodes(), "Europe/Paris")
