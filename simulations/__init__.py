"""Simulations: replay order history through the router, compute the KPIs of kpis.md,
and compare scenarios (a ruleset plus what-if overrides) on the same orders.

    sim = simulations.run(policy, "nodes.csv", "inventory.csv", "orders.csv",
                          on_progress=lambda done, total: ...)
    sim.kpis.overall["fill_rate"]; sim.write("out/")

`simulations.replay.replay(policy, inputs)` is `run` on tables already loaded.
"""

from simulations.decisions import DecisionTables, decision_tables
from simulations.inputs import Inputs, load_inputs
from simulations.kpis import Kpis, compute_kpis
from simulations.replay import Simulation, explain_orders, run
from simulations.trace import orders_behind

__all__ = [
    "DecisionTables",
    "Inputs",
    "Kpis",
    "Simulation",
    "compute_kpis",
    "decision_tables",
    "explain_orders",
    "load_inputs",
    "orders_behind",
    "run",
]
