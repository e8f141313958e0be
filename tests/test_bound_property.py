"""The bound is a lower bound: on random small networks, orders, stock arrivals and
rulesets (keep, within, split limits, an `otherwise use` chain that backorders), no
local day's optimum is above the ruleset's own cost plus penalty (docs/kpis.md, "Why
it is a lower bound"). The day figures are compared before any rounding-off is
stripped, straight from the orders' rows."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simulations
from simulations.bound import compute_bound

SKUS = ("A", "B")


@st.composite
def worlds(draw):
    count = draw(st.integers(2, 4))
    nodes = pd.DataFrame(
        {
            "id": [f"N{i}" for i in range(count)],
            "type": draw(st.lists(st.sampled_from(["dc", "store"]), min_size=count,
                                  max_size=count)),
            "lat": [45.0 + draw(st.floats(-1, 1)) for _ in range(count)],
            "lon": [1.0 + draw(st.floats(-1.5, 1.5)) for _ in range(count)],
            "capacity": pd.array(
                [draw(st.one_of(st.none(), st.integers(0, 3))) for _ in range(count)],
                dtype="Int64",
            ),
            "pick_cost": [draw(st.sampled_from([0.0, 0.3, 1.0])) for _ in range(count)],
            "ship_cost_base": [draw(st.sampled_from([0.0, 2.0, 5.0])) for _ in range(count)],
            "ship_cost_per_km": [draw(st.sampled_from([0.0, 0.01, 0.05])) for _ in range(count)],
            "handling_days": 1.0,
        }
    )  # fmt: skip
    stock = [
        {"node_id": n, "sku": s, "on_hand": draw(st.integers(0, 3))}
        for n in nodes["id"]
        for s in SKUS
    ]
    orders = []
    for i in range(draw(st.integers(1, 7))):
        day, hour = draw(st.integers(1, 2)), draw(st.integers(0, 23))
        lat, lon = 45.0 + draw(st.floats(-1, 1)), 1.0 + draw(st.floats(-1.5, 1.5))
        for sku in draw(st.lists(st.sampled_from(SKUS), min_size=1, max_size=2, unique=True)):
            orders.append(
                {"order_id": f"O{i}", "created_at": f"2026-03-0{day}T{hour:02d}:{i:02d}:00Z",
                 "channel": "web", "delivery": "home", "tier": "standard", "dest_lat": lat,
                 "dest_lon": lon, "sku": sku, "qty": draw(st.integers(1, 3)),
                 "unit_price": 10.0}
            )  # fmt: skip
    arrivals = [
        {"node_id": draw(st.sampled_from(list(nodes["id"]))), "sku": draw(st.sampled_from(SKUS)),
         "at": f"2026-03-0{draw(st.integers(1, 3))}T{draw(st.integers(0, 23)):02d}:30:00Z",
         "qty": draw(st.integers(1, 3))}
        for _ in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    within = draw(st.sampled_from(["", "  within 80 km\n", "  within 200 km\n"]))
    keep = draw(st.sampled_from(["", '  keep 1 unit at node.type == "store"\n']))
    split = draw(st.sampled_from(["split none", "split at most 2", "split at most 3"]))
    shortage = draw(st.sampled_from(["partial", "backorder", "reject"]))
    ruleset = (
        'ruleset "Random"\ntimezone "UTC"\n\nstrategy first\n'
        f'  source from node.type in ["dc", "store"]\n{within}{keep}'
        f"  rank by {draw(st.sampled_from(['distance', 'cost', 'shipments, distance']))}\n"
        f"  {split}\n  otherwise use backstop\n\n"
        'strategy backstop\n  priority 200\n  source from node.type == "dc"\n'
        f"  rank by distance\n  split at most 2\n  on shortage {shortage}\n"
    )
    return ruleset, nodes, pd.DataFrame(stock), pd.DataFrame(orders), pd.DataFrame(arrivals)


def replayed(world) -> simulations.Simulation:
    """The replay of a drawn world (its arrivals, when it has some)."""
    ruleset, nodes, stock, orders, arrivals = world
    return simulations.run(
        ruleset, nodes, stock, orders, replenishments=arrivals if len(arrivals) else None
    )


@settings(max_examples=60)
@given(worlds(), st.sampled_from([0.0, 5.0, 50.0]))
def test_no_day_bound_is_above_the_ruleset(world, penalty) -> None:
    orders = world[3]
    simulation = replayed(world)
    bound = compute_bound(simulation, penalty=penalty)
    days = bound.orders.groupby("day")[["ruleset_value", "bound_value"]].sum()
    for day, row in days.iterrows():
        assert row["bound_value"] <= row["ruleset_value"] + 1e-7 * (1 + row["ruleset_value"]), day
    assert (bound.orders["bound_value"] >= -1e-9).all()
    assert bound.overall["bound_unfilled"] <= bound.overall["ruleset_unfilled"] + 1e-6 or (
        penalty < 50
    )
    assert bound.overall["ruleset_value"] == pytest.approx(
        simulation.tables.shipments["cost"].sum()
        + penalty * (orders["qty"].sum() - simulation.tables.orders["units_allocated"].sum())
    )
