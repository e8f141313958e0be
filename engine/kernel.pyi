"""The types of `engine.kernel` (engine/kernel.pyx, compiled by setup.py): its
public functions and constants, for the type checker. The groups of arrays
`route_block` takes are described in kernel.pyx and packed by `engine.blocks`."""

from typing import Final

import numpy as np

Arrays = tuple[np.ndarray, ...]
Stock = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""free (SKU rows × nodes, int64), used today per node (int64), capacity (float64),
offline (uint8)."""
NetworkColumns = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]
"""x, y, z of the nodes' unit vectors, pick, base, per_km, handling (float64)."""
OrderArrays = tuple[
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
    np.ndarray,
]
"""starts, rows, qty, points, first, prior, blocked_starts, blocked_nodes, stores."""
StrategyArrays = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]
"""following, split, limits, reject, kinds, descending, store_first."""
Tables = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""source_of, masks, keep_of, keeps, column_of, cols."""
Out = tuple[
    np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray
]
"""chains, counts, nodes, strategies, takes, left, limited, figures (what the kernel writes)."""
ArrivalArrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""starts, rows, nodes, qty."""
Arguments = tuple[Stock, NetworkColumns, OrderArrays, StrategyArrays, Tables, Out]
"""`route_block`'s positional arguments, in order."""

SHIPMENTS: Final[int]
DISTANCE: Final[int]
COST: Final[int]
STOCK: Final[int]
LOAD: Final[int]
COLUMN: Final[int]
ETA: Final[int]

CANDIDATE: Final[int]
BY_SOURCE: Final[int]
BY_WITHIN: Final[int]
BY_OFFLINE: Final[int]
BY_CAPACITY: Final[int]
BY_SHIPPED: Final[int]
BY_KEEP: Final[int]
BY_STOCK: Final[int]
BY_CARRIER: Final[int]
CARRIER_COST: Final[int]
CARRIER_ETA: Final[int]
CARRIER_CO2: Final[int]

NO_PHASE: Final[int]
WHOLE: Final[int]
GREEDY: Final[int]
SINGLE: Final[int]

DIAMETER_KM: Final[float]

def distance_km(half: float) -> float: ...
def shipment_cost(pick: float, base: float, per_km: float, units: int, km: float) -> float: ...
def shipment_eta(handling: float, km: float) -> float: ...
def unit_vectors(lat: np.ndarray, lon: np.ndarray, out: np.ndarray) -> None: ...
def half_chords(
    x: np.ndarray, y: np.ndarray, z: np.ndarray, point: np.ndarray, out: np.ndarray
) -> None: ...
def route_block(
    stock: Stock,
    network: NetworkColumns,
    orders: OrderArrays,
    strategies: StrategyArrays,
    tables: Tables,
    out: Out,
    trace: Arrays | None = None,
    honour_reject: bool = True,
    arrivals: ArrivalArrays | None = None,
    promise: tuple[object, ...] | None = None,
    commit: bool = True,
) -> None: ...
