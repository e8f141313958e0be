"""The stock the bound reads for each line and node (simulations.bound_reach.StockByDay):
the opening units, plus the arrivals of the days up to the line's, less the units taken
on the days before it, never below 0 (docs/kpis.md, "The model")."""

from __future__ import annotations

import numpy as np
import pytest

from simulations.bound_reach import StockByDay


def _plain(nodes, opening, arrivals, taken, sku, day):
    """The same figures, event by event."""
    out = np.zeros((len(sku), nodes), dtype=np.int64)
    for i, (s, d) in enumerate(zip(sku.tolist(), day.tolist(), strict=True)):
        for n in range(nodes):
            units = sum(q for a, b, q in zip(*opening, strict=True) if (a, b) == (n, s))
            units += sum(
                q for a, b, e, q in zip(*arrivals, strict=True) if (a, b) == (n, s) and e <= d
            )
            units -= sum(q for a, b, e, q in zip(*taken, strict=True) if (a, b) == (n, s) and e < d)
            out[i, n] = max(units, 0)
    return out


@pytest.mark.parametrize("seed", range(20))
def test_each_line_reads_the_stock_of_its_day_at_every_node(seed) -> None:
    rng = np.random.default_rng(seed)
    nodes, skus = int(rng.integers(1, 4)), int(rng.integers(1, 5))

    def events(count, dated):
        node, sku = rng.integers(-1, nodes, count), rng.integers(0, skus, count)
        days = (rng.integers(0, 6, count),) if dated else ()
        return (node, sku, *days, rng.integers(0, 9, count))

    opening = events(int(rng.integers(0, 8)), dated=False)
    arrivals = events(int(rng.integers(0, 8)), dated=True)
    taken = events(int(rng.integers(0, 8)), dated=True)
    lines = int(rng.integers(0, 12))
    sku, day = rng.integers(0, skus, lines), np.sort(rng.integers(-1, 8, lines))
    stock = StockByDay((nodes, skus), opening, arrivals, taken)
    expected = _plain(nodes, opening, arrivals, taken, sku, day)  # node −1: no pair
    assert stock.rows(sku, day).tolist() == expected.tolist()


def test_lines_out_of_day_order_are_refused() -> None:
    none = tuple(np.zeros(0, dtype=np.int64) for _ in range(4))
    stock = StockByDay((1, 1), none[:3], none, none)
    with pytest.raises(ValueError, match="day order"):
        stock.rows(np.array([0, 0]), np.array([3, 2]))
