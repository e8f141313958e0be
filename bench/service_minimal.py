"""The yardstick of the routing service: a minimal FastAPI endpoint on the same
web stack (uvicorn, FastAPI, pydantic) that validates the same request model as
POST /route (`service.models.RouteRequest`, one order) and answers a fixed
decision — no key, no stock, no routing. What separates POST /route from it is
the service's own work.

    python -m uvicorn bench.service_minimal:app --host 127.0.0.1 --port 8001
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from service.models import RouteRequest

DECISION = {
    "order_id": "BENCH-0000000",
    "status": "fulfilled",
    "strategies": ["home"],
    "shipments": [
        {
            "node_id": "DC-000",
            "lines": [{"sku": "SKU-0000", "qty": 1}, {"sku": "SKU-0100", "qty": 2}],
            "distance_km": 412.5,
            "cost": 9.35,
            "eta_days": 1.0,
            "strategy": "home",
        }
    ],
    "unfilled": [],
    "explain": [],
}
"""A decision of the size POST /route answers in the bench (one shipment, two lines)."""

app = FastAPI(title="minimal endpoint", docs_url=None, redoc_url=None)


@app.get("/health")
async def health() -> dict[str, str]:
    """For the bench to see it is up."""
    return {"status": "ok"}


@app.post("/route")
async def route(request: RouteRequest) -> dict[str, Any]:  # noqa: ARG001 (validated, unused)
    """Validate the body as POST /route does; answer the same decision every time."""
    return {"decisions": [DECISION]}
