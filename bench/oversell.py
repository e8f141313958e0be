"""Did the service sell a unit it did not have? Worked out from what its clients
saw: the decisions `POST /route` and `POST /events` answered, the events sent
and the stock file it started from. (No endpoint shows the service's stock or
allocations; `GET /stats` gives counts only.)

The method, per position (node, SKU):

1. **Supply.** The position starts with the inventory file's on-hand units.
   The events client is one client sending one event at a time, so its events
   are in a known order; at this position a `replenish` adds its units, and a
   `stock_adjust` — the bench only sends counts that find the shelf **empty**
   (`qty` 0) — sets on-hand to 0: every allocation still open there is re-routed
   away (docs/reactions.md), so what is promised there afterwards can only come
   from later receipts. The counts cut the position's life into *epochs*; the
   receipts and counts cut it into *segments* (segment k follows its k-th
   receipt or count; segment 0 is the start), each bringing its supply: the file's
   units, a receipt's units, or nothing (a count).
2. **Demand.** Every order's decisions are replayed in their order (`#1` from
   `/route`, `#2`, `#3`... from the `/events` answers that re-routed it, by
   `rerouted_from`). Units of a SKU at a node appear in the decision that placed
   them — made by that `/route` call or that event — and stay until a later
   decision takes them away (a node never gets more of an order's SKU while it
   still ships some: re-routes leave kept parcels alone). The units in each
   order's **latest** decision are the promises that stood: shipped, or still
   open at the end. Units promised and later moved away by a re-route are not
   counted (they were given back).
3. **When.** Units placed by an event were placed right after it (its segment).
   Units placed by `/route` were placed at some moment between sending the
   request and receiving the answer (the service routes one request at a time),
   so they lie in every segment that this window can reach: after the receipts
   and counts answered before it was sent, at the latest after those sent before
   its answer came.
4. **Enough?** Within an epoch, nothing leaves a position but shipped parcels
   and given-back promises, so the units promised from the start of the epoch up
   to any moment cannot exceed the supply received up to that moment. Units
   placed in segment j of an epoch may thus use the supply of segments
   `epoch start … j`; a unit whose segment is uncertain may use any of its
   candidates, i.e. segments `start of the epoch of its earliest … its latest`.
   Each supplied unit is matched to at most one promised unit (interval matching:
   sweep the segments in order and give each supplied unit to the waiting promise
   whose range ends first, which matches as many as any assignment can).
   **Oversold units** = promised units left unmatched: the fewest units sold
   beyond stock under any order of the requests consistent with what the clients
   saw. 0 means every promise that stood was covered by stock.

Every order's latest decision must also account for each unit ordered (per
SKU, shipped + unfilled = ordered): `unaccounted` counts the units that do not.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict
from dataclasses import dataclass, field

Position = tuple[str, str]
"""(node id, SKU)."""


@dataclass(frozen=True)
class OrderCall:
    """A `POST /route` answered 200: the order's lines, when it was sent and
    answered (the bench's monotonic clock), and its decision (`#1`)."""

    order_id: str
    lines: dict[str, int]
    sent: float
    answered: float
    decision: dict

    @classmethod
    def of(cls, body: dict, sent: float, answered: float, decision: dict) -> OrderCall:
        """From the order sent (the body of `order`) and its decision."""
        lines = Counter()
        for line in body["lines"]:
            lines[line["sku"]] += line["qty"]
        return cls(body["order_id"], dict(lines), sent, answered, decision)


@dataclass(frozen=True)
class EventCall:
    """A `POST /events` of one event, answered 200, the `index`-th the events
    client sent, with the re-route decisions it caused."""

    index: int
    kind: str
    node_id: str
    sku: str | None
    qty: int | None
    sent: float
    answered: float
    decisions: list[dict] = field(default_factory=list)

    @classmethod
    def of(cls, index: int, event: dict, sent: float, answered: float, decisions) -> EventCall:
        """From the event sent (the body of `event`) and the decisions answered."""
        kind, node_id, sku, qty = (event.get(k) for k in ("kind", "node_id", "sku", "qty"))
        return cls(index, kind, node_id, sku, qty, sent, answered, list(decisions))


@dataclass
class Reconciliation:
    oversold: int = 0
    """Units promised beyond stock (see the module's docstring)."""
    unaccounted: int = 0
    """Units ordered that the latest decision neither ships nor lists unfilled."""
    promised: int = 0
    """Units in the orders' latest decisions (shipped or still open)."""
    uncertain: int = 0
    """Promised units whose segment the timing left open (a `/route` call that
    overlapped a receipt or count at its position)."""
    positions: int = 0
    """Positions with a promise or a receipt or count."""
    sold_out: int = 0
    """Epochs of a position (see the module's docstring) in which every unit there
    was promised: where the check is tight."""
    reroutes: int = 0
    """Re-route decisions received."""
    missing: list[str] = field(default_factory=list)
    """Orders whose decisions cannot be replayed (a re-route answer never received)."""
    unanswered: int = 0
    """Calls that got no answer: whether they applied is unknown."""
    worst: list[tuple[Position, int]] = field(default_factory=list)
    """Positions with oversold units, most first (at most 5)."""

    @property
    def verdict(self) -> str:
        """ "met" when nothing is oversold or unaccounted and every call could be replayed."""
        complete = not self.missing and not self.unanswered
        return "met" if self.oversold == 0 and self.unaccounted == 0 and complete else "NOT met"

    def line(self) -> str:
        text = (
            f"oversold units: {self.oversold} ({self.verdict}: 0 required); "
            f"{self.promised:,} units promised at {self.positions:,} positions, "
            f"{self.sold_out:,} times a position "
            f"sold out, {self.uncertain:,} units in an uncertain segment, {self.reroutes:,} "
            f"re-route decisions; units unaccounted: "
            f"{self.unaccounted}"
        )
        if self.missing:
            text += f"; {len(self.missing)} order(s) could not be replayed: {self.missing[:5]}"
        if self.unanswered:
            text += f"; {self.unanswered} call(s) got no answer: whether they applied is unknown"
        if self.worst:
            text += "; worst: " + ", ".join(f"{node}/{sku} +{n}" for (node, sku), n in self.worst)
        return text


def reconcile(
    initial: dict[Position, int],
    orders: list[OrderCall],
    events: list[EventCall],
    unanswered: int = 0,
) -> Reconciliation:
    """Oversold and unaccounted units from the clients' view (module docstring);
    `unanswered`: calls that got no answer (the check is then incomplete)."""
    result = Reconciliation(unanswered=unanswered)
    timeline = _Supply(initial, events)
    revisions = _revisions(orders, events)
    result.reroutes = sum(len(event.decisions) for event in events)
    demand: dict[Position, list[tuple[int, int, int]]] = defaultdict(list)
    for call in orders:
        chain = revisions[call.order_id]
        if sorted(chain) != list(range(1, len(chain) + 1)):
            result.missing.append(call.order_id)
            continue
        for position, units, source in _standing(chain):
            low, high = timeline.segments(position, source)
            demand[position].append((low, high, units))
            result.promised += units
            if low != high:
                result.uncertain += units
        result.unaccounted += _unaccounted(call.lines, chain[len(chain)][0])
    result.missing += sorted(set(revisions) - {call.order_id for call in orders})
    result.positions = len(set(demand) | set(timeline.changes))
    short: list[tuple[Position, int]] = []
    for position, wanted in demand.items():
        starts = timeline.starts(position)
        unmatched, sold_out = _match(timeline.supply(position), starts, wanted)
        result.sold_out += sold_out
        if unmatched:
            short.append((position, unmatched))
            result.oversold += unmatched
    result.worst = sorted(short, key=lambda item: -item[1])[:5]
    return result


Source = tuple[str, float, float] | tuple[str, int]
"""("route", sent, answered) or ("event", index)."""


def revision(decision: dict) -> int:
    """Which of its order's decisions this is: 1 for the first (no `rerouted_from`),
    n + 1 for the one that replaced `ORDER#n`."""
    label = decision.get("rerouted_from")
    return 1 if label is None else int(label.rpartition("#")[2]) + 1


def latest(orders: list[OrderCall], events: list[EventCall]) -> dict[str, dict]:
    """Every order's latest decision received."""
    return {
        order_id: chain[max(chain)][0] for order_id, chain in _revisions(orders, events).items()
    }


def _revisions(
    orders: list[OrderCall], events: list[EventCall]
) -> dict[str, dict[int, tuple[dict, Source]]]:
    """Every order's decisions by number, each with the call that made it."""
    chains: dict[str, dict[int, tuple[dict, Source]]] = {}
    for call in orders:
        chains[call.order_id] = {1: (call.decision, ("route", call.sent, call.answered))}
    for event in events:
        for decision in event.decisions:
            source: Source = ("event", event.index)
            chains.setdefault(decision["order_id"], {})[revision(decision)] = (decision, source)
    return chains


def _standing(chain: dict[int, tuple[dict, Source]]) -> list[tuple[Position, int, Source]]:
    """The promises of the latest decision, each with the call that placed it."""
    live: dict[Position, tuple[int, Source]] = {}
    for number in range(1, len(chain) + 1):
        decision, source = chain[number]
        now = _shipped(decision)
        for position in list(live):
            if now[position] == 0:
                del live[position]
        for position, units in now.items():
            before = live.get(position)
            if before is None:
                live[position] = (units, source)
            elif units <= before[0]:
                live[position] = (units, before[1])  # kept, or partly taken back
            else:  # never expected: count the growth as placed by this call
                live[position] = (units, source)
    return [(position, units, source) for position, (units, source) in live.items()]


def _shipped(decision: dict) -> Counter[Position]:
    """Units a decision ships, per position."""
    units: Counter[Position] = Counter()
    for shipment in decision["shipments"]:
        for line in shipment["lines"]:
            units[(shipment["node_id"], line["sku"])] += line["qty"]
    return units


def _unaccounted(lines: dict[str, int], decision: dict) -> int:
    placed: Counter[str] = Counter()
    for (_, sku), units in _shipped(decision).items():
        placed[sku] += units
    for item in decision["unfilled"]:
        placed[item["sku"]] += item["qty"]
    ordered = Counter(lines)
    return sum(((ordered - placed) + (placed - ordered)).values())


class _Supply:
    """Each position's receipts and counts, in the events client's order."""

    def __init__(self, initial: dict[Position, int], events: list[EventCall]):
        self.initial = initial
        self.changes: dict[Position, list[EventCall]] = defaultdict(list)
        for event in sorted(events, key=lambda e: e.index):
            if event.kind in ("replenish", "stock_adjust"):
                if event.kind == "stock_adjust" and event.qty != 0:
                    raise ValueError("only counts that find the shelf empty can be reconciled")
                self.changes[(event.node_id, event.sku)].append(event)
        self._sent = {p: [e.sent for e in c] for p, c in self.changes.items()}
        self._answered = {p: [e.answered for e in c] for p, c in self.changes.items()}
        self._index = {p: [e.index for e in c] for p, c in self.changes.items()}
        self._starts: dict[Position, list[int]] = {}
        for position, changes in self.changes.items():
            starts = [0]
            for k, event in enumerate(changes, start=1):
                starts.append(k if event.kind == "stock_adjust" else starts[-1])
            self._starts[position] = starts

    def supply(self, position: Position) -> list[int]:
        """Units each segment brings."""
        units = [self.initial.get(position, 0)]
        for event in self.changes.get(position, ()):
            units.append(event.qty if event.kind == "replenish" else 0)
        return units

    def starts(self, position: Position) -> list[int]:
        """For each segment, the segment that opens its epoch (the last count at
        or before it)."""
        return self._starts.get(position, [0])

    def segments(self, position: Position, source: Source) -> tuple[int, int]:
        """The earliest and the latest segment the call may have placed units in."""
        if source[0] == "event":
            at = bisect.bisect_right(self._index.get(position, []), source[1])
            return at, at
        _, sent, answered = source
        before = bisect.bisect_left(self._answered.get(position, []), sent)
        possibly = bisect.bisect_left(self._sent.get(position, []), answered)
        return before, possibly


def _match(supply: list[int], starts: list[int], wanted) -> tuple[int, int]:
    """Promised units no supplied unit can cover (interval matching, module
    docstring), and the epochs sold out: every unit they brought promised."""
    ranges = sorted((starts[low], high, units) for low, high, units in wanted)
    waiting: list[list[int]] = []  # [last segment, units], the first to expire on top
    unmatched = 0
    left = Counter()  # units of each epoch's supply nobody took
    step = 0
    for segment, units in enumerate(supply):
        while step < len(ranges) and ranges[step][0] <= segment:
            heapq.heappush(waiting, [ranges[step][1], ranges[step][2]])
            step += 1
        while waiting and waiting[0][0] < segment:
            unmatched += heapq.heappop(waiting)[1]
        while units and waiting:
            take = min(units, waiting[0][1])
            units -= take
            waiting[0][1] -= take
            if waiting[0][1] == 0:
                heapq.heappop(waiting)
        left[starts[segment]] += units
    unmatched += sum(entry[1] for entry in waiting)
    brought = Counter()
    for segment, units in enumerate(supply):
        brought[starts[segment]] += units
    sold_out = sum(1 for epoch in brought if brought[epoch] and not left[epoch])
    return unmatched, sold_out
