"""The language fields a dataset provides beyond the standard ones (data.md:
extra columns are kept and reachable as `node.<col>`, `order.<col>`, `line.<col>`)."""

from __future__ import annotations

from collections.abc import Iterable


def data_fields(node_columns: Iterable[str] = (), order_columns: Iterable[str] = ()) -> list[str]:
    """Every nodes column as `node.<col>`; every orders column as `order.<col>` and,
    since order and line columns share one table, as `line.<col>` (product attributes)."""
    fields = [f"node.{column}" for column in node_columns]
    for column in order_columns:
        fields += [f"order.{column}", f"line.{column}"]
    return fields
