"""The bound's bench (bench/bound.py) on its quick data: every figure it promises is
printed — both replays, the bound's share of each, the busiest day alone, the memory —
and no timing is asserted (tests do not time things)."""

from __future__ import annotations

import re

from bench import bound


def test_the_quick_bench_reports_the_bounds_share_of_both_replays():
    lines = bound.run(quick=True)
    text = "\n".join(lines)
    assert "2,000 orders over 30 days" in lines[0]
    assert re.search(
        r"^bound: .*% of the replay's wall time, \d+% of its cpu time; aim ≤ 50%", text, re.M
    )
    promise = next(line for line in lines if line.startswith("with the demo's carriers"))
    assert re.search(
        r"replay \d+\.\d\d s cpu, bound \d+\.\d\d s cpu \(\d+% of the replay's", promise
    )
    assert re.search(r"busiest day \(\d{4}-\d\d-\d\d, \d+ orders\) solved alone: \d+ ms", text)
    assert re.search(r"memory: \d+\.\d MiB peak Python allocations", text)
    assert "cost gap" in text and "fill gap" in text
