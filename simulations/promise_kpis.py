"""The delivery-promise KPIs of a run with carriers (docs/kpis.md, "The delivery
promise"): how many days the orders were promised, how many next day, how many missed a
cut-off, how many parcels a full carrier refused, and the carrier mix.

They are computed from the decision tables' promise columns (simulations.decisions)
and only for a run with carriers: a run without keeps exactly its former figures.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulations.shipment_promises import NO_DAY, day_numbers_of

PROMISE_KEYS = (
    "promised_orders",
    "avg_promised_days",
    "p90_promised_days",
    "next_day_rate",
    "missed_cutoff_orders",
    "missed_cutoff_rate",
    "capped_parcels",
)
"""The overall figures a run with carriers adds after OVERALL_KEYS (and per channel
and per day)."""
NODE_TYPE_PROMISE_KEYS = (
    "avg_promised_days",
    "next_day_rate",
    "missed_cutoff_orders",
    "capped_parcels",
)
"""The promise figures per node type, over the shipments of the type."""
NEXT_DAY = 1
"""An order is promised next day when its promised date is at most this many days
after its local date."""
CARRIER_MIX_COLUMNS = [
    "carrier",
    "service",
    "shipments",
    "share_of_shipments",
    "units",
    "cost",
    "cost_per_shipment",
    "co2_kg",
    "avg_promised_days",
    "capped_parcels",
]
BY_CARRIER_COLUMNS = ["carrier", "shipments", "share_of_shipments", "cost", "cost_per_shipment"]


def promise_measures(orders: pd.DataFrame) -> pd.DataFrame:
    """Per-order amounts whose sums over any set of orders give its promise figures (the
    90th percentile aside): promised (routed with a promised date), Σ promised days,
    next day, missed cut-off, capped parcels."""
    routed = orders["routed"].to_numpy(dtype=bool)
    days = orders["days_promised"].to_numpy(dtype="float64")
    promised = routed & ~np.isnan(days)
    return pd.DataFrame(
        {
            "promised": promised.astype("int64"),
            "promised_days": np.where(promised, days, 0.0),
            "next_day": (promised & (np.nan_to_num(days, nan=np.inf) <= NEXT_DAY)).astype("int64"),
            "missed_cutoff": (routed & orders["missed_cutoff"].to_numpy(dtype=bool)).astype(
                "int64"
            ),
            "capped": np.where(routed, orders["capped_parcels"].to_numpy(dtype="int64"), 0),
        },
        index=orders.index,
    )


def promised_days(orders: pd.DataFrame) -> pd.Series:
    """The promised days of the routed orders with a promise (the p90's values)."""
    days = orders["days_promised"]
    return days[orders["routed"].to_numpy(dtype=bool) & days.notna().to_numpy()]


def promise_figures(m, p90: float | None) -> dict:
    """The PROMISE_KEYS figures from summed `promise_measures` and the 90th percentile of
    the promised days."""
    promised, routed = int(m["promised"]), int(m["routed"])
    return {
        "promised_orders": promised,
        "avg_promised_days": _ratio(m["promised_days"], promised),
        "p90_promised_days": None if p90 is None or pd.isna(p90) else float(p90),
        "next_day_rate": _ratio(m["next_day"], promised),
        "missed_cutoff_orders": int(m["missed_cutoff"]),
        "missed_cutoff_rate": _ratio(m["missed_cutoff"], routed),
        "capped_parcels": int(m["capped"]),
    }


def shipment_co2(shipments: pd.DataFrame, co2_kg_per_km: float) -> np.ndarray:
    """Each shipment's CO2 in kg: its carrier service's figure, or distance × the
    constant for a shipment without one."""
    km = shipments["distance_km"].to_numpy(dtype="float64")
    given = shipments["co2_kg"].to_numpy(dtype="float64")
    return np.where(np.isnan(given), km * co2_kg_per_km, given)


def shipment_promised_days(shipments: pd.DataFrame) -> np.ndarray:
    """Days from each shipment's order's local date to its promised date (NaN: none)."""
    promised = day_numbers_of(shipments["promised_date"].to_numpy())
    day = day_numbers_of(shipments["day"].to_numpy())
    return np.where(promised == NO_DAY, np.nan, (promised - day).astype("float64"))


def node_type_promise(shipments: pd.DataFrame) -> dict:
    """NODE_TYPE_PROMISE_KEYS over the shipments of one node type."""
    days = shipment_promised_days(shipments)
    known = days[~np.isnan(days)]
    picked = day_numbers_of(shipments["pick_date"].to_numpy())
    day = day_numbers_of(shipments["day"].to_numpy())
    late = (picked != NO_DAY) & (picked > day)
    return {
        "avg_promised_days": float(known.mean()) if len(known) else None,
        "next_day_rate": _ratio((known <= NEXT_DAY).sum(), len(known)),
        "missed_cutoff_orders": int(shipments.loc[late, "order_id"].nunique()),
        "capped_parcels": int(shipments["capped"].to_numpy(dtype=bool).sum()),
    }


def carrier_mix(shipments: pd.DataFrame, co2_kg_per_km: float) -> pd.DataFrame:
    """One row per carrier service that carried a shipment, by carrier then service
    name; shipments without a carrier service last, as a row with both empty."""
    if shipments.empty:
        return pd.DataFrame(columns=CARRIER_MIX_COLUMNS)
    frame = pd.DataFrame(
        {
            "carrier": shipments["carrier"].astype(object).to_numpy(),
            "service": shipments["service"].astype(object).to_numpy(),
            "units": shipments["units"].to_numpy(dtype="int64"),
            "cost": shipments["cost"].to_numpy(dtype="float64"),
            "co2_kg": shipment_co2(shipments, co2_kg_per_km),
            "days": shipment_promised_days(shipments),
            "capped": shipments["capped"].to_numpy(dtype="int64"),
        }
    )
    frame[["carrier", "service"]] = frame[["carrier", "service"]].where(
        frame[["carrier", "service"]].notna(), None
    )
    grouped = frame.groupby(["carrier", "service"], dropna=False, sort=False)
    out = grouped.agg(
        shipments=("units", "size"),
        units=("units", "sum"),
        cost=("cost", "sum"),
        co2_kg=("co2_kg", "sum"),
        avg_promised_days=("days", "mean"),
        capped_parcels=("capped", "sum"),
    ).reset_index()
    out["share_of_shipments"] = out["shipments"] / len(shipments)
    out["cost_per_shipment"] = out["cost"] / out["shipments"]
    out["last"] = out["carrier"].isna()
    out = out.sort_values(["last", "carrier", "service"], kind="stable", na_position="last")
    return _typed(out[CARRIER_MIX_COLUMNS].reset_index(drop=True), ("carrier", "service"))


def by_carrier(mix: pd.DataFrame) -> pd.DataFrame:
    """The carrier mix summed per carrier (the services of each together)."""
    if mix.empty:
        return pd.DataFrame(columns=BY_CARRIER_COLUMNS)
    total = mix["shipments"].sum()
    grouped = mix.groupby("carrier", dropna=False, sort=False)
    out = grouped.agg(shipments=("shipments", "sum"), cost=("cost", "sum")).reset_index()
    out["share_of_shipments"] = out["shipments"] / total
    out["cost_per_shipment"] = out["cost"] / out["shipments"]
    return _typed(out[BY_CARRIER_COLUMNS].reset_index(drop=True), ("carrier",))


def service_names(mix: pd.DataFrame) -> list[str]:
    """`carrier service` of each carrier-mix row (`no carrier` for the row without)."""
    if mix.empty:
        return []
    return [
        "no carrier" if carrier is None else f"{carrier} {service}"
        for carrier, service in zip(mix["carrier"], mix["service"], strict=True)
    ]


def _typed(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """Names as text (None where a shipment had no carrier), counts as int64."""
    frame = frame.copy()
    for name in names:
        frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    for name in ("shipments", "units", "capped_parcels"):
        if name in frame:
            frame[name] = frame[name].astype("int64")
    return frame


def _ratio(numerator, denominator) -> float | None:
    if not denominator:
        return None
    return float(numerator) / float(denominator)
