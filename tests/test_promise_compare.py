"""Comparing two runs with carriers: the promise KPIs side by side, and the orders that
lost their next-day promise, each with its cause, grouped by cause (hand-made runs).

Base and variant have the same orders; in the variant chronopost express collects at
most 2 parcels a node a day and stops delivering on Saturdays from Friday 4 December
2026 (a dated carrier period), and ST1's cut-off moves from 16:00 to 13:00. Order day:
Thursday 3 December unless said; orders routed in the order of their numbers but Q9.

  Q1, Q8  base DC1 express -> 12-04; variant DC1 colissimo standard -> 12-07, capped:
          "chronopost express full at DC1 on 2026-12-03"
  Q2 (Fri 12-04) base DC1 express -> Sat 12-05; variant DC1 express -> Mon 12-07:
          "no Saturday delivery by chronopost express"
  Q3 (14:00) base ST1 express picked 12-03 -> 12-04; variant picked 12-04 -> 12-05:
          "cut-off at ST1 moved from 16:00 to 13:00"
  Q4      base next day; variant unroutable
  Q5      base ST1 express -> 12-04; variant DC1 express -> 12-05 (same pick day):
          "ships from DC1, not from ST1"
  Q6      next day on both sides (not lost); Q7 two days in the base (never next day)
  Q9 (last) base DC1 express -> 12-04; variant DC1 colissimo standard -> 12-07, not
          capped: Q5 and Q6 took DC1's 2 express parcels of 12-03 before it:
          "chronopost express full at DC1 on 2026-12-03"
"""

from __future__ import annotations

import pandas as pd
import pytest

from engine.tables import load_carriers
from simulations.compare import kpi_deltas
from simulations.decisions import decision_tables
from simulations.inputs import CarrierPeriod
from simulations.kpis import compute_kpis
from simulations.promise_causes import PromiseSide, lost_next_day, next_day_causes
from simulations.promise_kpis import PROMISE_KEYS
from tests.test_promise_kpis import nodes

NODES = nodes()
INVENTORY = pd.DataFrame({"node_id": ["DC1"], "sku": ["A"], "on_hand": [100]})
CREATED = {
    "Q1": "2026-12-03T09:00Z",
    "Q2": "2026-12-04T09:00Z",
    "Q3": "2026-12-03T13:00Z",
    "Q4": "2026-12-03T09:30Z",
    "Q5": "2026-12-03T10:00Z",
    "Q6": "2026-12-03T10:30Z",
    "Q7": "2026-12-03T11:00Z",
    "Q8": "2026-12-03T11:30Z",
    "Q9": "2026-12-03T12:00Z",
}
EXPRESS, STANDARD = ("chronopost", "express"), ("colissimo", "standard")


def carriers(express_days: str, express_parcels: int | None = None):
    return load_carriers(
        pd.DataFrame(
            {
                "carrier": ["chronopost", "colissimo"],
                "service": ["express", "standard"],
                "transit_days": [1, 2],
                "delivery_days": [express_days, "Mon-Sat"],
                "daily_parcels": pd.array([express_parcels, None], dtype="Int64"),
            }
        )
    )


def order_lines() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "order_id": list(CREATED),
            "created_at": pd.to_datetime(list(CREATED.values()), utc=True),
            "channel": "web",
            "promised_days": 1.0,
            "sku": "A",
            "qty": 1,
        }
    )
    frame["delivery"], frame["tier"] = "home", "standard"
    return frame


def routed(order_id, node, service, pick, promised, *, capped=False):
    carrier, name = service
    return {
        "order_id": order_id,
        "status": "routed",
        "strategies": ["std"],
        "shipments": [
            {
                "node_id": node,
                "lines": [{"sku": "A", "qty": 1}],
                "distance_km": 10.0,
                "cost": 9.0 if service == EXPRESS else 6.0,
                "eta_days": 1.0,
                "carrier": carrier,
                "service": name,
                "pick_date": f"2026-{pick}",
                "ship_date": f"2026-{pick}",
                "promised_date": f"2026-{promised}",
                "capped": capped,
            }
        ],
        "unfilled": [],
        "explain": [],
    }


def unroutable(order_id):
    return {
        "order_id": order_id,
        "status": "unroutable",
        "strategies": [],
        "shipments": [],
        "unfilled": [{"sku": "A", "qty": 1, "reason": "no candidate with stock"}],
        "explain": [],
    }


