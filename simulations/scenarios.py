"""Scenarios: a ruleset plus what-if overrides (`simulations.overrides`), written as a
small TOML file that names the ruleset (a path, or a version in the ruleset store) and
the overrides. docs/simulations.md describes the format.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dsl import syntax as s
from dsl.parser import parse
from dsl.source import UnreadableRuleset, read_ruleset, read_text_file
from engine import Policy, policy_of
from simulations.carrier_overrides import CarrierChange, Cutoffs
from simulations.inputs import Inputs
from simulations.overrides import (
    ALL_NODES,
    COPY_MARK,
    EffectiveDates,
    Factors,
    Overrides,
    ScenarioError,
    StrictModel,
    apply_to_inputs,
    apply_to_ruleset,
    scale_demand,
)

MAX_SCENARIO_BYTES = 1024 * 1024
"""Bytes in a scenario file: a few overrides, never megabytes."""

__all__ = [  # the overrides are reachable from here too
    "ALL_NODES",
    "COPY_MARK",
    "EffectiveDates",
    "Overrides",
    "Scenario",
    "ScenarioError",
    "ScenarioFile",
    "StoredRuleset",
    "apply_to_inputs",
    "apply_to_ruleset",
    "load_scenario",
    "load_scenario_file",
    "scale_demand",
]

StoredText = Callable[[str, int | None], str]
"""Reads a stored ruleset's text: (name, version or None for the live one) -> text."""


class Scenario(BaseModel):
    """A ruleset and the overrides to simulate it under."""

    model_config = ConfigDict(frozen=True)

    name: str
    ruleset: s.Ruleset
    overrides: Overrides = Overrides()
    description: str = ""
    source: str = ""
    """The scenario file it was read from (named in errors), empty when built in code."""

    def prepare(self, inputs: Inputs) -> tuple[Policy, Inputs]:
        """The compiled ruleset and the tables, both with the overrides applied. An
        override the tables refuse (an unknown node or carrier) raises ScenarioError
        naming the scenario file."""
        try:
            ruleset = apply_to_ruleset(self.ruleset, self.overrides)
            changed = apply_to_inputs(inputs, self.overrides)
        except ScenarioError as error:
            if self.source:
                raise ScenarioError(f"{self.source}: {error}") from None
            raise
        policy = policy_of(ruleset, filename=self.name, extra_fields=inputs.fields)
        return policy, changed

    def simulate(self, inputs: Inputs, **options):
        """Replay `inputs` under this scenario (options as `simulations.replay.replay`)."""
        from simulations.replay import replay

        policy, changed = self.prepare(inputs)
        return replay(policy, changed, **options)


class StoredRuleset(StrictModel):
    """A version kept in the ruleset store; no version = the live (published) one."""

    name: str
    version: int | None = Field(default=None, ge=1)


# ------------------------------------------------------------------ the file


class _StrategiesSection(StrictModel):
    off: tuple[str, ...] = ()
    effective: dict[str, EffectiveDates] = {}


class _NodesSection(StrictModel):
    close: tuple[str, ...] = ()
    capacity: Factors = {}
    stock: Factors = {}
    cutoff: Cutoffs = {}


class _DemandSection(StrictModel):
    scale: float = Field(default=1.0, gt=0)
    seed: int = 0


class ScenarioFile(StrictModel):
    """A scenario file as read: its name, where its ruleset is, its overrides."""

    name: str = ""
    description: str = ""
    ruleset: Path | StoredRuleset | None = None
    strategies: _StrategiesSection = _StrategiesSection()
    nodes: _NodesSection = _NodesSection()
    demand: _DemandSection = _DemandSection()
    carriers: tuple[CarrierChange, ...] = ()
    path: Path | None = Field(default=None, exclude=True)

    @property
    def overrides(self) -> Overrides:
        return Overrides(
            strategies_off=self.strategies.off,
            effective=self.strategies.effective,
            close_nodes=self.nodes.close,
            capacity=self.nodes.capacity,
            stock=self.nodes.stock,
            demand_scale=self.demand.scale,
            demand_seed=self.demand.seed,
            cutoff=self.nodes.cutoff,
            carriers=self.carriers,
        )

    def scenario(
        self, ruleset: s.Ruleset | None = None, stored: StoredText | None = None
    ) -> Scenario:
        """The scenario, with `ruleset` if given, else the one the file names (a path is
        read relative to the file; a stored version through `stored`)."""
        where = str(self.path) if self.path else "scenario"
        name = self.name or (self.path.stem if self.path else "scenario")
        if ruleset is None:
            ruleset = self._read_ruleset(where, stored)
        return Scenario(
            name=name,
            ruleset=ruleset,
            overrides=self.overrides,
            description=self.description,
            source=str(self.path) if self.path else "",
        )

    def _read_ruleset(self, where: str, stored: StoredText | None) -> s.Ruleset:
        if self.ruleset is None:
            raise ScenarioError(
                f'{where}: the scenario names no ruleset; add `ruleset = "path.route"` '
                "or give the ruleset on the command line"
            )
        if isinstance(self.ruleset, StoredRuleset):
            if stored is None:
                raise ScenarioError(
                    f"{where}: the scenario uses stored ruleset {self.ruleset.name!r}, "
                    "but no ruleset store was given to read it from"
                )
            text = stored(self.ruleset.name, self.ruleset.version)
            label = f"{self.ruleset.name} (stored)"
            return parse(text, label)
        path = self.ruleset
        if not path.is_absolute() and self.path is not None:
            path = self.path.parent / path
        try:
            text = read_ruleset(path)
        except UnreadableRuleset as error:
            raise ScenarioError(f"{where}: cannot read the ruleset: {error}") from None
        return parse(text, str(path))


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The table of a TOML file (a scenario, a sweep); ScenarioError when it cannot be
    read or is not TOML."""
    try:
        return tomllib.loads(read_text_file(path, MAX_SCENARIO_BYTES, f"a {what}"))
    except UnreadableRuleset as error:
        raise ScenarioError(f"cannot read the {what}: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None


def load_scenario_file(path: str | Path) -> ScenarioFile:
    """Read and validate a scenario TOML file (`ScenarioError` says what is wrong)."""
    path = Path(path)
    data = read_toml(path, "scenario")
    try:
        return ScenarioFile.model_validate({**data, "path": path})
    except ValidationError as error:
        raise ScenarioError(_validation_message(path, error)) from None


def load_scenario(
    path: str | Path, ruleset: s.Ruleset | None = None, stored: StoredText | None = None
) -> Scenario:
    """`load_scenario_file(path).scenario(ruleset, stored)`."""
    return load_scenario_file(path).scenario(ruleset, stored)


def _validation_message(path: Path, error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = _where(item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "extra_forbidden":
            message = "unknown setting (see docs/simulations.md for the scenario format)"
        problems.append(f"{path}: {where or 'file'}: {message}")
    return "\n".join(dict.fromkeys(problems))


def _where(loc: tuple) -> str:
    """A setting's path as the file reads: `nodes.capacity`, `carriers[2].from` (an
    entry of a list counted from 1)."""
    where = ""
    for part in loc:
        if isinstance(part, int):
            where += f"[{part + 1}]"
        else:
            where += f".{part}" if where else str(part)
    return where
