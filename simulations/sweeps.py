"""Run a sweep on Dask (`dask.distributed`): every combination not done yet is one replay
task; the tables are scattered to the workers once and every task reads them there.

Each finished combination is stored at once as DIR/results/KEY.json, so a sweep that
stops (Ctrl-C, a lost machine) and runs again skips what is done. A task that fails is
reported with its parameters and the sweep goes on. docs/sweeps.md states the rules.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from engine.files import write_atomically
from simulations.exports import write_csv
from simulations.inputs import Inputs
from simulations.kpis import COUNT_KEYS
from simulations.overrides import Overrides
from simulations.pareto import pareto_optimal
from simulations.sweep_file import Combination, Sweep

RESULTS_FOLDER = "results"
FIXED_COLUMNS = ("combination", "status", "error")
OnResult = Callable[[int, int, Combination, dict], None]
"""`on_result(finished, total, combination, outcome)` after each task of a run."""


def replay_combination(
    inputs: Inputs,
    label: str,
    ruleset_text: str,
    overrides: Overrides,
    first_day: dt.date | None,
    last_day: dt.date | None,
) -> dict[str, Any]:
    """On a worker: replay one combination; {"kpis", "orders", "seconds"}, or
    {"error"} with what went wrong (the sweep reports it and goes on)."""
    from dsl.parser import parse
    from simulations.replay import replay
    from simulations.scenarios import Scenario

    started = time.perf_counter()
    try:
        scenario = Scenario(name=label, ruleset=parse(ruleset_text, label), overrides=overrides)
        policy, changed = scenario.prepare(inputs)
        simulation = replay(policy, changed, first_day=first_day, last_day=last_day)
    except Exception as error:  # noqa: BLE001 - any failure is this combination's own
        return {"error": _error_text(error)}
    return {
        "kpis": simulation.kpis.to_dict()["overall"],
        "orders": len(simulation.decisions),
        "seconds": round(time.perf_counter() - started, 3),
    }


@dataclass(frozen=True)
class SweepRun:
    """What a run left in DIR: the KPI table (a row per combination, in combination
    order), the failures of this run, and how many tasks ran, were skipped, failed."""

    table: pd.DataFrame
    failures: pd.DataFrame
    ran: int
    skipped: int
    failed: int
    seconds: float
    workers: int

    @property
    def pareto(self) -> pd.DataFrame:
        return self.table[self.table["pareto"]]


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None) -> Iterator[Any]:
    """A client of the cluster at `scheduler` (tcp://host:8786), or of a LocalCluster of
    `workers` processes (default: the cores this process may use), one thread each."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    count = workers or usable_cores()
    with (
        LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # any free port: 8787 may be taken
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def usable_cores() -> int:
    """The cores this process may run on (its affinity), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def run_sweep(
    sweep: Sweep,
    inputs: Inputs,
    out: str | Path,
    client: Any,
    *,
    data_key: str,
    on_result: OnResult | None = None,
) -> SweepRun:
    """Replay every combination not stored in `out` yet on the client's cluster, then
    write the KPI table, the Pareto set, the failures and the report into `out`."""
    from distributed import as_completed

    started = time.perf_counter()
    folder = Path(out) / RESULTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    combinations = sweep.combinations(data_key)
    todo = [c for c in combinations if not (folder / f"{c.key}.json").is_file()]
    skipped = len(combinations) - len(todo)
    failures: dict[int, str] = {}
    if todo:
        shared = client.scatter(inputs, broadcast=True, hash=False)
        futures = {
            client.submit(
                replay_combination,
                shared,
                f"{sweep.name} #{c.number}",
                c.ruleset_text,
                c.overrides,
                sweep.first_day,
                sweep.last_day,
                key=f"sweep-{c.number}-{c.key}",
                pure=False,
            ): c
            for c in todo
        }
        for finished, future in enumerate(as_completed(futures), start=1):
            combination = futures.pop(future)
            outcome = _outcome(future)
            if "error" in outcome:
                failures[combination.number] = outcome["error"]
            else:
                _store(folder, combination, outcome)
            if on_result is not None:
                on_result(skipped + finished, len(combinations), combination, outcome)
        client.cancel([shared])
    table = results_table(sweep, combinations, folder, failures)
    workers = len(client.scheduler_info().get("workers", {}))
    run = SweepRun(
        table,
        failure_table(sweep, combinations, failures),
        len(todo),
        skipped,
        len(failures),
        time.perf_counter() - started,
        workers,
    )
    write_outputs(sweep, run, Path(out))
    return run


def _outcome(future) -> dict[str, Any]:
    """A task's result, or its error when the task itself failed (a lost worker)."""
    if future.status == "finished":
        return future.result()
    return {"error": _error_text(future.exception())}


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".strip()


def _store(folder: Path, combination: Combination, outcome: dict) -> None:
    """Keep a finished combination's figures under its key, whole or not at all."""
    document = {
        "key": combination.key,
        "values": {address: _plain(value) for address, value in combination.values.items()},
        "ruleset": combination.ruleset_text,
        "overrides": combination.overrides.model_dump(mode="json"),
        **outcome,
    }
    write_atomically(folder / f"{combination.key}.json", json.dumps(document, indent=1) + "\n")


def stored_result(out: str | Path, key: str) -> dict | None:
    """The stored figures of the combination with `key`, or None when not done."""
    path = Path(out) / RESULTS_FOLDER / f"{key}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def results_table(
    sweep: Sweep, combinations: list[Combination], folder: Path, failures: dict[int, str]
) -> pd.DataFrame:
    """A row per combination: its number, parameter values, status (done, failed, or
    not run when it neither finished nor failed), error, every KPI, and `pareto`."""
    rows, keys = [], {}
    for combination in combinations:
        stored = stored_result(folder.parent, combination.key)
        row = {"combination": combination.number, **combination.values}
        if stored is not None:
            row.update(status="done", error=None, **stored["kpis"])
            keys.update(dict.fromkeys(stored["kpis"]))
        else:
            failed = combination.number in failures
            row.update(
                status="failed" if failed else "not run", error=failures.get(combination.number)
            )
        rows.append(row)
    addresses = [parameter.address for parameter in sweep.parameters]
    columns = ["combination", *addresses, "status", "error", *keys]
    table = pd.DataFrame(rows, columns=columns)
    table["combination"] = table["combination"].astype("int64")
    table["error"] = table["error"].astype("string")
    table["status"] = table["status"].astype("string")
    for key in keys:
        table[key] = pd.to_numeric(table[key]).astype("Int64" if key in COUNT_KEYS else "float64")
    table["pareto"] = pareto_optimal(table, sweep.objectives)
    return table


def failure_table(sweep: Sweep, combinations: list[Combination], failures: dict[int, str]):
    """The combinations that failed in this run: number, parameters, error."""
    rows = [
        {"combination": c.number, **c.values, "error": failures[c.number]}
        for c in combinations
        if c.number in failures
    ]
    columns = ["combination", *(p.address for p in sweep.parameters), "error"]
    return pd.DataFrame(rows, columns=columns)


def write_outputs(sweep: Sweep, run: SweepRun, out: Path) -> dict[str, Path]:
    """kpis.parquet, pareto.csv, failures.csv, sweep.json and the offline report.html."""
    from simulations.sweep_report import write_sweep_report

    written = {name: out / name for name in ("kpis.parquet", "pareto.csv", "failures.csv")}
    run.table.to_parquet(written["kpis.parquet"], index=False)
    shown = ["combination", *(p.address for p in sweep.parameters), *sweep.objectives]
    write_csv(run.pareto[shown], written["pareto.csv"])
    write_csv(run.failures, written["failures.csv"])
    written["sweep.json"] = out / "sweep.json"
    summary = {
        "name": sweep.name,
        "combinations": len(run.table),
        "ran": run.ran,
        "skipped": run.skipped,
        "failed": run.failed,
        "pareto": run.pareto["combination"].tolist(),
        "objectives": sweep.objectives,
        "parameters": {p.address: [_plain(v) for v in p.values] for p in sweep.parameters},
        "workers": run.workers,
        "seconds": round(run.seconds, 3),
    }
    write_atomically(written["sweep.json"], json.dumps(summary, indent=1) + "\n")
    written["report.html"] = write_sweep_report(out / "report.html", sweep, run.table)
    return written


def _plain(value: Any) -> Any:
    """A parameter value as JSON holds it (dates and times as ISO text)."""
    return value.isoformat() if isinstance(value, dt.date | dt.time) else value
