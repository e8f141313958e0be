"""Network and stock: the nodes on a map with their stock and capacity, the tables in
use, uploads that replace them, and every row the loaders rejected."""

from __future__ import annotations

import streamlit as st

from simulations.exports import csv_bytes
from studio import data, formats
from studio.components import network_map
from studio.components.ruleset_choice import draft, timezone_of

UPLOADERS = {
    "nodes": "Nodes (the network)",
    "inventory": "Inventory (opening stock)",
    "orders": "Orders (one row per order line)",
    "replenishments": "Replenishments (stock arriving later)",
    "returns": "Returns (one row per returned line)",
    "carriers": "Carriers (one row per carrier service)",
    "closures": "Closures (days a node or carrier does not work)",
}
SEEN_KEY = "network.seen_uploads"
GENERATION_KEY = "network.uploader_generation"
ALL_SKUS = "All SKUs"
# What each table's card counts (a stock row is a SKU at a node; a delivery a
# replenishment; a return the lines of one return_id). Comments, not strings, on a
# page: Streamlit's magic would show them.
CARD_TITLES = {
    "nodes": "Nodes",
    "inventory": "Stock rows",
    "orders": "Orders",
    "replenishments": "Deliveries",
    "returns": "Returns",
    "carriers": "Carrier services",
    "closures": "Closures",
}


def render() -> None:
    st.title("Network and stock")
    summary, network = st.container(), st.container()
    _uploads()  # first, so that a new upload is what the sections above show
    dataset = data.dataset(timezone_of(draft()))
    with summary:
        _sources(dataset)
    with network:
        if "nodes" in dataset.tables and "inventory" in dataset.tables:
            _network(dataset)
        elif dataset.missing:
            st.warning(
                f"No {', '.join(dataset.missing)} table in {data.data_folder()}. Generate the "
                "demo data with `sourcing demo-data --out demo-data` (or `make demo`), point "
                "SOURCING_DATA_DIR at your own folder, or upload the tables below.",
                icon=":material/folder_off:",
            )
    _rejects(dataset)


def _sources(dataset: data.Dataset) -> None:
    """Which file each table comes from, how many rows were kept and rejected."""
    cols = st.columns(len(UPLOADERS))
    for col, kind in zip(cols, UPLOADERS, strict=True):
        table = dataset.tables.get(kind)
        if table is not None:
            rejected = table.rejected_rows
            col.metric(
                CARD_TITLES[kind],
                _kept(kind, table.frame),
                delta=f"{formats.count(rejected, 'row')} rejected" if rejected else "no rejects",
                delta_color="inverse" if rejected else "off",
                delta_arrow="off",
                help=f"{formats.count(len(table.frame), 'row')} kept, from {dataset.origin(kind)}",
            )
        elif kind in dataset.errors:
            col.metric(CARD_TITLES[kind], "unusable", help=dataset.errors[kind])
        else:
            col.metric(CARD_TITLES[kind], "none", help="no file for this table")
    for kind, message in dataset.errors.items():
        st.error(f"**{kind}** cannot be used: {message}", icon=":material/error:")


def _kept(kind: str, frame) -> str:
    """How many the table holds, counted as the other pages count them: orders and
    returns (not their lines), nodes, stock rows (a SKU at a node), deliveries."""
    if kind in ("orders", "returns"):
        return formats.count(frame[f"{kind.removesuffix('s')}_id"].nunique())
    return formats.count(len(frame))


def _network(dataset: data.Dataset) -> None:
    nodes, inventory = dataset.frame("nodes"), dataset.frame("inventory")
    types = sorted(nodes["type"].astype(str).unique())
    left, right = st.columns([2, 1])
    shown_types = left.multiselect("Node types", types, default=types, key="network.types")
    skus = sorted(inventory["sku"].astype(str).unique())
    sku = right.selectbox(
        "Stock of", [ALL_SKUS, *skus], key="network.sku", help="size the nodes by one SKU's stock"
    )
    one = None if sku == ALL_SKUS else sku
    table, figure = _map(dataset.key, tuple(shown_types), one, nodes, inventory)
    what = "units" if one is None else f"units of {one}"
    st.plotly_chart(figure, key="network.map")
    by_type = table.groupby("type").agg(
        nodes=("id", "size"), units=("units", "sum"), capacity=("capacity", "sum")
    )
    st.caption(
        " · ".join(
            f"{t}: {formats.count(r.nodes, 'node')}, {formats.count(r.units)} {what}"
            for t, r in by_type.iterrows()
        )
    )
    if one is not None:
        table = table[table["units"] > 0].sort_values("units", ascending=False)
    st.dataframe(
        table,
        hide_index=True,
        key="network.nodes",
        column_config={
            "capacity": st.column_config.NumberColumn(
                "capacity", help="orders per day; empty = unlimited"
            ),
            "skus": st.column_config.NumberColumn("SKUs", help="SKUs with stock on hand"),
            "units": st.column_config.NumberColumn(what, format="%d"),
        },
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def _map(
    key: tuple,  # noqa: ARG001 - the data version keys the cache (the frames are not hashed)
    types: tuple[str, ...],
    sku: str | None,
    _nodes,
    _inventory,
):
    """The node table and the map for these types and SKU, built once per data version."""
    stock = network_map.stock_by_node(_inventory, sku)
    table = network_map.node_table(_nodes, stock)
    table = table[table["type"].isin(types)]
    what = "units" if sku is None else f"units of {sku}"
    return table, network_map.network_map(table, _nodes, what)


def _uploads() -> None:
    st.subheader("Use your own tables")
    st.caption(
        "CSV (UTF-8, header row) or Parquet, columns as in docs/data.md. An upload replaces "
        "the data folder's table for this session; rows with problems are listed below, "
        "never dropped silently."
    )
    seen = st.session_state.setdefault(SEEN_KEY, {})
    generation = st.session_state.setdefault(GENERATION_KEY, 0)
    cols = st.columns(2)
    for position, (kind, label) in enumerate(UPLOADERS.items()):
        upload = cols[position % 2].file_uploader(
            label, type=["csv", "parquet"], key=f"network.upload.{kind}.{generation}"
        )
        if upload is not None and seen.get(kind) != upload.file_id:
            data.uploads()[kind] = data.save_upload(kind, upload.name, upload.getvalue())
            seen[kind] = upload.file_id
    uploaded = data.uploads()
    if uploaded:
        names = ", ".join(f"{kind}: {file.name}" for kind, file in uploaded.items())
        st.info(f"In use for this session: {names}", icon=":material/upload_file:")
        if st.button("Use the data folder's tables again", icon=":material/undo:"):
            data.forget_uploads()
            st.session_state[SEEN_KEY] = {}
            st.session_state[GENERATION_KEY] = generation + 1  # new, empty uploaders
            st.rerun()


def _rejects(dataset: data.Dataset) -> None:
    st.subheader("Rejected rows")
    rejects = dataset.rejects
    if rejects.empty:
        st.success("Every row of every table was loaded.", icon=":material/check_circle:")
        return
    counts = rejects.groupby("table")["row"].nunique()
    st.warning(
        "Rows left out, with the reason: "
        + ", ".join(f"{table} {formats.count(count)}" for table, count in counts.items())
        + ". Row numbers count the header as row 1, as a spreadsheet shows them.",
        icon=":material/rule:",
    )
    st.dataframe(rejects, hide_index=True, key="network.rejects")
    st.download_button(
        "Download the rejected rows (CSV)",
        data=csv_bytes(rejects),
        file_name="rejects.csv",
        mime="text/csv",
        icon=":material/download:",
    )


if __name__ == "__main__":
    render()
