"""A long stream of mixed events over the demo data — cancels, changes of address and
delivery method, stores refusing lines, parcels leaving, receipts, stock counts, outages
and their return — through the replay that `sourcing route --events` runs, through the
command line itself and through the HTTP service, with the bookkeeping checked after
every event (docs/reactions.md, "Invariants"):

- at every node and SKU, allocated + held ≤ on hand (free stock never below 0);
- every ordered unit of every order an event touched is exactly one of open, shipped,
  backordered, cancelled or unfilled, and its decision says the same;
- durable-rules holds exactly one fact per open allocation, and never crashes;

and the whole ledger audited (`problems()`) every 5,000 events and at the end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from service_world import serve

import engine
from engine.events import events_from_frame
from engine.ledger_audit import unit_problems
from engine.tables import load_events, load_inventory, load_nodes, load_orders
from simulations.demo_data import generate
from simulations.demo_data.events import mixed_events, shippers_of

RULESET = Path(__file__).parents[1] / "rulesets" / "france.route"
EVENTS = 100_000
AUDIT_EVERY = 5_000


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo year (20,000 orders) and 100,000 mixed events over it."""
    folder = tmp_path_factory.mktemp("demo")
    paths = generate(folder, replenishments=False)
    orders = pd.read_csv(paths["orders"])
    nodes = pd.read_csv(paths["nodes"])
    # aim rejects and shipments at the nodes a first routing chose
    tables = [load_nodes(paths["nodes"])]
    ids = tables[0].frame["id"].tolist()
    with engine.Session.open(
        RULESET.read_text(), tables[0], load_inventory(paths["inventory"], ids)
    ) as first:
        decided = first.route(load_orders(paths["orders"], ids, "Europe/Paris"))
    events = mixed_events(orders, nodes, EVENTS, shippers=shippers_of(decided))
    events.to_csv(folder / "events.csv", index=False)
    return paths, folder / "events.csv"


class Checked:
    """Wraps a session's `Reactions.apply` to check the invariants after each event."""

    def __init__(self, reactions):
        self.reactions = reactions
        self.applied = self.refused = self.changed = 0
        self.kinds: dict[str, int] = {}
        self._apply = reactions.apply
        reactions.apply = self.apply

    def apply(self, event):
        decisions = self._apply(event)  # a refusal raises: counted by the caller
        self.applied += 1
        self.changed += len(decisions)
        self.kinds[event.kind] = self.kinds.get(event.kind, 0) + 1
        check_after_event(self.reactions, decisions)
        if self.applied % AUDIT_EVERY == 0:
            assert self.reactions.problems() == []
        return decisions


def check_after_event(reactions, decisions) -> None:
    ledger = reactions.ledger
    inventory = ledger.inventory
    assert (inventory.free[: len(inventory.skus)] >= 0).all(), "allocated + held > on hand"
    open_units: dict[str, dict[str, int]] = {}
    touched = {d.order_id for d in decisions}
    for allocation in ledger.open.values():
        if allocation.order_id in touched:
            units = open_units.setdefault(allocation.order_id, {})
            units[allocation.sku] = units.get(allocation.sku, 0) + allocation.qty
    for order_id in touched:
        record = ledger.orders[order_id]
        assert unit_problems(record, open_units.get(order_id, {})) == []
    assert len(reactions._facts) == len(ledger.open)


