"""The engine's kinds of error that more than one module raises. Each derives from
`dsl.errors.SourcingError` (and from `ValueError`, as the engine's errors always
did), so one `except SourcingError` sees every error the language and the engine
raise on purpose. docs/routing.md, "Errors", lists the whole family.
"""

from __future__ import annotations

from dsl.errors import SourcingError


class DataError(SourcingError, ValueError):
    """Data the engine cannot take: a table, a row or a value built into nodes,
    stock, orders or events; the message says which and why."""


class ArtifactError(SourcingError, ValueError):
    """A ruleset artifact or another signed document that cannot be made, read,
    signed or trusted; the message says why and what to do."""
