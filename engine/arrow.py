"""Moving cells between numpy and Arrow without pyarrow's pandas-aware layer, for the
loaders (`engine.tables`) and the engine's own columns (inventory, order batches).

`pa.array`, `pa.scalar`, `Array.to_numpy` (and a Python value handed to a compute
function, which goes through `pa.scalar`) all import pandas when it is installed,
to check whether they were given pandas objects; so does `pq.read_table`. The
loaders must not import pandas for a file, so they build and read arrays through
their buffers here: numbers and flags as numpy views of Arrow buffers, texts as
UTF-8 bytes and offsets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast, overload

import numpy as np
import numpy.typing as npt
import pyarrow as pa

Mask = npt.NDArray[np.bool_]
"""One flag per row (or per distinct value)."""
Ints = npt.NDArray[np.int64]
"""Row positions, codes, row numbers, instants (microseconds since 1970)."""
Floats = npt.NDArray[np.float64]
"""Numbers read from cells, NaN where there is none."""

_NUMPY_TYPES: dict[pa.DataType, type[np.number[Any]]] = {
    pa.int8(): np.int8,
    pa.int16(): np.int16,
    pa.int32(): np.int32,
    pa.int64(): np.int64,
    pa.uint8(): np.uint8,
    pa.uint16(): np.uint16,
    pa.uint32(): np.uint32,
    pa.uint64(): np.uint64,
    pa.float32(): np.float32,
    pa.float64(): np.float64,
}
_ARROW_TYPES: dict[np.dtype[Any], pa.DataType] = {
    np.dtype(numpy): arrow for arrow, numpy in _NUMPY_TYPES.items()
}


@overload
def to_numpy(
    values: pa.BooleanArray | pa.ChunkedArray[pa.BooleanScalar], *, writable: bool = True
) -> Mask: ...
@overload
def to_numpy(
    values: pa.Array[Any] | pa.ChunkedArray[Any], *, writable: bool = True
) -> npt.NDArray[Any]: ...
def to_numpy(
    values: pa.Array[Any] | pa.ChunkedArray[Any], *, writable: bool = True
) -> npt.NDArray[Any]:
    """A numeric, boolean or timestamp column as a numpy array (a read-only view of
    the Arrow buffer when not `writable` and there is no null); a null cell reads
    as NaN in floats, 0 in integers and timestamps, False in flags."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    size, offset = len(values), values.offset
    buffers = values.buffers()
    out: npt.NDArray[Any]
    if pa.types.is_boolean(kind):
        out = _bits(buffers[1], offset, size)
    else:
        dtype: np.dtype[Any]
        if pa.types.is_timestamp(kind) or pa.types.is_duration(kind):
            dtype = np.dtype(np.int64)
        elif kind in _NUMPY_TYPES:
            dtype = np.dtype(_NUMPY_TYPES[kind])
        else:
            raise TypeError(f"no numpy view of an Arrow {kind} column")
        if buffers[1] is None or not size:
            return np.zeros(size, dtype=dtype)
        out = np.frombuffer(
            memoryview(buffers[1]), dtype=dtype, count=size, offset=offset * dtype.itemsize
        )
        if writable or values.null_count:
            out = out.copy()
    if values.null_count:
        missing = ~_bits(buffers[0], offset, size)
        out[missing] = np.nan if out.dtype.kind == "f" else 0
    return out