def test_a_hundred_thousand_mixed_events_keep_every_unit_accounted_for(demo):
    paths, events_file = demo
    nodes = load_nodes(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    orders = load_orders(paths["orders"], ids, "Europe/Paris")
    events = load_events(events_file, ids)
    assert events.rejects.empty
    ruleset = RULESET.read_text()
    with engine.Session.open(ruleset, nodes, load_inventory(paths["inventory"], ids)) as session:
        checked = Checked(session.follow())
        steps = list(session.replay(orders, (), events_from_frame(events.frame)))
        reactions = session.reactions
        refused = session.refused_events
        assert checked.applied + len(refused) == EVENTS
        assert reactions.problems() == []
        totals = reactions.ledger.totals()
        assert totals["ordered"] == (totals["allocated"] + totals["unfilled"] + totals["cancelled"])
        assert reactions.facts() and len(reactions.facts()) >= len(reactions.ledger.open)
    # every kind applied many times, and refusals name the order and why
    assert all(checked.kinds.get(kind, 0) > 500 for kind in engine.events.EVENT_KINDS
               if kind != "capacity_change")  # fmt: skip
    assert checked.changed > 20_000
    assert any("nothing left to cancel" in why for _, why in refused)
    assert sum(len(step.decisions) for step in steps) == 20_000 + checked.changed


def test_the_command_line_replays_the_stream_and_lists_what_it_refused(demo, tmp_path):
    paths, events_file = demo
    head = pd.read_csv(events_file).head(5_000)
    head.to_csv(tmp_path / "events.csv", index=False)
    out = tmp_path / "decisions.jsonl"
    command = [
        sys.executable, "-m", "cli.main", "route", str(RULESET), "--nodes", str(paths["nodes"]),
        "--inventory", str(paths["inventory"]), "--orders", str(paths["orders"]),
        "--events", str(tmp_path / "events.csv"), "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert done.returncode == 0, done.stderr
    applied = int(done.stderr.split(" event(s) applied")[0].rsplit("\n", 1)[-1])
    refused = done.stderr.count("event refused (")
    assert applied + refused == 5_000
    decisions = [json.loads(line) for line in out.read_text().splitlines()[:3]]
    assert all("order_id" in d for d in decisions)
    assert '"cancelled": [{"sku"' in out.read_text()


def test_the_service_takes_orders_and_the_stream_in_batches_and_stays_consistent(demo):
    """The first 2,000 orders and the events of the stream until then, interleaved by
    time and sent in batches of at most 200 (the clock at each batch's last instant):
    every batch answers 200, and the ledger's audit holds after each."""
    paths, events_file = demo
    lines = pd.read_csv(paths["orders"])
    first = lines["order_id"].drop_duplicates().head(2_000)
    lines = lines[lines["order_id"].isin(first)]
    end = pd.to_datetime(lines["created_at"], utc=True, format="ISO8601").max()
    stream = pd.read_csv(events_file)
    stream = stream[pd.to_datetime(stream["at"], utc=True, format="ISO8601") <= end]
    items = sorted(
        [(moment(o["created_at"]), 1, o) for o in order_bodies(lines)]
        + [(moment(e["at"]), 0, e) for e in event_bodies(stream)],
        key=lambda item: (item[0], item[1]),
    )
    files = {"nodes": paths["nodes"], "inventory": paths["inventory"], "ruleset": RULESET}
    applied = refused = 0
    with serve(files) as served:
        for kind, batch in batches(items, 200):
            served.clock.now = batch[-1][0]
            bodies = [body for _, _, body in batch]
            answer = served.client.post(
                "/route" if kind else "/events", json={"orders" if kind else "events": bodies}
            )
            if not kind and len(batch) == 1 and answer.status_code == 422:
                refused += 1  # the one event of the request could not apply
                assert "detail" in answer.json()
                continue
            assert answer.status_code == 200, answer.text
            if not kind:
                applied += answer.json()["applied"]
                refused += len(answer.json().get("refused", []))
            assert served.reactions.problems() == []
    assert applied > 1_000
    assert applied + refused == len(stream)


def moment(text: str):
    return pd.Timestamp(text).tz_convert("UTC").to_pydatetime()


def batches(items, size):
    """Consecutive items of one kind (orders 1, events 0), at most `size` at a time."""
    batch: list = []
    for item in items:
        if batch and (item[1] != batch[0][1] or len(batch) == size):
            yield batch[0][1], batch
            batch = []
        batch.append(item)
    if batch:
        yield batch[0][1], batch


def order_bodies(lines: pd.DataFrame) -> list[dict]:
    out = []
    for order_id, rows in lines.groupby("order_id", sort=False):
        head = rows.iloc[0]
        body = {
            "order_id": order_id,
            "created_at": head["created_at"],
            "channel": head["channel"],
            "delivery": head["delivery"],
            "tier": head["tier"],
            "dest_lat": float(head["dest_lat"]),
            "dest_lon": float(head["dest_lon"]),
            "lines": [{"sku": r.sku, "qty": int(r.qty)} for r in rows.itertuples()],
        }
        if head["delivery"] == "collect":
            body["collect_node"] = head["collect_node"]
        out.append(body)
    return out


def event_bodies(stream: pd.DataFrame) -> list[dict]:
    out = []
    for row in stream.to_dict("records"):
        body = {k: v for k, v in row.items() if (isinstance(v, str) and v) or _number(v)}
        if "qty" in body:
            body["qty"] = int(body["qty"])
        out.append(body)
    return out


def _number(value) -> bool:
    return isinstance(value, int | float) and value == value  # not NaN
