"""Sweeps: a base scenario (a ruleset and overrides), the data, the KPIs to optimise and
the parameters to vary; every combination of the parameters' values is one replay.

A sweep file is a scenario file (simulations.scenarios) with three more sections:
`[data]` (the tables, paths relative to the file), `[objectives]` (KPI = "min" or
"max") and `[vary]` (address = [values]). docs/sweeps.md describes the format.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from dsl import syntax as s
from dsl.formatter import format_ruleset
from simulations.override_base import ScenarioError, StrictModel, unknown
from simulations.overrides import Overrides
from simulations.scenarios import (
    Scenario,
    ScenarioFile,
    StoredText,
    _validation_message,
    read_toml,
)
from simulations.sweep_params import StrategyTarget, check_value, set_value, strategy_target

OVERRIDE_SECTIONS = ("nodes", "demand", "carriers")
"""`[vary]` addresses starting with these words change the scenario overrides; any
other first word is a strategy id."""
SCENARIO_SECTIONS = ("strategies", *OVERRIDE_SECTIONS)
MAX_COMBINATIONS = 10_000
"""The most combinations a sweep may have (each is a whole replay)."""
KEY_FORMAT = 1
"""Changes when what a combination's key digests changes (old results are then redone)."""
SCENARIO_DOCS = "docs/simulations.md for the scenario format"
SWEEP_DOCS = "docs/sweeps.md for the sweep format"
DATA_TABLES = (
    "nodes",
    "inventory",
    "orders",
    "replenishments",
    "events",
    "carriers",
    "closures",
    "returns",
)


def _objective_keys() -> tuple[str, ...]:
    from simulations.kpis import BACKORDER_KEYS, OVERALL_KEYS
    from simulations.promise_kpis import PROMISE_KEYS
    from simulations.return_kpis import RETURN_KEYS
    from simulations.transfer_kpis import TRANSFER_KEYS

    return (*OVERALL_KEYS, *PROMISE_KEYS, *TRANSFER_KEYS, *BACKORDER_KEYS, *RETURN_KEYS)


class SweepData(StrictModel):
    """The tables every combination replays (paths relative to the sweep file) and the
    order days to keep (local days of the ruleset's zone, both inclusive)."""

    nodes: Path
    inventory: Path
    orders: Path
    replenishments: Path | None = None
    events: Path | None = None
    carriers: Path | None = None
    closures: Path | None = None
    returns: Path | None = None
    first_day: dt.date | None = Field(default=None, alias="from")
    last_day: dt.date | None = Field(default=None, alias="to")

    def paths(self, folder: Path) -> dict[str, Path]:
        """Each table given, by name, read relative to `folder`."""
        found = {name: getattr(self, name) for name in DATA_TABLES}
        return {name: folder / path for name, path in found.items() if path is not None}


