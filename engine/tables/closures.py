"""The closures table: days a node does not pick, a carrier neither collects nor
delivers, or nothing works at all (a public holiday), as `date, scope, id,
reason` (promise.md).

`load_closures` returns a `Closures`: a `Table` (good rows in `arrow`, rejects
in `reject_rows`) with a look-up by (scope, id, day). Days are local dates; the
look-ups take a `datetime.date` or a day number (days since 1970-01-01)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engine.arrow import EMPTY, Ints, Mask, from_numpy, row_indices, scalar, str_list
from engine.arrow import to_numpy as as_numpy
from engine.columns import CLOSURE_COLUMNS
from engine.tables.calendar_cells import NO_DAY, local_dates
from engine.tables.calendar_text import date_of, day_number
from engine.tables.carriers import Carriers
from engine.tables.cells import ColumnReader
from engine.tables.ids import KnownIds, repeated_keys
from engine.tables.raw import FrameLayout
from engine.tables.reading import Source, read_source
from engine.tables.rejects import RejectRow
from engine.tables.table import Table
from engine.tables.text import shown

__all__ = ["CLOSURE_COLUMNS", "CLOSURE_REQUIRED", "SCOPES", "Closures", "load_closures"]

CLOSURE_REQUIRED = ("date", "scope")
SCOPES = ("node", "carrier", "all")

Day = dt.date | int
"""A local date, or its day number (days since 1970-01-01)."""


class Closures(Table):
    """The closures table: `Table.arrow` (`date` as date32) and the rejects, and
    the closed days of every (scope, id) for look-ups."""

    def __init__(
        self, arrow: pa.Table, reject_rows: list[RejectRow], layout: FrameLayout | None = None
    ) -> None:
        super().__init__(arrow, reject_rows, layout)
        days = as_numpy(arrow["date"].combine_chunks().cast(pa.int32())).tolist()
        scopes = str_list(arrow["scope"].combine_chunks())
        ids = str_list(arrow["id"].combine_chunks())
        closed: dict[tuple[str, str], set[int]] = {}
        for day, scope, key in zip(days, scopes, ids, strict=True):
            closed.setdefault((scope, key), set()).add(day)
        self._closed = {key: frozenset(found) for key, found in closed.items()}

    def days(self, scope: str, key: str = "") -> frozenset[int]:
        """The day numbers closed for exactly (scope, id): `("all", "")`,
        `("node", "DC-LYON")`, `("carrier", "colissimo")`."""
        return self._closed.get((scope, key), frozenset())

    def closed(self, scope: str, key: str, day: Day) -> bool:
        """Whether the table closes exactly (scope, id) on `day` (no `all` implied)."""
        return _number(day) in self.days(scope, key)

    def node_closed(self, node_id: str, day: Day) -> bool:
        """Whether the node does not pick on `day`: a closure of the node, or of all."""
        number = _number(day)
        return number in self.days("node", node_id) or number in self.days("all")

    def carrier_closed(self, carrier: str, day: Day) -> bool:
        """Whether the carrier neither collects nor delivers on `day`: a closure of
        the carrier (every service of it), or of all."""
        number = _number(day)
        return number in self.days("carrier", carrier) or number in self.days("all")

    def dates(self, scope: str, key: str = "") -> list[dt.date]:
        """The dates closed for exactly (scope, id), in order."""
        return [date_of(number) for number in sorted(self.days(scope, key))]


def _number(day: Day) -> int:
    return day if isinstance(day, int) else day_number(day)


def load_closures(
    source: Source,
    node_ids: KnownIds | None = None,
    carriers: Carriers | KnownIds | None = None,
) -> Closures:
    """Closures in file order, normalised, with a reject per bad cell. `node_ids`
    (any list of node ids) turns on the check that a node closure names a known
    node, `carriers` (carrier names, or a `Carriers` table) that a carrier closure
    names a known carrier. A later row repeating a (date, scope, id) is rejected
    (the first one counts). See docs/data.md, "closures"."""
    raw = read_source(source, "closures", CLOSURE_REQUIRED)
    read = ColumnReader(raw, "closures")
    for broken in raw.broken:
        read.log.add_row(broken.row, "", broken.reason)
    days, _ = local_dates(read, "date", required=True)
    scope = read.choice("scope", SCOPES)
    ids = read.identifier("id", required=False)
    named = as_numpy(pc.not_equal(ids, EMPTY))
    _check_ids(read, scope, named, node_ids, carriers)
    reasons = read.free_text("reason")
    _reject_repeated_closures(read, days, scope, ids)
    columns = {
        "date": from_numpy(np.where(days == NO_DAY, 0, days).astype(np.int32), pa.date32()),
        "scope": scope,
        "id": ids,
        "reason": reasons,
    }
    extras, kept = read.extras(CLOSURE_COLUMNS)
    good = np.flatnonzero(~read.log.bad(raw.size))
    layout = FrameLayout(kept=kept, originals=raw.originals, positions=good)
    table = pa.table({**columns, **extras}).take(row_indices(good))
    return Closures(table, read.log.rejects(), layout)


def _check_ids(
    read: ColumnReader,
    scope: pa.Array[Any],
    named: Mask,
    node_ids: KnownIds | None,
    carriers: Carriers | KnownIds | None,
) -> None:
    """A node or carrier closure names one (known, when the names are given);
    a closure of all names none."""
    of_node = as_numpy(pc.equal(scope, scalar("node")))
    of_carrier = as_numpy(pc.equal(scope, scalar("carrier")))
    of_all = as_numpy(pc.equal(scope, scalar("all")))
    read.log.add(of_node & ~named, "id", "id is empty; a node closure names the node it closes")
    read.log.add(
        of_carrier & ~named, "id", "id is empty; a carrier closure names the carrier it closes"
    )
    wrong = of_all & named
    if wrong.any():
        read.log.add(
            wrong,
            "id",
            [
                f"id must be empty for scope all (it closes every node and carrier), got {v}"
                for v in shown(read.texts_at("id", wrong))
            ],
        )
    if not read.has("id"):
        return
    read.known("id", node_ids, of_node & named, "node")
    if carriers is not None:
        names = carriers.carrier if isinstance(carriers, Carriers) else carriers
        read.known("id", _carrier_names(names), of_carrier & named, "carrier")


def _carrier_names(names: Iterable[object]) -> list[str]:
    """Carrier names, each once (a Carriers table lists one per service)."""
    return list(dict.fromkeys(str(name) for name in names))


def _reject_repeated_closures(
    read: ColumnReader, days: Ints, scope: pa.Array[Any], ids: pa.Array[Any]
) -> None:
    """A later row repeating the (date, scope, id) of an earlier good row: the
    first counts. Run after every other check."""
    good = np.flatnonzero(~read.log.bad(read.size))
    if len(good) < 2:
        return
    scopes = as_numpy(scope.dictionary_encode().indices).astype(np.int64)
    names = as_numpy(ids.dictionary_encode().indices).astype(np.int64)
    parts = np.stack([days[good], scopes[good], names[good]])
    _, keys = np.unique(parts, axis=1, return_inverse=True)
    repeated, first = repeated_keys(keys.ravel().astype(np.int64), len(good))
    if not repeated.any():
        return
    where = good[repeated]
    mask = np.zeros(read.size, dtype=bool)
    mask[where] = True
    first_rows = read.raw.rows[good[first[repeated]]].tolist()
    reasons = []
    for position, row in zip(where.tolist(), first_rows, strict=True):
        kind, key = str_list(scope.slice(position, 1))[0], str_list(ids.slice(position, 1))[0]
        what = "every node and carrier" if kind == "all" else f"{kind} {key!r}"
        day = date_of(int(days[position])).isoformat()
        reasons.append(
            f"a closure of {what} on {day} already appears on row {row}; only the first row counts"
        )
    read.log.add(mask, "date", reasons)
