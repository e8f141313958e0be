"""The loaders of engine.tables give the same frames and the same rejects as the
pandas loaders they replace (kept in tests/legacy_tables as the reference): on
every input of the loader tests, of the bounds tests and of the fuzzers, and on the
demo data as CSV and as Parquet.

The other test modules' functions are run here again with their loaders swapped for
a comparing one: it loads each source with both, checks `frame` and `rejects` with
`pd.testing.assert_frame_equal` (or the same TableError message) and hands the
new table on, so every assertion of those tests holds as well.
"""

from __future__ import annotations

import functools
import inspect
import itertools

import legacy_tables
import pandas as pd
import pytest
import test_bounds_tables
import test_fuzz_tables
import test_tables

import engine.tables

LOADERS = (
    "load_nodes",
    "load_inventory",
    "load_replenishments",
    "load_orders",
    "load_events",
)
MODULES = (test_tables, test_bounds_tables)


def assert_same_tables(new, old) -> None:
    """`frame` and `rejects` equal, column types included."""
    pd.testing.assert_frame_equal(new.frame, old.frame)
    pd.testing.assert_frame_equal(new.rejects, old.rejects)


def compared(name: str):
    """The loader `name` of engine.tables, checked against the reference on each call."""
    new_loader = getattr(engine.tables, name)
    old_loader = getattr(legacy_tables, name)

    @functools.wraps(new_loader)
    def load(source, *args, **kwargs):
        try:
            expected = old_loader(source, *args, **kwargs)
        except legacy_tables.TableError as error:
            with pytest.raises(engine.tables.TableError) as caught:
                new_loader(source, *args, **kwargs)
            assert str(caught.value) == str(error)
            raise caught.value from None
        table = new_loader(source, *args, **kwargs)
        assert_same_tables(table, expected)
        return table

    return load


def _cases():
    """(module, test function, arguments) for every test of MODULES, parameters expanded."""
    for module in MODULES:
        for name, function in sorted(vars(module).items()):
            if not name.startswith("test_") or not inspect.isfunction(function):
                continue
            marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
            if not marks:
                yield pytest.param(module, function, {}, id=f"{module.__name__}::{name}")
                continue
            [mark] = marks
            names = (
                [n.strip() for n in mark.args[0].split(",")]
                if isinstance(mark.args[0], str)
                else list(mark.args[0])
            )
            for index, values in enumerate(mark.args[1]):
                values = values if len(names) > 1 else (values,)
                yield pytest.param(
                    module,
                    function,
                    dict(zip(names, values, strict=True)),
                    id=f"{module.__name__}::{name}[{index}]",
                )


@pytest.mark.parametrize(("module", "function", "arguments"), list(_cases()))
def test_every_loader_test_input_loads_as_before(
    module, function, arguments, monkeypatch, tmp_path
):
    for name in LOADERS:
        if hasattr(module, name):
            monkeypatch.setattr(module, name, compared(name))
    if "tmp_path" in inspect.signature(function).parameters:
        arguments = {**arguments, "tmp_path": tmp_path}
    function(**arguments)


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "name", sorted(n for n in vars(test_fuzz_tables) if n.startswith("test_fuzzed"))
)
def test_every_fuzzed_input_loads_as_before(name, monkeypatch):
    for loader in LOADERS:
        monkeypatch.setattr(test_fuzz_tables, loader, compared(loader))
    getattr(test_fuzz_tables, name)()


# ----------------------------------------------------------------- demo data


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from simulations.demo_data import generate

    folder = tmp_path_factory.mktemp("demo")
    return {
        fmt: generate(folder / fmt, orders=2_000, nodes=40, skus=300, seed=5, fmt=fmt)
        for fmt in ("csv", "parquet")
    }


@pytest.mark.parametrize(
    ("fmt", "zone"), list(itertools.product(("csv", "parquet"), ("Europe/Paris", "UTC")))
)
def test_the_demo_data_loads_as_before(demo, fmt, zone):
    paths = demo[fmt]
    nodes = compared("load_nodes")(paths["nodes"])
    ids = nodes.frame["id"].tolist()
    compared("load_inventory")(paths["inventory"], node_ids=ids)
    compared("load_orders")(paths["orders"], node_ids=ids, timezone=zone)
    compared("load_replenishments")(paths["replenishments"], node_ids=ids, timezone=zone)
    frames = {
        name: pd.read_csv(demo["csv"][name], dtype=str, keep_default_na=False) for name in paths
    }
    compared("load_nodes")(frames["nodes"])
    compared("load_orders")(frames["orders"], node_ids=ids[:5], timezone=zone)
