"""One progress count over several replays (a comparison's sides, the parts of a replay
cut at dated carrier changes): each part reports its orders shifted by the orders of
the parts before it."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def shifted(on_progress: Progress | None, before: int, total: int) -> Progress | None:
    """A part's progress callback: its `done` counted after `before` orders, out of
    `total` (never past it); None without a callback."""
    if on_progress is None:
        return None
    report = on_progress

    def part(done: int, _total: int) -> None:
        report(min(before + done, total), total)

    return part