def _bits(buffer: pa.Buffer | None, offset: int, size: int) -> Mask:
    """The `size` bits from bit `offset` of an Arrow bitmap, as booleans."""
    if buffer is None:
        return np.ones(size, dtype=bool)
    packed = np.frombuffer(memoryview(buffer), dtype=np.uint8, count=(offset + size + 7) // 8)
    return np.unpackbits(packed, bitorder="little")[offset : offset + size].astype(bool)


def from_numpy(
    values: npt.NDArray[Any], kind: pa.DataType | None = None, *, missing: Mask | None = None
) -> pa.Array[Any]:
    """A numpy array of numbers or booleans as an Arrow array of `kind` (by default
    the array's own type; a timestamp type reads int64 ticks); null where `missing`."""
    values = np.asarray(values)
    if kind is None:
        kind = pa.bool_() if values.dtype == bool else _ARROW_TYPES[values.dtype]
    if pa.types.is_boolean(kind):
        data = pa.py_buffer(np.packbits(values.astype(bool), bitorder="little").data)
    else:
        data = pa.py_buffer(np.ascontiguousarray(values).data)
    validity, nulls = None, 0
    if missing is not None and missing.any():
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little").data)
        nulls = int(missing.sum())
    return pa.Array.from_buffers(kind, len(values), [validity, data], null_count=nulls)


def row_indices(indices: npt.NDArray[np.integer[Any]]) -> pa.Array[Any]:
    """Row positions (for `take`) as an int64 array."""
    return from_numpy(np.asarray(indices, dtype=np.int64))


def text_buffers(
    values: pa.Array[Any],
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.uint8]]:
    """(offsets, bytes) of a `string` column: cell i is bytes[offsets[i]:offsets[i + 1]]."""
    offsets_buffer, data = values.buffers()[1:3]
    if offsets_buffer is None or data is None or not len(values):
        return np.zeros(len(values) + 1, dtype=np.int32), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(
        memoryview(offsets_buffer), dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
    )
    return offsets, np.frombuffer(memoryview(data), dtype=np.uint8)


def text_bytes(values: pa.Array[Any]) -> npt.NDArray[np.uint8]:
    """The UTF-8 bytes of all the cells of a `string` column, end to end."""
    offsets, data = text_buffers(values)
    return data[offsets[0] : offsets[-1]]


def texts(values: Sequence[str | None]) -> pa.Array[Any]:
    """Python strings as an Arrow `string` array (None: null)."""
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    kind, width = (pa.string(), np.int32) if offsets[-1] < 2**31 else (pa.large_string(), np.int64)
    missing = np.fromiter((v is None for v in values), dtype=bool, count=len(encoded))
    validity, nulls = None, int(missing.sum())
    if nulls:
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little").data)
    buffers = [validity, pa.py_buffer(offsets.astype(width).data), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(kind, len(encoded), buffers, null_count=nulls)


def str_list(values: pa.Array[Any]) -> list[str]:
    """The cells of a `string` column as Python strings ('' for a missing cell)."""
    return ["" if text is None else text for text in values.to_pylist()]


def blank_texts(size: int) -> pa.Array[Any]:
    """`size` empty texts (the column a table lacks)."""
    offsets = pa.py_buffer(np.zeros(size + 1, dtype=np.int32).data)
    return pa.Array.from_buffers(pa.string(), size, [None, offsets, pa.py_buffer(b"")])


def text_lists(values: Sequence[Sequence[str]]) -> pa.Array[Any]:
    """Lists of Python strings as an Arrow `list<string>` array."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    flat = texts([item for value in values for item in value])
    # from_buffers builds an Int32Array for int32 data; the stubs say only Array.
    return pa.ListArray.from_arrays(cast(pa.Int32Array, from_numpy(offsets)), flat)


def scalar(value: str | int | float | bool) -> pa.Scalar[Any]:
    """A Python value as an Arrow scalar, for a compute function's argument."""
    values = texts([value]) if isinstance(value, str) else from_numpy(np.array([value]))
    first: pa.Scalar[Any] = values[0]
    return first


NO_TEXT = pa.nulls(1, pa.string())[0]
"""The null text, for `if_else`."""
EMPTY = scalar("")


def combined(values: pa.ChunkedArray[Any]) -> pa.Array[Any]:
    """A chunked column as one array."""
    return values.combine_chunks() if values.num_chunks != 1 else values.chunks[0]