class SweepFile(ScenarioFile):
    """A sweep file as read: a scenario file plus data, objectives and what to vary."""

    data: SweepData | None = None
    objectives: dict[str, Literal["min", "max"]]
    vary: dict[str, Any]

    @field_validator("objectives")
    @classmethod
    def _known_kpis(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError('name at least one KPI to optimise, e.g. cost_per_order = "min"')
        keys = list(_objective_keys())
        for key in value:
            if key not in keys:
                raise ValueError(unknown("KPI", key, keys))
        return value


@dataclass(frozen=True)
class Parameter:
    """One thing varied: its address as written (`peak_store_protection.keep`), the
    values to try in file order, and where in the ruleset it goes (None: an override)."""

    address: str
    parts: tuple[str, ...]
    values: tuple
    target: StrategyTarget | None


@dataclass(frozen=True)
class Combination:
    """One setting of every parameter: its number (from 1, in combination order), the
    values by address, the ruleset text and overrides to replay, and its key."""

    number: int
    values: dict[str, Any]
    ruleset_text: str
    overrides: Overrides
    key: str

    def scenario(self, name: str) -> Scenario:
        """The combination as a scenario (what `sourcing simulate` would replay)."""
        from dsl.parser import parse

        ruleset = parse(self.ruleset_text, f"{name} #{self.number}")
        return Scenario(name=f"{name} #{self.number}", ruleset=ruleset, overrides=self.overrides)


@dataclass(frozen=True)
class Sweep:
    """A sweep ready to expand: base ruleset, base overrides (as the file writes them),
    parameters, objectives and (from a file) its data."""

    name: str
    ruleset: s.Ruleset
    base: dict[str, Any]
    parameters: tuple[Parameter, ...]
    objectives: dict[str, str]
    data: dict[str, Path]
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    description: str = ""

    @property
    def size(self) -> int:
        """How many combinations: the product of the parameters' value counts."""
        count = 1
        for parameter in self.parameters:
            count *= len(parameter.values)
        return count

    def combinations(self, data_key: str) -> list[Combination]:
        """Every combination, the first parameter varying slowest and the last fastest
        (itertools.product order), numbered from 1. `data_key` identifies the data, so a
        combination's key changes when the data does."""
        found = []
        choices = [parameter.values for parameter in self.parameters]
        for number, values in enumerate(itertools.product(*choices), start=1):
            ruleset = self.ruleset.model_copy(deep=True)
            sections = copy.deepcopy(self.base)
            for parameter, value in zip(self.parameters, values, strict=True):
                if parameter.target is None:
                    _set_path(sections, parameter.parts, value)
                else:
                    set_value(ruleset, parameter.target, value)
            overrides = _overrides(sections, "")
            text = format_ruleset(ruleset)
            key = self._key(text, overrides, data_key)
            by_address = {p.address: v for p, v in zip(self.parameters, values, strict=True)}
            found.append(Combination(number, by_address, text, overrides, key))
        return found

    def _key(self, text: str, overrides: Overrides, data_key: str) -> str:
        digest = {
            "format": KEY_FORMAT,
            "ruleset": text,
            "overrides": overrides.model_dump(mode="json"),
            "days": [str(self.first_day), str(self.last_day)],
            "data": data_key,
        }
        encoded = json.dumps(digest, sort_keys=True, ensure_ascii=True).encode()
        return hashlib.sha256(encoded).hexdigest()[:24]


def build_sweep(
    ruleset: s.Ruleset,
    vary: dict[str, Any],
    objectives: dict[str, str],
    *,
    name: str = "sweep",
    base: dict[str, Any] | None = None,
    data: dict[str, Path] | None = None,
    days: tuple[dt.date | None, dt.date | None] = (None, None),
    description: str = "",
) -> Sweep:
    """A sweep of `ruleset` from the `[vary]` table (nested as TOML reads dotted keys,
    or flat {"a.b": [...]}) and the base override sections; ScenarioError when an
    address or a value cannot be used."""
    base = {key: value for key, value in (base or {}).items() if key in SCENARIO_SECTIONS}
    _overrides(base, "")  # the base itself must be a valid scenario
    objectives = SweepFile.model_validate(
        {"objectives": objectives, "vary": {}}
    ).objectives  # the one check of KPI names
    parameters = tuple(_parameter(ruleset, base, parts, values) for parts, values in _leaves(vary))
    if not parameters:
        raise ScenarioError("vary: name at least one parameter, e.g. peak_store_protection.keep")
    sweep = Sweep(name, ruleset, base, parameters, dict(objectives), data or {}, *days, description)
    if sweep.size > MAX_COMBINATIONS:
        raise ScenarioError(
            f"vary: {sweep.size:,} combinations, above the {MAX_COMBINATIONS:,} a sweep may "
            "have; vary fewer values"
        )
    return sweep


def load_sweep(path: str | Path, stored: StoredText | None = None) -> Sweep:
    """Read a sweep file (TOML) and resolve it against its ruleset; ScenarioError says
    what is wrong and where."""
    path = Path(path)
    raw = read_toml(path, "sweep")
    try:
        found = SweepFile.model_validate({**raw, "path": path})
    except ValidationError as error:
        message = _validation_message(path, error)
        raise ScenarioError(message.replace(SCENARIO_DOCS, SWEEP_DOCS)) from None
    if found.data is None:
        raise ScenarioError(f"{path}: data: give the tables: [data] nodes, inventory, orders")
    scenario = found.scenario(stored=stored)
    try:
        return build_sweep(
            scenario.ruleset,
            found.vary,
            found.objectives,
            name=scenario.name,
            base=raw,
            data=found.data.paths(path.parent),
            days=(found.data.first_day, found.data.last_day),
            description=found.description,
        )
    except ScenarioError as error:
        raise ScenarioError(f"{path}: {error}") from None


def data_key(paths: dict[str, Path]) -> str:
    """A digest of the data files' bytes by table name: a changed file, a new key."""
    digest = hashlib.sha256()
    for name in sorted(paths):
        digest.update(name.encode() + b"\0")
        with open(paths[name], "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()[:24]


def address_text(parts: tuple[str, ...]) -> str:
    """An address as TOML writes it: bare parts joined by dots, others quoted."""
    return ".".join(p if p.replace("_", "").replace("-", "").isalnum() else f'"{p}"' for p in parts)


# ------------------------------------------------------------------ the parameters


def _leaves(vary: dict[str, Any], parts: tuple[str, ...] = ()):
    """(address parts, values) for every list in the `[vary]` table, in file order; a
    flat key written with dots ("a.b") is split as TOML would."""
    for key, value in vary.items():
        here = (*parts, *key.split(".")) if not parts else (*parts, key)
        if isinstance(value, dict):
            yield from _leaves(value, here)
        else:
            yield here, value


def _parameter(ruleset: s.Ruleset, base: dict, parts: tuple[str, ...], values) -> Parameter:
    address = address_text(parts)
    if not isinstance(values, list) or not values:
        raise ScenarioError(f"vary.{address}: give a list of values, e.g. [1, 2, 3]")
    kinds = {_kind(value, address) for value in values}
    if len(kinds) > 1:
        raise ScenarioError(
            f"vary.{address}: mixes {' and '.join(sorted(kinds))}; give values of one kind"
        )
    if len(set(values)) != len(values):  # equal values: 1 and 1.0 too
        raise ScenarioError(f"vary.{address}: a value is given twice")
    if parts[0] in OVERRIDE_SECTIONS:
        for value in values:  # each value alone on the base: refused here, not per task
            sections = copy.deepcopy(base)
            _set_path(sections, parts, value)
            _overrides(sections, f"vary.{address} = {value!r}: ")
        return Parameter(address, parts, tuple(values), None)
    target = strategy_target(ruleset, parts, address)
    strategies = base.get("strategies", {})
    if parts[0] in strategies.get("off", ()) or (
        target.clause == "effective" and parts[0] in strategies.get("effective", {})
    ):
        raise ScenarioError(
            f"vary.{address}: the file's [strategies] section already switches {parts[0]} "
            "off or sets its effective window; vary one or the other"
        )
    for value in values:
        check_value(target, value, address)
    return Parameter(address, parts, tuple(values), target)


def _kind(value: object, address: str) -> str:
    if isinstance(value, bool | list | dict):
        raise ScenarioError(
            f"vary.{address}: {value!r} cannot be varied; give numbers, dates or texts"
        )
    if isinstance(value, int | float):
        return "numbers"
    if isinstance(value, dt.datetime):
        return "date-times"
    if isinstance(value, dt.date):
        return "dates"
    return "times" if isinstance(value, dt.time) else "texts"


def _set_path(sections: dict, parts: tuple[str, ...], value: object) -> None:
    """Write `value` at `parts` in the override sections; `carriers.N` is the N-th
    `[[carriers]]` entry of the base (from 1)."""
    address = address_text(parts)
    if parts[0] == "carriers" and (len(parts) != 3 or not parts[1].isdecimal()):
        raise ScenarioError(
            f"vary.{address}: write carriers.N.FIELD, N the [[carriers]] entry of the file "
            "counted from 1"
        )
    here: Any = sections
    for part in parts[:-1]:
        if isinstance(here, list):
            here = here[_entry(here, part, address)]
        elif isinstance(here, dict):
            here = here.setdefault(part, [] if part == "carriers" else {})
        else:
            break
    if not isinstance(here, dict):
        raise ScenarioError(f"vary.{address}: the base file sets {parts[-2]} to one value here")
    here[parts[-1]] = value


def _entry(entries: list, part: str, address: str) -> int:
    if not 1 <= int(part) <= len(entries):
        raise ScenarioError(
            f"vary.{address}: the file has {len(entries)} [[carriers]] entries; number them from 1"
        )
    return int(part) - 1


def _overrides(sections: dict, prefix: str) -> Overrides:
    """The overrides the scenario sections say (validated as a scenario file's)."""
    try:
        return ScenarioFile.model_validate(sections).overrides
    except ValidationError as error:
        message = _validation_message(Path("sweep"), error).replace("sweep: ", prefix)
        raise ScenarioError(message) from None
