"""The routing engine: a ruleset bound to a network and its stock routes orders into
Decisions with their reasons. `Session` is the one way in:

    session = engine.Session.open(text, nodes_frame, inventory_frame, filename="f.route")
    decisions = session.route(orders_frame)        # in routing order
    decisions.write_jsonl(sys.stdout)              # data.md's JSON, one line each
    decision = session.route_one(order, explain=True)
"""

from engine.arrivals import Arrival, Arrivals, arrivals_from_frame
from engine.compiler import CompileError, Policy
from engine.decision import Decision, Explanation, Shipment, ShipmentLine, Unfilled
from engine.decision_batch import DecisionBatch
from engine.model import Inventory, Line, Network, Node, Order, orders_from_frame
from engine.order_batch import OrderBatch
from engine.session import Session, policy_of

__all__ = [
    "Arrival",
    "Arrivals",
    "CompileError",
    "Decision",
    "DecisionBatch",
    "Explanation",
    "Inventory",
    "Line",
    "Network",
    "Node",
    "Order",
    "OrderBatch",
    "Policy",
    "Session",
    "Shipment",
    "ShipmentLine",
    "Unfilled",
    "arrivals_from_frame",
    "orders_from_frame",
    "policy_of",
]
