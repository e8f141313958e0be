"""`sourcing check --carriers F` on real files: the carriers loader reads the table, a
`ship with` that no service satisfies is an error with the closest service named,
a rejected row is a note (not checked against, exit code unchanged), and a table that
cannot be read exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

HEADER = (
    "carrier,service,countries,node_types,max_weight_kg,max_km,transit_days,pickup_days,"
    "delivery_days,cost_base,cost_per_kg,cost_per_km,co2_per_km,daily_parcels\n"
)
CARRIERS = HEADER + (
    "colissimo,standard,FR,,30,,2,Mon-Fri,Mon-Sat,4.5,0.2,0,,\n"
    "chronopost,express,FR,,30,,1,Mon-Fri,Mon-Sat,9.9,0.3,0,,2000\n"
    "broken,service,FR,,30,,-1,Mon-Fri,Mon-Sat,1,0,0,,\n"
)
RULESET = """\
ruleset "Promise"

strategy peak_express
  when order.delivery == "express"
  source from node.can_ship
  ship with carrier.service == "{service}"
  deliver within 1 day
"""


def check(capsys, tmp_path: Path, service: str, carriers: str | None = CARRIERS):
    ruleset = tmp_path / "peak.route"
    ruleset.write_text(RULESET.format(service=service), encoding="utf-8")
    table = tmp_path / "carriers.csv"
    if carriers is not None:
        table.write_text(carriers, encoding="utf-8")
    code = main(["check", str(ruleset), "--carriers", str(table)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_ship_with_no_service_satisfies_is_an_error_naming_the_closest(capsys, tmp_path):
    code, out, err = check(capsys, tmp_path, "expres")
    assert code == 1
    assert "error: no carrier service of the carriers table satisfies" in out
    assert "(it has colissimo standard, chronopost express)" in out  # not the rejected row
    assert '"expres" is not a `carrier.service` of the table (did you mean "express"?)' in out
    assert "row 4, column transit_days" in err and "(row not checked against)" in err


def test_a_service_of_the_table_passes(capsys, tmp_path):
    code, out, _ = check(capsys, tmp_path, "express")
    assert code == 0
    assert "checked 1 file: 0 errors" in out


def test_a_service_only_a_rejected_row_has_is_not_satisfied(capsys, tmp_path):
    code, out, _ = check(capsys, tmp_path, "service")
    assert code == 1
    assert "no carrier service of the carriers table satisfies" in out


@pytest.mark.parametrize("carriers", [None, "carrier,service\n"])
def test_a_carriers_table_that_cannot_be_read_exits_2(capsys, tmp_path, carriers):
    code, out, err = check(capsys, tmp_path, "express", carriers)
    assert code == 2
    assert err.startswith("error: ") and "carriers" in err
    assert out == ""
