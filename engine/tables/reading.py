"""Reading a table source (CSV, Parquet or a pandas DataFrame) into Arrow columns
with the row number of every record, before any cell is checked. Reading a file
never imports pandas; a DataFrame source comes with pandas already loaded.

Row numbers follow one convention everywhere: the header is row 1 and the
first data row is row 2. For a CSV file that is the line number in the file
(a quoted value spanning lines and blank lines are accounted for); for Parquet
and DataFrame sources it is the position + 2.
"""

from __future__ import annotations

from pathlib import Path

from engine.tables.csv_files import read_csv
from engine.tables.raw import BrokenRow, RawTable, Source, TableError
from engine.tables.typed_sources import is_data_frame, read_frame, read_parquet

__all__ = ["BrokenRow", "RawTable", "Source", "TableError", "read_source"]


def read_source(source: Source, table: str, required: tuple[str, ...]) -> RawTable:
    """Read `source` and check that the `required` columns are all there."""
    if is_data_frame(source):
        return read_frame(source, table, required)
    path = Path(source)
    if not path.is_file():
        raise TableError(f"{path}: {_not_a_file(path)} (expected the {table} table)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path, required)
    if suffix in (".parquet", ".pq"):
        return read_parquet(path, required)
    raise TableError(f"{path}: unsupported file type {suffix!r}; use .csv or .parquet")


def _not_a_file(path: Path) -> str:
    """Why `path` cannot be read as a table file."""
    if path.is_dir():
        return "a folder, not a file"
    if path.exists():  # a device, a pipe, a socket: read whole, and only once, if at all
        return "not a regular file; save the table to a file first"
    return "no such file"
