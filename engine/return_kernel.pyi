"""The types of `engine.return_kernel` (engine/return_kernel.pyx, compiled by
setup.py): the batch router of returned lines, packed by `engine.return_batch`."""

from typing import Final

import numpy as np

DISTANCE: Final[int]
COST: Final[int]
NEED: Final[int]
COLUMN: Final[int]
END: Final[int]
KEYS: Final[int]
"""The most rank keys one step may have."""

def route_lines(
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    base: np.ndarray,
    per_km: np.ndarray,
    return_cost: np.ndarray,
    origins: np.ndarray,
    qty: np.ndarray,
    need_rows: np.ndarray,
    slot_starts: np.ndarray,
    slot_steps: np.ndarray,
    slot_masks: np.ndarray,
    slot_restock: np.ndarray,
    slot_cols: np.ndarray,
    masks: np.ndarray,
    cols: np.ndarray,
    limits: np.ndarray,
    kinds: np.ndarray,
    descending: np.ndarray,
    target: np.ndarray,
    position: np.ndarray,
    chosen_node: np.ndarray,
    chosen_slot: np.ndarray,
    chosen_km: np.ndarray,
    chosen_cost: np.ndarray,
) -> None: ...
