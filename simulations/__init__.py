"""Simulations: replay order history through the router, compute the KPIs of kpis.md,
and compare scenarios (a ruleset plus what-if overrides) on the same orders.

    sim = simulations.run(policy, "nodes.csv", "inventory.csv", "orders.csv",
                          on_progress=lambda done, total: ...)
    sim.kpis.overall["fill_rate"]; sim.write("out/")

    inputs = simulations.load_inputs("nodes.csv", "inventory.csv", "orders.csv")
    base = simulations.Scenario(name="today", ruleset=dsl.parse(text))
    variant = simulations.load_scenario("scenarios/peak_from_nov_10.toml")
    result = simulations.compare(base, variant, inputs)
    result.deltas; result.changed

`simulations.replay.replay(policy, inputs)` is `run` on tables already loaded.
"""

from simulations.compare import Comparison, compare, kpi_deltas
from simulations.decisions import DecisionTables, decision_tables
from simulations.inputs import Inputs, load_inputs
from simulations.kpis import Kpis, compute_kpis
from simulations.overrides import Overrides, ScenarioError
from simulations.replay import Simulation, explain_orders, run
from simulations.scenarios import Scenario, ScenarioFile, load_scenario, load_scenario_file
from simulations.trace import orders_behind

__all__ = [
    "Comparison",
    "DecisionTables",
    "Inputs",
    "Kpis",
    "Overrides",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "Simulation",
    "compare",
    "compute_kpis",
    "decision_tables",
    "explain_orders",
    "kpi_deltas",
    "load_inputs",
    "load_scenario",
    "load_scenario_file",
    "orders_behind",
    "run",
]
