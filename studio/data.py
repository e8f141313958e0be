"""The tables the studio works on: the data folder's (SOURCING_DATA_DIR) unless the user
uploaded a replacement, each loaded once per file version (path, modification time,
size) and time zone, and the tables the user edited in this session (the Carriers page)
in place of their file. Bad rows are never dropped silently: every table keeps its
rejects and whole-table errors are kept too, for the Network page to show.

The returns table is read with the others but is not in `Dataset.inputs`: a replay
routes it only for a ruleset with return strategies (`Dataset.inputs_for`).
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from dsl import syntax as s
from engine.tables import (
    REJECT_COLUMNS,
    Carriers,
    Closures,
    Table,
    TableError,
    load_carriers,
    load_closures,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
    load_returns,
)
from simulations import Inputs, load_inputs
from simulations.inputs import empty_rejects
from studio import config
from studio.table_edits import digest

INPUT_KINDS = ("nodes", "inventory", "orders", "replenishments", "events")
"""The tables `simulations.load_inputs` takes in order; the carriers and closures (as
edited in the session) follow by name, so a replay routes with the delivery promise."""
KINDS = (*INPUT_KINDS, "returns", "carriers", "closures")
"""Every table, in loading order: node ids check the tables after nodes, carrier names
the closures."""
EDITABLE = ("nodes", "carriers", "closures")
"""The tables the Carriers page edits (the nodes' calendar columns only)."""
REQUIRED = ("nodes", "inventory", "orders")
TIMED = ("orders", "replenishments", "events", "returns")
"""Tables with date-times: a time without an offset is read in the ruleset's zone."""
SUFFIXES = (".csv", ".parquet")
UPLOADS_KEY = "data.uploads"
"""Session key: {kind: TableFile} of the tables the user uploaded in this session."""
UPLOAD_FOLDER = Path(tempfile.gettempdir()) / "sourcing-studio-uploads"
EDITS_KEY = "data.edits"
"""Session key: {kind: TableEdit} of the tables the user edited in this session."""
DROPPED_KEY = "data.dropped_edits"
"""Session key: the kinds whose edits were dropped because their file changed."""


@dataclass(frozen=True)
class TableFile:
    """One table's file: where it is, what to call it, and its version stamp."""

    kind: str
    path: Path
    name: str
    uploaded: bool = False

    @property
    def stamp(self) -> tuple[int, int]:
        """(modification time in ns, size): a changed file is read again."""
        try:
            info = self.path.stat()
        except OSError:
            return (0, -1)
        return (info.st_mtime_ns, info.st_size)

    @property
    def origin(self) -> str:
        return f"uploaded {self.name}" if self.uploaded else str(self.path)


@dataclass(frozen=True)
class TableEdit:
    """A table as the user edited it in this session: its cells (as a file holds them,
    checked by the table's loader before they were kept) and the version of the file
    they were edited from (`file_version`; () when the data had no such table)."""

    kind: str
    frame: pd.DataFrame
    base: tuple
    digest: str


def file_version(file: TableFile | None) -> tuple:
    """What identifies a table's source: path, name and stamp (() for no file)."""
    if file is None:
        return ()
    return (str(file.path), file.name, *file.stamp)


@dataclass(frozen=True)
class Dataset:
    """The session's tables: good rows, rejects, whole-table errors, and the inputs a
    simulation reads (None while a required table is missing or unreadable)."""

    files: dict[str, TableFile]
    tables: dict[str, Table]
    errors: dict[str, str]
    timezone: str
    key: tuple
    """Identity of this data version: the same key means the same rows."""
    inputs: Inputs | None = field(default=None)
    edited: frozenset[str] = frozenset()
    """The tables read from this session's edits rather than from their file."""

    @property
    def missing(self) -> list[str]:
        """Required tables with no file at all."""
        return [kind for kind in REQUIRED if kind not in self.files]

    @property
    def ready(self) -> bool:
        return self.inputs is not None

    @property
    def rejects(self) -> pd.DataFrame:
        """Every rejected row of every table (table, row, column, reason, order_id)."""
        frames = [t.rejects for t in self.tables.values() if not t.rejects.empty]
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype="object") for c in REJECT_COLUMNS})
        return pd.concat(frames, ignore_index=True)[list(REJECT_COLUMNS)]

    def inputs_for(self, ruleset: s.Ruleset | None) -> Inputs | None:
        """What a replay of `ruleset` reads: `inputs`, with the returns table (and its
        rejected rows) when the data has one and the ruleset has return strategies."""
        returns = self.tables.get("returns")
        if self.inputs is None or returns is None or not has_returns(ruleset):
            return self.inputs
        both = (self.inputs.rejects, returns.rejects)
        kept = [rejects for rejects in both if rejects is not None and not rejects.empty]
        return self.inputs.with_tables(
            returns=returns.frame,
            rejects=pd.concat(kept, ignore_index=True) if kept else empty_rejects(),
        )

    def frame(self, kind: str) -> pd.DataFrame | None:
        table = self.tables.get(kind)
        return None if table is None else table.frame

    @property
    def carriers(self) -> Carriers | None:
        """The carriers table (None: no carriers, the distance ETA applies)."""
        table = self.tables.get("carriers")
        return table if isinstance(table, Carriers) else None

    @property
    def closures(self) -> Closures | None:
        table = self.tables.get("closures")
        return table if isinstance(table, Closures) else None

    @property
    def node_ids(self) -> tuple[str, ...] | None:
        nodes = self.frame("nodes")
        return None if nodes is None else tuple(nodes["id"].astype(str))

    @property
    def carrier_names(self) -> tuple[str, ...] | None:
        """Each carrier once, in table order (a carrier has a row per service)."""
        carriers = self.carriers
        return None if carriers is None else tuple(dict.fromkeys(carriers.carrier))

    def loader(self, kind: str):
        """The loader of `kind` as this data reads it: node ids and carrier names
        checked against its tables, times in its zone (how an edit is checked)."""
        zone = self.timezone if kind in TIMED else ""
        return loader(kind, self.node_ids, zone, self.carrier_names)

    def origin(self, kind: str) -> str:
        """Where a table comes from: "edited in this session", an upload, a path."""
        if kind in self.edited:
            return "edited in this session"
        file = self.files.get(kind)
        return file.origin if file is not None else "no table"


