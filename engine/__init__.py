"""The routing engine: a ruleset bound to a network and its stock routes orders into
Decisions with their reasons. `Session` is the one way in:

    session = engine.Session.open(text, nodes_frame, inventory_frame, filename="f.route")
    decisions = session.route(orders_frame)        # in routing order
    decisions.write_jsonl(sys.stdout)              # data.md's JSON, one line each
    decision = session.route_one(order, explain=True)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.arrivals import Arrival, Arrivals, arrivals_from_frame
    from engine.compiler import CompileError, Policy
    from engine.decision import Decision, Explanation, Shipment, ShipmentLine, Unfilled
    from engine.decision_batch import DecisionBatch
    from engine.model import Inventory, Line, Network, Node, Order
    from engine.order_batch import OrderBatch, orders_from_frame
    from engine.session import Session, policy_of

_HOMES = {
    "engine.arrivals": ("Arrival", "Arrivals", "arrivals_from_frame"),
    "engine.compiler": ("CompileError", "Policy"),
    "engine.decision": ("Decision", "Explanation", "Shipment", "ShipmentLine", "Unfilled"),
    "engine.decision_batch": ("DecisionBatch",),
    "engine.model": ("Inventory", "Line", "Network", "Node", "Order"),
    "engine.order_batch": ("OrderBatch", "orders_from_frame"),
    "engine.session": ("Session", "policy_of"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """The names below, and the engine's modules, imported on first use: a program
    that needs one small part (`engine.files`, `engine.limits`) does not pay for the
    kernel, numpy and the compiler (`sourcing check` starts in a third of the time)."""
    home = _HOME_OF.get(name)
    if home is not None:
        value = getattr(importlib.import_module(home), name)
    else:
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


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
