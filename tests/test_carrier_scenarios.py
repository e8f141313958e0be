"""Scenario files that change the delivery promise: a carrier service capped from a day
on, delivery days taken away, nodes' cut-offs moved; and the errors a bad entry gets
(the file, the entry and what is wrong)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dsl import parse
from engine.tables import UNLIMITED, load_carriers
from simulations.carrier_overrides import carriers_on
from simulations.inputs import Inputs
from simulations.overrides import Overrides, ScenarioError, apply_to_inputs
from simulations.scenarios import load_scenario, load_scenario_file

RULESET = parse('ruleset "t"\nstrategy s "S"\n  source from node.can_ship\n')
DECEMBER = dt.date(2026, 12, 1)
STOCK = pd.DataFrame({"node_id": ["DC1"], "sku": ["A"], "on_hand": [3]})
ORDERS = pd.DataFrame({"order_id": ["O1"], "sku": ["A"], "qty": [1]})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "promise.toml"
    path.write_text(text, encoding="utf-8")
    return path


def inputs(with_carriers: bool = True) -> Inputs:
    nodes = pd.DataFrame(
        {
            "id": ["DC1", "ST1", "ST2"],
            "type": ["dc", "store", "store"],
            "cutoff": ["20:00", "16:00", "15:00"],
        }
    )
    carriers = load_carriers(
        pd.DataFrame(
            {
                "carrier": ["colissimo", "chronopost", "chronopost", "geodis"],
                "service": ["standard", "express", "relay", "freight"],
                "transit_days": [2, 1, 2, 3],
                "delivery_days": ["Mon-Sat", "Mon-Sat", "Tue-Sat", "Mon-Fri"],
                "daily_parcels": pd.array([None, 120, None, 10], dtype="Int64"),
            }
        )
    )
    return Inputs(nodes, STOCK, ORDERS, carriers=carriers if with_carriers else None)


def test_a_cap_from_a_day_no_saturday_and_moved_cutoffs(tmp_path):
    path = write(
        tmp_path,
        """
        [nodes]
        cutoff = { store = "13:00", "ST2" = "12:30" }

        [[carriers]]                     # express capped from 1 December
        carrier = "chronopost"
        service = "express"
        daily_parcels = 2000
        from = 2026-12-01

        [[carriers]]                     # no Saturday deliveries, the whole run
        no_delivery_on = "Sat"

        [[carriers]]
        carrier = "geodis"
        daily_parcels = "unlimited"
        from = 2026-12-15
        """,
    )
    scenario = load_scenario(path, RULESET)
    assert scenario.overrides.describe() == [
        "cut-off 13:00 at store",
        "cut-off 12:30 at ST2",
        "chronopost express: daily parcels 2,000 from 2026-12-01",
        "every carrier service: no delivery on Sat",
        "every geodis service: daily parcels unlimited from 2026-12-15",
    ]
    changed = apply_to_inputs(inputs(), scenario.overrides)
    assert changed.nodes["cutoff"].tolist() == ["20:00", "13:00", "12:30"]
    # the run starts with Saturday gone from every service, the caps as they were
    start = changed.carriers
    assert start.arrow["delivery_days"].to_pylist() == ["Mon-Fri", "Mon-Fri", "Tue-Fri", "Mon-Fri"]
    assert start.daily_parcels.tolist() == [UNLIMITED, 120, UNLIMITED, 10]
    # from 1 December express is capped at 2,000; from 15 December geodis is not capped
    assert [p.start for p in changed.carrier_periods] == [DECEMBER, dt.date(2026, 12, 15)]
    first, second = (p.carriers for p in changed.carrier_periods)
    assert first.daily_parcels.tolist() == [UNLIMITED, 2000, UNLIMITED, 10]
    assert second.daily_parcels.tolist() == [UNLIMITED, 2000, UNLIMITED, UNLIMITED]
    assert second.arrow["daily_parcels"].to_pylist() == [None, 2000, None, None]
    assert second.arrow["delivery_days"].to_pylist() == start.arrow["delivery_days"].to_pylist()
    periods = changed.carrier_periods
    assert carriers_on(start, periods, dt.date(2026, 11, 30)) is start
    assert carriers_on(start, periods, DECEMBER) is first
    assert carriers_on(start, periods, dt.date(2027, 1, 1)) is second


def test_changes_of_one_day_apply_in_file_order_after_the_earlier_days():
    overrides = Overrides(
        carriers=(
            {"carrier": "chronopost", "daily_parcels": 50, "from": DECEMBER},
            {"service": "express", "daily_parcels": 70, "from": DECEMBER},
            {"carrier": "chronopost", "daily_parcels": 5, "from": dt.date(2026, 11, 1)},
        )
    )
    changed = apply_to_inputs(inputs(), overrides)
    november, december = (p.carriers.daily_parcels.tolist() for p in changed.carrier_periods)
    assert november == [UNLIMITED, 5, 5, 10]
    assert december == [UNLIMITED, 70, 50, 10]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[carriers]]\ncarrier = "chronopost"\ndaily_parcels = -1',
            "carriers[1].daily_parcels: give a whole number of parcels per node per day "
            'from 0 to 1,000,000,000 (or "unlimited"), got -1',
        ),
        (
            '[[carriers]]\ndaily_parcels = 5\n[[carriers]]\nno_delivery_on = "Sam"',
            "carriers[2].no_delivery_on: 'Sam' is not a day list",
        ),
        (
            '[[carriers]]\ncarrier = "chronopost"',
            "carriers[1]: the entry changes nothing: give daily_parcels or no_delivery_on",
        ),
        (
            "[[carriers]]\ndaily_parcels = 5\nfrom = 2026-12-01T06:00:00",
            "carriers[1].from: give a date (YYYY-MM-DD)",
        ),
        ("[[carriers]]\ndaily_parcel = 5", "carriers[1].daily_parcel: unknown setting"),
        ('[nodes]\ncutoff = "25:00"', 'nodes.cutoff: give a local time "HH:MM"'),
    ],
)
def test_a_bad_entry_is_named_with_the_file_and_the_reason(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario_file(path)
    assert f"{path}: {message}" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[carriers]]\nno_delivery_on = "Sat"\n[[carriers]]\n'
            'carrier = "chronopst"\ndaily_parcels = 5',
            "carriers[2]: unknown carrier 'chronopst'; did you mean 'chronopost'?",
        ),
        (
            '[[carriers]]\ncarrier = "geodis"\nservice = "express"\ndaily_parcels = 5',
            "carriers[1]: unknown service of geodis 'express' (known: freight)",
        ),
        (
            '[[carriers]]\ncarrier = "geodis"\nno_delivery_on = "Mon-Fri"',
            "carriers[1]: geodis freight would deliver on no day once Mon-Fri is taken "
            "away; keep at least one delivery day",
        ),
        (
            '[nodes]\ncutoff = { stor = "13:00" }',
            "nodes.cutoff: unknown node id or node type 'stor'; did you mean 'store'?",
        ),
    ],
)
def test_an_entry_the_tables_refuse_is_named_with_the_file(tmp_path, text, message):
    path = write(tmp_path, text)
    scenario = load_scenario(path, RULESET)
    with pytest.raises(ScenarioError) as caught:
        scenario.prepare(inputs())
    assert str(caught.value).startswith(f"{path}: {message}")


def test_changing_carriers_needs_a_carriers_table(tmp_path):
    path = write(tmp_path, "[[carriers]]\ndaily_parcels = 5")
    with pytest.raises(ScenarioError, match="the run has no carriers table"):
        load_scenario(path, RULESET).prepare(inputs(with_carriers=False))


def test_a_cutoff_for_nodes_without_one_fills_the_others_with_2359():
    nodes = pd.DataFrame({"id": ["DC1", "ST1"], "type": ["dc", "store"]})
    changed = apply_to_inputs(Inputs(nodes, STOCK, ORDERS), Overrides(cutoff={"ST1": "9:30"}))
    assert changed.nodes["cutoff"].tolist() == ["23:59", "09:30"]


def test_the_shipped_carrier_scenario_and_the_docs_example_load(tmp_path):
    root = Path(__file__).resolve().parent.parent
    shipped = load_scenario(root / "scenarios" / "express_capped_no_saturday.toml", RULESET)
    assert shipped.overrides.describe() == [
        "chronopost express: daily parcels 1 from 2026-12-01",
        "every carrier service: no delivery on Sat",
    ]
    text = (root / "docs" / "simulations.md").read_text(encoding="utf-8")
    example = text.split("```toml\n", 1)[1].split("```", 1)[0]
    documented = load_scenario_file(write(tmp_path, example)).overrides
    assert documented.cutoff == {"store": "13:00", "DC-LYON": "18:00"}
    assert [change.describe() for change in documented.carriers] == [
        "chronopost express: daily parcels 2,000 from 2026-12-01",
        "every carrier service: no delivery on Sat",
    ]
