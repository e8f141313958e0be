"""The clauses that choose among carrier services (`ship with`, `carrier by`) need a
carriers table: routing a ruleset that uses them without one is refused at each use,
rather than routed as if they were not there; with one they route. Without a table,
`deliver` and the rank key `eta` read the distance eta of kpis.md. The promise's
fields (`order.local_time`, `node.cutoff`, ...) route with or without carriers
(docs/language.md, "Carriers and the delivery promise")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import engine
from engine import promise_fields
from engine.tables import load_carriers, load_inventory, load_nodes

HEAD = 'ruleset "T"\ntimezone "Europe/Paris"\n\n'
BASE = "strategy a\n  source from node.can_ship\n"
NODES = pd.DataFrame(
    {
        "id": ["DC", "S1"],
        "type": ["dc", "store"],
        "lat": [48.85, 48.86],
        "lon": [2.35, 2.36],
        "can_ship": [True, True],
        "cutoff": ["20:00", "14:00"],
        "open_days": ["Mon-Sat", "Mon-Sun"],
        "prep_days": [0, 1],
    }
)
STOCK = pd.DataFrame({"node_id": ["DC", "S1"], "sku": ["A", "A"], "on_hand": [5, 5]})
CARRIERS = pd.DataFrame(
    {"carrier": ["colissimo"], "service": ["standard"], "transit_days": [2]}, dtype=object
)


def session(text: str, carriers: bool = False) -> engine.Session:
    return engine.Session.open(
        text,
        load_nodes(NODES),
        load_inventory(STOCK),
        filename="t.route",
        source=text,
        carriers=load_carriers(CARRIERS) if carriers else None,
    )


@pytest.mark.parametrize(
    ("clause", "words"),
    [
        ('ship with carrier.service == "express"', "ship with"),
        ("carrier by co2", "carrier by"),
    ],
)
def test_each_carrier_clause_without_a_carriers_table_is_refused_where_it_is_written(clause, words):
    text = HEAD + BASE + f"  {clause}\n"
    with pytest.raises(engine.CompileError) as caught:
        session(text)
    (finding,) = caught.value.diagnostics
    assert (finding.code, finding.line, finding.column, finding.length) == (
        "needs-carriers",
        6,
        3,
        len(words),
    )
    assert finding.message.startswith(f"strategy `a`: `{words}` needs a carriers table")
    assert str(caught.value).startswith("t.route:6:3: error: ")
    assert session(text, carriers=True).policy.strategies[0].id == "a"


def test_deliver_and_eta_read_the_distance_eta_without_a_carriers_table():
    far = HEAD + BASE + "  deliver within 1 day\n  rank by eta\n"
    order = engine.Order(
        "o1",
        dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC),
        (engine.Line("A", 1),),
        {"dest_lat": 43.3, "dest_lon": 5.4},  # Marseille: 660 km, 2 days by distance
    )
    decision = session(far).route_one(order)
    assert (decision.status, decision.promised_date) == ("rejected", None)
    near = far.replace("within 1 day", "within 2 days")
    decision = session(near).route_one(order)
    assert decision.status == "routed" and decision.shipments[0].eta_days == 2.0
    assert "carrier" not in decision.to_json()


def test_with_a_carriers_table_the_rank_key_eta_reads_the_promise():
    text = HEAD + BASE + "  rank by distance, eta\n"
    order = engine.Order(
        "o1",
        dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC),
        (engine.Line("A", 1),),
        {"dest_lat": 48.85, "dest_lon": 2.35, "country": "FR"},
    )
    decision = session(text, carriers=True).route_one(order)
    # 11:00 in Paris on Thursday, before the DC's 20:00 cut-off: shipped that day,
    # delivered 2 delivery days later (the default Mon-Sat): Friday, Saturday
    assert decision.promised_date == dt.date(2026, 12, 5)


def test_the_promise_fields_route_without_carriers():
    text = HEAD + (
        "strategy early\n"
        '  when order.local_time < "14:00" and order.weekday == "Thu"\n'
        '  source from node.cutoff >= "20:00" and node.open_days has "Sat"\n'
        "\n"
        "strategy heavy\n"
        "  when order.weight_kg > 10\n"
        "  source from node.prep_days == 1\n"
        "\n"
        "strategy rest\n"
        "  source from node.can_ship\n"
    )

    def routed(hour: int, weight: float) -> tuple[str, str]:
        order = engine.Order(
            f"o{hour}",
            dt.datetime(2026, 12, 3, hour, 0, tzinfo=dt.UTC),  # Thursday, Paris = UTC + 1
            (engine.Line("A", 2, {"weight_kg": weight}),),
            {"dest_lat": 48.85, "dest_lon": 2.35},
        )
        decision = session(text).route_one(order)
        return decision.strategies[0], decision.shipments[0].node_id

    assert routed(12, 1.0) == ("early", "DC")  # 13:00 local
    assert routed(13, 1.0) == ("rest", "DC")  # 14:00 local: not before 14:00
    assert routed(13, 6.0) == ("heavy", "S1")  # 2 × 6 kg


def test_every_field_of_the_promise_is_named_in_the_reference():
    reference = (Path(__file__).resolve().parent.parent / "docs" / "language.md").read_text()
    section = reference[reference.index("### Fields of the promise") :]
    fields = [f"order.{name}" for name in promise_fields.ORDER_FIELDS]
    fields += [f"node.{name}" for name in promise_fields.NODE_FIELDS] + ["line.weight_kg"]
    assert [f for f in sorted(fields) if f"`{f}`" not in section] == []


def test_a_carriers_table_without_a_service_carries_nothing():
    """Given but empty (every row rejected, say), it is not "no carriers table": no
    parcel can be carried, and the explanation says why."""
    empty = load_carriers(CARRIERS.iloc[0:0])
    text = HEAD + BASE + "  deliver within 3 days\n"
    routed = engine.Session.open(text, load_nodes(NODES), load_inventory(STOCK), carriers=empty)
    order = engine.Order(
        "o1",
        dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC),
        (engine.Line("A", 1),),
        {"dest_lat": 48.85, "dest_lon": 2.35},
    )
    decision = routed.route_one(order, explain=True)
    assert decision.status == "rejected" and decision.promised_date is None
    details = {e.detail for e in decision.explain if e.kind == "carrier"}
    assert details == {"no carrier service can carry it: the carriers table has no service"}
