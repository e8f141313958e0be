"""The data the business checks run on (`sourcing check --nodes F --orders F`, the
studio's Diagnostics panel): the network, and a sample of the orders for the
destinations of `within`. A table that cannot be loaded as the engine loads it (no
`lat` column, say) is not an error here: only the checks that need it are skipped,
and a note says so."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from dsl.diagnostics import Diagnostic
from dsl.errors import SourcingError
from dsl.syntax import Ruleset
from engine.business_checks import business_checks, sample_orders
from engine.errors import DataError
from engine.model import Network, Order
from engine.order_batch import OrderBatch
from engine.tables import load_nodes, load_orders
from engine.tables.reading import Source

CLOCK_VARIABLE = "SOURCING_NOW"
"""An ISO 8601 instant the window check takes as now (for demos and reproducible
tests); unset, the real clock."""


class ClockError(SourcingError, ValueError):
    """SOURCING_NOW is set to something that is not an instant."""


def clock() -> dt.datetime:
    """Now: $SOURCING_NOW when set (an offset-less time is UTC), else the real clock."""
    given = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not given:
        return dt.datetime.now(dt.UTC)
    try:
        instant = dt.datetime.fromisoformat(given)
    except ValueError:
        raise ClockError(
            f"{CLOCK_VARIABLE} must be an ISO 8601 instant such as 2026-11-20T12:00:00+01:00, "
            f"got {given[:40]!r}; unset it to use the clock"
        ) from None
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=dt.UTC)


@dataclass
class CheckData:
    """What the business checks read; `notes` say what could not be loaded and why."""

    network: Network | None = None
    orders: list[Order] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def findings(self, ruleset: Ruleset, now: dt.datetime | None = None) -> list[Diagnostic]:
        """The business findings about `ruleset`, dated `now` (default: `clock()`)."""
        return business_checks(ruleset, self.network, self.orders, now or clock())


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
