"""The values a condition's value picker offers: the language's own words for a field
(`node.type`: dc, store, …) and the values found in the loaded data (tags, regions and
ids of the nodes; channels, tiers and delivery methods of the orders; the carriers and
services of the carriers table; methods, conditions, reasons and drop stores of the
returns), read once per
file version from only the columns needed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dsl.schema import FIELDS
from studio import data

PICKED_COLUMNS = {
    "nodes": {
        "node.id": "id",
        "node.type": "type",
        "node.region": "region",
        "node.country": "country",
        "node.tags": "tags",
    },
    "orders": {
        "order.channel": "channel",
        "order.tier": "tier",
        "order.delivery": "delivery",
        "order.country": "country",
        "order.region": "region",
        "order.collect_node": "collect_node",
    },
    "carriers": {"carrier.name": "carrier", "carrier.service": "service"},
    "returns": {
        "return.method": "method",
        "return.condition": "condition",
        "return.reason": "reason",
        "return.drop_node": "drop_node",
    },
}
"""Fields whose value is picked from a list, and the data column the list comes from."""
TAG_SEPARATOR = ";"
"""Tags are written `flagship;urban` in the nodes table (docs/data.md)."""
PICKED_FIELDS = frozenset(field for fields in PICKED_COLUMNS.values() for field in fields)


def known_values() -> dict[str, tuple[str, ...]]:
    """For each picked field: the language's values, then the data's, sorted, no repeats."""
    found: dict[str, list[str]] = {
        field: list(FIELDS[field].values) for field in PICKED_FIELDS if field in FIELDS
    }
    files = data.session_files()
    for kind, columns in PICKED_COLUMNS.items():
        file = files.get(kind)
        if file is None:
            continue
        values = _distinct(str(file.path), file.stamp, tuple(columns.values()))
        for field, column in columns.items():
            found[field] = [*found.get(field, []), *values.get(column, ())]
    return {field: tuple(dict.fromkeys(values)) for field, values in found.items()}


@st.cache_data(show_spinner=False, max_entries=16)
def _distinct(
    path: str,
    stamp: tuple,  # noqa: ARG001 - the file's size and time: a changed file is read again
    columns: tuple[str, ...],
) -> dict[str, tuple[str, ...]]:
    """The sorted distinct values of those columns that the table has (tags split)."""
    try:
        if Path(path).suffix == ".parquet":
            import pyarrow.parquet as pq

            present = [c for c in columns if c in pq.read_schema(path).names]
            frame = pd.read_parquet(path, columns=present)
        else:
            frame = pd.read_csv(path, usecols=lambda c: c in columns, dtype=str)
    except (OSError, ValueError):
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for column in frame.columns:
        cells = frame[column].dropna().astype(str)
        if column == "tags":
            cells = cells.str.split(TAG_SEPARATOR).explode().str.strip()
        out[column] = tuple(sorted({cell for cell in cells if cell}))
    return out
