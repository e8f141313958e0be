"""What the benchmarks ran on, the one way they time things, and the figures they
share: percentiles of latencies and a process's memory.

The machine is shared and noisy, so every figure is the median of several runs
and comparisons are made as ratios within one run, never across runs.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

NOISE_NOTE = (
    "note: this machine is shared with other work and its timings are noisy; figures are "
    "medians of repeated runs, and ratios measured within one run are the ones to compare."
)


def describe() -> list[str]:
    """CPU model, cores, memory, load, Python and platform, one fact a line."""
    cores = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = "?"
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return [
        f"cpu:      {_cpu_model()}",
        f"cores:    {cores} ({usable} usable by this process)",
        f"memory:   {_memory()}",
        f"load:     {load} (1, 5, 15 min)",
        f"python:   {platform.python_implementation()} {platform.python_version()}",
        f"platform: {platform.platform()}",
        NOISE_NOTE,
    ]


def _cpu_model() -> str:
    cpuinfo = _read("/proc/cpuinfo")
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return platform.processor() or platform.machine() or "unknown"


def _memory() -> str:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            kib = int(line.split()[1])
            return f"{kib / 1024 / 1024:.1f} GiB"
    return "unknown"


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


@dataclass(frozen=True)
class Timing:
    """Seconds taken by repeated runs of one piece of work: wall-clock time
    (`time.perf_counter`) and the CPU time of this process, which other load on
    a shared machine disturbs less."""

    wall: tuple[float, ...]
    cpu: tuple[float, ...]

    @property
    def median(self) -> float:
        """Median wall-clock seconds: the headline figure."""
        return statistics.median(self.wall)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best(self) -> float:
        return min(self.wall)

    def summary(self) -> str:
        return (
            f"median {self.median * 1000:8.1f} ms wall {self.cpu_median * 1000:8.1f} ms cpu "
            f"(best {self.best * 1000:.1f} ms wall, {len(self.wall)} runs)"
        )


def measure(work: Callable[[], object], repeats: int = 5, warmup: int = 1) -> Timing:
    """Time `work` `repeats` times after `warmup` untimed runs."""
    for _ in range(warmup):
        work()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return Timing(tuple(wall), tuple(cpu))


def percentiles(values: Sequence[float], shares: Sequence[float]) -> list[float]:
    """The `shares` percentiles (0–100) of `values`, interpolated linearly between
    the two nearest values (numpy's default); NaN for no values."""
    import numpy as np  # here: bench.simulation reads its baseline memory before numpy loads

    if not values:
        return [float("nan")] * len(shares)
    return [float(value) for value in np.percentile(np.asarray(values), shares)]


def memory_kib(field: str = "VmRSS", pid: int | str = "self") -> int:
    """A figure of /proc/PID/status in KiB: VmRSS (resident now) or VmHWM (the peak of
    the process; unlike ru_maxrss it does not carry a parent's peak over the exec).
    Without /proc (not Linux), for this process only: its ru_maxrss."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    if pid != "self":
        raise LookupError(f"no {field} in /proc/{pid}/status")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
