"""The routing engine: compile a ruleset into a Policy, bind it to a network
and its stock, route orders into Decisions with their reasons.

    policy = engine.compile(dsl.parse(text))
    network = engine.Network.from_frame(nodes)
    router = engine.Router(policy, network, engine.Inventory.from_frame(stock, network))
    decision = router.route(order, explain=True)
    print(decision.to_json())
"""

from engine.compiler import CompileError, Policy, compile
from engine.decision import Decision, Explanation, Shipment, ShipmentLine, Unfilled
from engine.model import Inventory, Line, Network, Node, Order, orders_from_frame
from engine.router import Router

__all__ = [
    "CompileError",
    "Decision",
    "Explanation",
    "Inventory",
    "Line",
    "Network",
    "Node",
    "Order",
    "Policy",
    "Router",
    "Shipment",
    "ShipmentLine",
    "Unfilled",
    "compile",
    "orders_from_frame",
]