def has_returns(ruleset: s.Ruleset | None) -> bool:
    """Whether a ruleset has a return strategy (a replay then routes the returns)."""
    return ruleset is not None and any(st.kind == "return" for st in ruleset.strategies)


def data_folder() -> Path:
    """The folder the studio reads its tables from (SOURCING_DATA_DIR, default ./demo-data)."""
    return config.data_dir()


def folder_files(folder: Path) -> dict[str, TableFile]:
    """The tables found in `folder`: `<kind>.csv` or `<kind>.parquet` (CSV first)."""
    found = {}
    for kind in KINDS:
        for suffix in SUFFIXES:
            path = folder / f"{kind}{suffix}"
            if path.is_file():
                found[kind] = TableFile(kind, path, path.name)
                break
    return found


def save_upload(kind: str, name: str, content: bytes) -> TableFile:
    """Keep an uploaded file on disk under its own name (the loaders read files, so an
    upload gets exactly the row numbers and rules a file in the data folder gets)."""
    digest = hashlib.sha256(content).hexdigest()[:20]
    safe = Path(name).name or f"{kind}.csv"
    folder = UPLOAD_FOLDER / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe
    if not path.is_file() or path.stat().st_size != len(content):
        path.write_bytes(content)
    return TableFile(kind, path, safe, uploaded=True)


def uploads() -> dict[str, TableFile]:
    """The tables uploaded in this session, by kind."""
    return st.session_state.setdefault(UPLOADS_KEY, {})


def forget_uploads(kinds: tuple[str, ...] = KINDS) -> None:
    """Go back to the data folder's tables."""
    kept = uploads()
    for kind in kinds:
        kept.pop(kind, None)


def session_files() -> dict[str, TableFile]:
    """The data folder's tables, with this session's uploads in their place."""
    return {**folder_files(data_folder()), **uploads()}


def edits() -> dict[str, TableEdit]:
    """The tables edited in this session, by kind."""
    return st.session_state.setdefault(EDITS_KEY, {})


def keep_edit(kind: str, frame: pd.DataFrame) -> None:
    """Use `frame` (cells already accepted by the table's loader) for `kind` in this
    session, in place of its file's table as it is now."""
    base = file_version(session_files().get(kind))
    edits()[kind] = TableEdit(kind, frame.reset_index(drop=True), base, digest(frame))


def forget_edit(kind: str) -> None:
    """Go back to the file's table for `kind`."""
    edits().pop(kind, None)


