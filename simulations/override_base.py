"""What every override model shares: the error a scenario raises, the strict settings
model, and the "unknown name" message with a suggestion."""

from __future__ import annotations

import difflib

from pydantic import BaseModel, ConfigDict


class ScenarioError(ValueError):
    """A scenario that cannot be used: the message says where and what to change."""


class StrictModel(BaseModel):
    """Settings as written in a scenario: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def unknown(what: str, name: str, known: list[str], extra: str = "") -> str:
    """`unknown WHAT 'name'; did you mean ...? (known: ...)`."""
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listed = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    more = f" {extra}" if extra else ""
    return f"unknown {what} {name!r}{hint} (known: {listed}{more})"