BASE = [
    routed("Q1", "DC1", EXPRESS, "12-03", "12-04"),
    routed("Q2", "DC1", EXPRESS, "12-04", "12-05"),
    routed("Q3", "ST1", EXPRESS, "12-03", "12-04"),
    routed("Q4", "DC1", EXPRESS, "12-03", "12-04"),
    routed("Q5", "ST1", EXPRESS, "12-03", "12-04"),
    routed("Q6", "DC1", EXPRESS, "12-03", "12-04"),
    routed("Q7", "DC1", STANDARD, "12-03", "12-05"),
    routed("Q8", "DC1", EXPRESS, "12-03", "12-04"),
    routed("Q9", "DC1", EXPRESS, "12-03", "12-04"),
]
VARIANT = [
    routed("Q1", "DC1", STANDARD, "12-03", "12-07", capped=True),
    routed("Q2", "DC1", EXPRESS, "12-04", "12-07"),
    routed("Q3", "ST1", EXPRESS, "12-04", "12-05"),
    unroutable("Q4"),
    routed("Q5", "DC1", EXPRESS, "12-03", "12-05"),
    routed("Q6", "DC1", EXPRESS, "12-03", "12-04"),
    routed("Q7", "DC1", STANDARD, "12-03", "12-07"),
    routed("Q8", "DC1", STANDARD, "12-03", "12-07", capped=True),
    routed("Q9", "DC1", STANDARD, "12-03", "12-07"),
]


@pytest.fixture(scope="module")
def sides():
    tables = [decision_tables(d, order_lines(), NODES, "Europe/Paris") for d in (BASE, VARIANT)]
    base = PromiseSide(tables[0], carriers("Mon-Sat"), (), {"DC1": "20:00", "ST1": "16:00"})
    later = (CarrierPeriod(pd.Timestamp("2026-12-04").date(), carriers("Mon-Fri", 2)),)
    cutoffs = {"DC1": "20:00", "ST1": "13:00"}
    variant = PromiseSide(tables[1], carriers("Mon-Sat", 2), later, cutoffs)
    return base, variant


def test_the_orders_that_lost_their_next_day_promise_and_why(sides):
    lost = lost_next_day(*sides, "no Saturday")
    assert lost["order_id"].tolist() == ["Q1", "Q2", "Q3", "Q4", "Q5", "Q8", "Q9"]
    assert lost.set_index("order_id")["cause"].to_dict() == {
        "Q1": "chronopost express full at DC1 on 2026-12-03",
        "Q2": "no Saturday delivery by chronopost express",
        "Q3": "cut-off at ST1 moved from 16:00 to 13:00",
        "Q4": "the order is unroutable in no Saturday",
        "Q5": "ships from DC1, not from ST1",
        "Q8": "chronopost express full at DC1 on 2026-12-03",
        "Q9": "chronopost express full at DC1 on 2026-12-03",
    }
    assert lost["kind"].tolist() == [
        "carrier full",
        "delivery day",
        "cut-off",
        "not routed",
        "other node",
        "carrier full",
        "carrier full",
    ]
    q1 = lost.set_index("order_id").loc["Q1"]
    assert (q1["base_days_promised"], q1["variant_days_promised"]) == (1, 4)
    assert q1["base_shipments"] == "DC1 chronopost express → 2026-12-04"
    assert q1["variant_shipments"] == "DC1 colissimo standard → 2026-12-07"


def test_the_lost_orders_grouped_by_cause_with_counts_and_examples(sides):
    causes = next_day_causes(lost_next_day(*sides, "no Saturday"))
    assert causes.to_dict("records") == [
        {
            "kind": "carrier full",
            "cause": "chronopost express full at DC1 on 2026-12-03",
            "orders": 3,
            "examples": "Q1, Q8, Q9",
        },
        {
            "kind": "delivery day",
            "cause": "no Saturday delivery by chronopost express",
            "orders": 1,
            "examples": "Q2",
        },
        {
            "kind": "cut-off",
            "cause": "cut-off at ST1 moved from 16:00 to 13:00",
            "orders": 1,
            "examples": "Q3",
        },
        {
            "kind": "not routed",
            "cause": "the order is unroutable in no Saturday",
            "orders": 1,
            "examples": "Q4",
        },
        {
            "kind": "other node",
            "cause": "ships from DC1, not from ST1",
            "orders": 1,
            "examples": "Q5",
        },
    ]


def test_a_run_compared_with_itself_loses_no_promise(sides):
    base, _ = sides
    assert lost_next_day(base, base, "same").empty


def test_the_promise_kpis_side_by_side(sides):
    base, variant = (compute_kpis(side.tables, NODES, INVENTORY) for side in sides)
    deltas = kpi_deltas(base, variant)
    overall = deltas[deltas["breakdown"] == "overall"].set_index("kpi")
    assert list(overall.index[-len(PROMISE_KEYS) :]) == list(PROMISE_KEYS)
    # base: 8 of 9 next day; variant: Q6 of 8 promised
    assert overall.loc["next_day_rate", ["base", "variant"]].tolist() == [8 / 9, 1 / 8]
    assert overall.loc["capped_parcels", "delta"] == 2
    mix = deltas[deltas["breakdown"] == "carrier_service"]
    shipments = mix[mix["kpi"] == "shipments"].set_index("group")
    assert shipments.loc["chronopost express", ["base", "variant"]].tolist() == [8, 4]
    assert shipments.loc["colissimo standard", ["base", "variant", "delta"]].tolist() == [1, 4, 3]