def dropped_edits() -> list[str]:
    """The tables whose edits were dropped since the last call (their file changed)."""
    return st.session_state.pop(DROPPED_KEY, [])


def _current_edits(files: dict[str, TableFile]) -> dict[str, TableEdit]:
    """The session's edits still made on the file in use; an edit of a file that has
    changed since (a new upload, a regenerated folder) is dropped, and noted."""
    kept = edits()
    for kind, edit in list(kept.items()):
        if edit.base != file_version(files.get(kind)):
            del kept[kind]
            st.session_state.setdefault(DROPPED_KEY, []).append(kind)
    return dict(kept)


def dataset(timezone: str = "UTC") -> Dataset:
    """The session's tables, read in `timezone` (times without an offset), cached."""
    files = session_files()
    current = _current_edits(files)
    key = (
        tuple((kind, *file_version(files[kind])) for kind in KINDS if kind in files)
        + tuple(("edited", kind, edit.digest) for kind, edit in sorted(current.items()))
        + (timezone,)
    )
    return _dataset(key, timezone, _files=files, _edits=current)


@st.cache_resource(show_spinner="Loading the tables…", max_entries=8)
def _dataset(
    key: tuple, timezone: str, _files: dict[str, TableFile], _edits: dict[str, TableEdit]
) -> Dataset:
    tables: dict[str, Table] = {}
    errors: dict[str, str] = {}
    node_ids: tuple[str, ...] | None = None
    carrier_names: tuple[str, ...] | None = None
    for kind in KINDS:
        zone = timezone if kind in TIMED else ""  # nodes and stock read the same in any zone
        if kind in _edits:
            table, error = _read(kind, _edits[kind].frame, node_ids, zone, carrier_names)
        elif kind in _files:
            file = _files[kind]
            table, error = _table(kind, str(file.path), file.stamp, node_ids, zone, carrier_names)
            error = None if error is None else error.replace(str(file.path), file.name)
        else:
            continue
        if table is None:
            errors[kind] = error or "cannot be read"
            continue
        tables[kind] = table
        if kind == "nodes":
            node_ids = tuple(table.frame["id"].astype(str))
        if isinstance(table, Carriers):
            carrier_names = tuple(dict.fromkeys(table.carrier))
    inputs = None
    if all(kind in tables for kind in REQUIRED):
        carriers = tables.get("carriers")  # closures change a promise only: none without
        inputs = load_inputs(
            *(tables.get(kind) for kind in INPUT_KINDS),
            carriers=carriers,
            closures=tables.get("closures") if carriers is not None else None,
            timezone=timezone,
        )
    edited = frozenset(kind for kind in _edits if kind in tables)
    return Dataset(_files, tables, errors, timezone, key, inputs, edited)


@st.cache_resource(show_spinner=False, max_entries=64)
def _table(
    kind: str,
    path: str,
    stamp: tuple,  # noqa: ARG001 - the file's size and time: a changed file is read again
    node_ids: tuple[str, ...] | None,
    timezone: str,
    carrier_names: tuple[str, ...] | None = None,
) -> tuple[Table | None, str | None]:
    """One table read from its file, or the message saying why it cannot be used."""
    return _read(kind, path, node_ids, timezone, carrier_names)


def _read(
    kind: str,
    source: str | pd.DataFrame,
    node_ids: tuple[str, ...] | None,
    timezone: str,
    carrier_names: tuple[str, ...] | None,
) -> tuple[Table | None, str | None]:
    """One table read by its loader (node ids and carrier names checked when known)."""
    try:
        return loader(kind, node_ids, timezone, carrier_names)(source), None
    except TableError as error:
        return None, str(error)


def loader(
    kind: str,
    node_ids: tuple[str, ...] | None = None,
    timezone: str = "UTC",
    carrier_names: tuple[str, ...] | None = None,
):
    """The loader of a table, as the studio calls it: one source in, a `Table` out."""
    if kind == "nodes":
        return load_nodes
    if kind == "carriers":
        return load_carriers
    if kind == "inventory":
        return lambda source: load_inventory(source, node_ids=node_ids)
    if kind == "closures":
        return lambda source: load_closures(source, node_ids=node_ids, carriers=carrier_names)
    timed = {
        "orders": load_orders,
        "replenishments": load_replenishments,
        "events": load_events,
        "returns": load_returns,
    }
    return lambda source: timed[kind](source, node_ids=node_ids, timezone=timezone)
