"""The data the business checks run on (`sourcing check --nodes F --orders F`, the
studio's Diagnostics panel): the network, and a sample of the orders for the
destinations of `within`. A table that cannot be loaded as the engine loads it (no
`lat` column, say) is not an error here: only the checks that need it are skipped,
and a note says so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from dsl.diagnostics import Diagnostic
from dsl.syntax import Ruleset
from engine.business_checks import business_checks, sample_orders
from engine.errors import DataError
from engine.model import Network, Order
from engine.order_batch import OrderBatch
from engine.tables import load_nodes, load_orders
from engine.tables.reading import Source


@dataclass
class CheckData:
    """What the business checks read; `notes` say what could not be loaded and why."""

    network: Network | None = None
    orders: list[Order] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def findings(self, ruleset: Ruleset, now: dt.datetime | None = None) -> list[Diagnostic]:
        return business_checks(ruleset, self.network, self.orders, now)


def load_check_data(nodes: Source | None, orders: Source | None) -> CheckData:
    """Load the tables given; a table the engine refuses becomes a note, not an error."""
    data = CheckData()
    if nodes:
        try:
            data.network = Network.from_arrow(load_nodes(nodes).arrow)
        except DataError as error:
            data.notes.append(f"{nodes}: the checks that need the network are skipped: {error}")
    if orders:
        known = list(data.network.ids) if data.network is not None else None
        try:
            table = load_orders(orders, known)
            data.orders = sample_orders(OrderBatch.from_arrow(table.arrow, dt.UTC))
        except DataError as error:
            data.notes.append(
                f"{orders}: `within` is measured to the stores instead of the orders: {error}"
            )
    return data
