"""The tables the studio works on: the data folder's (SOURCING_DATA_DIR) unless the user
uploaded a replacement, each loaded once per file version (path, modification time,
size) and time zone. Bad rows are never dropped silently: every table keeps its rejects
and whole-table errors are kept too, for the Network page to show.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from engine.tables import (
    REJECT_COLUMNS,
    Table,
    TableError,
    load_events,
    load_inventory,
    load_nodes,
    load_orders,
    load_replenishments,
)
from simulations import Inputs, load_inputs
from studio import config

KINDS = ("nodes", "inventory", "orders", "replenishments", "events")
REQUIRED = ("nodes", "inventory", "orders")
TIMED = ("orders", "replenishments", "events")
"""Tables with date-times: a time without an offset is read in the ruleset's zone."""
SUFFIXES = (".csv", ".parquet")
UPLOADS_KEY = "data.uploads"
"""Session key: {kind: TableFile} of the tables the user uploaded in this session."""
UPLOAD_FOLDER = Path(tempfile.gettempdir()) / "sourcing-studio-uploads"


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

    def frame(self, kind: str) -> pd.DataFrame | None:
        table = self.tables.get(kind)
        return None if table is None else table.frame


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


def dataset(timezone: str = "UTC") -> Dataset:
    """The session's tables, read in `timezone` (times without an offset), cached."""
    files = session_files()
    key = tuple(
        (kind, str(files[kind].path), files[kind].name, *files[kind].stamp)
        for kind in KINDS
        if kind in files
    ) + (timezone,)
    return _dataset(key, timezone, _files=files)


@st.cache_resource(show_spinner="Loading the tables…", max_entries=8)
def _dataset(key: tuple, timezone: str, _files: dict[str, TableFile]) -> Dataset:
    tables: dict[str, Table] = {}
    errors: dict[str, str] = {}
    node_ids: tuple[str, ...] | None = None
    for kind in KINDS:
        if kind not in _files:
            continue
        file = _files[kind]
        zone = timezone if kind in TIMED else ""  # nodes and stock read the same in any zone
        table, error = _table(kind, str(file.path), file.stamp, node_ids, zone)
        if error is not None:
            errors[kind] = error.replace(str(file.path), file.name)
            continue
        tables[kind] = table
        if kind == "nodes":
            node_ids = tuple(table.frame["id"].astype(str))
    inputs = None
    if all(kind in tables for kind in REQUIRED):
        inputs = load_inputs(*(tables.get(kind) for kind in KINDS), timezone=timezone)
    return Dataset(_files, tables, errors, timezone, key, inputs)


@st.cache_resource(show_spinner=False, max_entries=64)
def _table(
    kind: str,
    path: str,
    stamp: tuple,  # noqa: ARG001 - the file's size and time: a changed file is read again
    node_ids: tuple[str, ...] | None,
    timezone: str,
) -> tuple[Table | None, str | None]:
    """One table read from its file, or the message saying why it cannot be used."""
    try:
        if kind == "nodes":
            return load_nodes(path), None
        if kind == "inventory":
            return load_inventory(path, node_ids=node_ids), None
        loader = {
            "orders": load_orders,
            "replenishments": load_replenishments,
            "events": load_events,
        }[kind]
        return loader(path, node_ids=node_ids, timezone=timezone), None
    except TableError as error:
        return None, str(error)
