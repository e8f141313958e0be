"""The routing service's bench world: a seeded network and its stock written to a
scratch folder, the France ruleset's artifact signed with a scratch key, API
keys, and `python -m service` started on them in a child process.

The network: 6 DCs and 54 stores across France, 300 SKUs. The first
`SCARCE_SKUS` are **scarce**: every order of the bench wants one, and a DC holds
40–120 units of each, two stores in five 1–3 — a few seconds of demand under
load, so positions sell out and orders compete for their last units (receipts
restock them: bench.service_load). The others are plentiful (DCs 50–400, stores
1–12). Parcels leave `HANDLING_SECONDS` after routing (`handling_days` of that
many seconds), so an allocation stays open — and events can re-route it — for a
moment, then its order finishes and leaves the service's memory.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DCS, STORES, SKUS, SCARCE_SKUS = 6, 54, 300, 12
HANDLING_SECONDS = 1.0
FINISHED_IDS = 2_000
"""The service's window of finished ids in the bench: full after the warm-up."""


@dataclass(frozen=True)
class World:
    files: dict[str, Path]
    order_token: str
    """Scopes route and read."""
    event_token: str
    """Scope events."""
    dcs: list[str]
    stores: list[str]
    stock: dict[tuple[str, str], int]
    """On-hand units at start, per (node id, SKU)."""


def sku(number: int) -> str:
    return f"SKU-{number:04d}"


def write_world(folder: Path) -> World:
    """Seeded network, stock, a scratch key pair and the France ruleset's artifact
    signed with it (the service trusts that key only: see `start`), and two API keys."""
    from engine.artifact import build_artifact, sign_artifact, write_artifact
    from engine.signing import generate_key_pair, load_signing_key
    from service.keys import make_key

    rng = random.Random(2026)
    handling = f"{HANDLING_SECONDS / 86_400:.10f}"
    rows = ["id,name,type,lat,lon,tags,can_ship,capacity,priority,pick_cost,"
            "ship_cost_base,ship_cost_per_km,handling_days"]  # fmt: skip
    dcs = [f"DC-{i:03d}" for i in range(DCS)]
    stores = [f"ST-{i:03d}" for i in range(STORES)]
    for i, node_id in enumerate(dcs + stores):
        dc = i < DCS
        tags = "flagship" if not dc and rng.random() < 0.15 else ""
        capacity = "" if dc else rng.choice(["", "200", "500"])
        rows.append(
            f"{node_id},{node_id},{'dc' if dc else 'store'},{rng.uniform(43.3, 50.9):.4f},"
            f"{rng.uniform(-1.5, 7.5):.4f},{tags},true,{capacity},{i},0.4,"
            f"{4.0 if dc else 3.0},0.012,{handling}"
        )
    nodes = folder / "nodes.csv"
    nodes.write_text("\n".join(rows) + "\n", encoding="utf-8")
    stock: dict[tuple[str, str], int] = {}
    for node_id in dcs + stores:
        dc = node_id.startswith("DC")
        for s in range(SKUS):
            scarce = s < SCARCE_SKUS
            if dc:
                units = rng.randint(40, 120) if scarce else rng.randint(50, 400)
            elif rng.random() < 0.4:
                units = rng.randint(1, 3) if scarce else rng.randint(1, 12)
            else:
                continue
            stock[(node_id, sku(s))] = units
    inventory = folder / "inventory.csv"
    lines = [f"{node_id},{code},{units}" for (node_id, code), units in stock.items()]
    inventory.write_text("node_id,sku,on_hand\n" + "\n".join(lines) + "\n", encoding="utf-8")
    text = (ROOT / "rulesets" / "france.route").read_text(encoding="utf-8")
    private, public, _ = generate_key_pair(folder / "keys")
    document = sign_artifact(
        build_artifact(text, name="france", version=1), load_signing_key(private)
    )
    artifact = write_artifact(document, folder / "a.json")
    order_key, order_token = make_key("bench-orders", "route,read")
    event_key, event_token = make_key("bench-events", "events")
    keys = folder / "keys.txt"
    keys.write_text(order_key.line() + "\n" + event_key.line() + "\n", encoding="utf-8")
    files = {
        "nodes": nodes,
        "inventory": inventory,
        "artifact": artifact,
        "public_key": public,
        "keys": keys,
    }
    return World(files, order_token, event_token, dcs, stores, stock)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start(files: dict[str, Path], port: int, log: Path) -> subprocess.Popen:
    """`python -m service` on the world's files; its stderr goes to `log`."""
    command = [
        sys.executable, "-m", "service",
        "--nodes", str(files["nodes"]), "--inventory", str(files["inventory"]),
        "--artifact", str(files["artifact"]), "--host", HOST, "--port", str(port),
    ]  # fmt: skip
    environment = {
        **os.environ,
        "SOURCING_TRUSTED_KEYS": str(files["public_key"]),
        "SOURCING_SERVICE_KEYS_FILE": str(files["keys"]),
        "SOURCING_SERVICE_FINISHED_IDS": str(FINISHED_IDS),
    }
    environment.pop("SOURCING_ALLOW_UNSIGNED", None)
    with log.open("wb") as errors:
        return subprocess.Popen(
            command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors
        )


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def wait_until_up(base: str, server: subprocess.Popen, log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"the service stopped: {tail}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the service did not answer on {base} within {seconds:.0f} s")
