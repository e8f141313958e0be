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

import numpy as np
import pyarrow as pa

_NUMPY_TYPES = {
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
_ARROW_TYPES = {np.dtype(numpy): arrow for arrow, numpy in _NUMPY_TYPES.items()}


def to_numpy(values: pa.Array | pa.ChunkedArray, *, writable: bool = True) -> np.ndarray:
    """A numeric, boolean or timestamp column as a numpy array (a read-only view of
    the Arrow buffer when not `writable` and there is no null); a null cell reads
    as NaN in floats, 0 in integers and timestamps, False in flags."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    kind = values.type
    size, offset = len(values), values.offset
    buffers = values.buffers()
    if pa.types.is_boolean(kind):
        out = _bits(buffers[1], offset, size)
    else:
        if pa.types.is_timestamp(kind) or pa.types.is_duration(kind):
            dtype = np.dtype(np.int64)
        elif kind in _NUMPY_TYPES:
            dtype = np.dtype(_NUMPY_TYPES[kind])
        else:
            raise TypeError(f"no numpy view of an Arrow {kind} column")
        if buffers[1] is None or not size:
            return np.zeros(size, dtype=dtype)
        out = np.frombuffer(buffers[1], dtype=dtype, count=size, offset=offset * dtype.itemsize)
        if writable or values.null_count:
            out = out.copy()
    if values.null_count:
        missing = ~_bits(buffers[0], offset, size)
        out[missing] = np.nan if out.dtype.kind == "f" else 0
    return out


def _bits(buffer: pa.Buffer | None, offset: int, size: int) -> np.ndarray:
    """The `size` bits from bit `offset` of an Arrow bitmap, as booleans."""
    if buffer is None:
        return np.ones(size, dtype=bool)
    packed = np.frombuffer(buffer, dtype=np.uint8, count=(offset + size + 7) // 8)
    return np.unpackbits(packed, bitorder="little")[offset : offset + size].astype(bool)


def from_numpy(
    values: np.ndarray, kind: pa.DataType | None = None, *, missing: np.ndarray | None = None
) -> pa.Array:
    """A numpy array of numbers or booleans as an Arrow array of `kind` (by default
    the array's own type; a timestamp type reads int64 ticks); null where `missing`."""
    values = np.asarray(values)
    if kind is None:
        kind = pa.bool_() if values.dtype == bool else _ARROW_TYPES[values.dtype]
    if pa.types.is_boolean(kind):
        data = pa.py_buffer(np.packbits(values.astype(bool), bitorder="little"))
    else:
        data = pa.py_buffer(np.ascontiguousarray(values))
    validity, nulls = None, 0
    if missing is not None and missing.any():
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
        nulls = int(missing.sum())
    return pa.Array.from_buffers(kind, len(values), [validity, data], null_count=nulls)


def row_indices(indices: np.ndarray) -> pa.Array:
    """Row positions (for `take`) as an int64 array."""
    return from_numpy(np.asarray(indices, dtype=np.int64))


def text_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a `string` column: cell i is bytes[offsets[i]:offsets[i + 1]]."""
    offsets_buffer, data = values.buffers()[1:3]
    if data is None or not len(values):
        return np.zeros(len(values) + 1, dtype=np.int32), np.zeros(0, dtype=np.uint8)
    offsets = np.frombuffer(
        offsets_buffer, dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
    )
    return offsets, np.frombuffer(data, dtype=np.uint8)


def text_bytes(values: pa.Array) -> np.ndarray:
    """The UTF-8 bytes of all the cells of a `string` column, end to end."""
    offsets, data = text_buffers(values)
    return data[offsets[0] : offsets[-1]]


def texts(values: Sequence[str | None]) -> pa.Array:
    """Python strings as an Arrow `string` array (None: null)."""
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    kind, width = (pa.string(), np.int32) if offsets[-1] < 2**31 else (pa.large_string(), np.int64)
    missing = np.fromiter((v is None for v in values), dtype=bool, count=len(encoded))
    validity, nulls = None, int(missing.sum())
    if nulls:
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    buffers = [validity, pa.py_buffer(offsets.astype(width)), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(kind, len(encoded), buffers, null_count=nulls)


def blank_texts(size: int) -> pa.Array:
    """`size` empty texts (the column a table lacks)."""
    offsets = pa.py_buffer(np.zeros(size + 1, dtype=np.int32))
    return pa.Array.from_buffers(pa.string(), size, [None, offsets, pa.py_buffer(b"")])


def text_lists(values: Sequence[Sequence[str]]) -> pa.Array:
    """Lists of Python strings as an Arrow `list<string>` array."""
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    flat = texts([item for value in values for item in value])
    return pa.ListArray.from_arrays(from_numpy(offsets), flat)


def scalar(value: str | int | float | bool) -> pa.Scalar:
    """A Python value as an Arrow scalar, for a compute function's argument."""
    if isinstance(value, str):
        return texts([value])[0]
    return from_numpy(np.array([value]))[0]


NO_TEXT = pa.nulls(1, pa.string())[0]
"""The null text, for `if_else`."""
EMPTY = scalar("")


def combined(values: pa.ChunkedArray) -> pa.Array:
    """A chunked column as one array."""
    return values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
