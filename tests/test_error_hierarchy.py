"""One family of errors: every exception class the language and the engine define
derives from `dsl.errors.SourcingError`, and keeps the built-in base it always had
(docs/routing.md, "Errors")."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import dsl
import engine
from dsl.errors import RulesetError, RulesetSyntaxError, SourcingError
from dsl.limits import OutOfRange as LanguageOutOfRange
from engine.artifact import ArtifactError
from engine.availability import UnknownSku
from engine.compiler import CompileError
from engine.errors import DataError
from engine.expressions import ExpressionError
from engine.holds import HoldNotFound, NothingToHold, TooManyHolds
from engine.ledger import OrderAlreadyRouted
from engine.limits import OutOfRange
from engine.promise_options import BasketError
from engine.reactions import ReactionError
from engine.signing import DocumentError, SignatureRefused, SigningError
from engine.tables import TableError


def _defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for package in (dsl, engine):
        names = [package.__name__] + [
            info.name for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")
        ]
        for name in names:
            module = importlib.import_module(name)
            for _, value in inspect.getmembers(module, inspect.isclass):
                if issubclass(value, BaseException) and value.__module__ == name:
                    found[f"{name}.{value.__qualname__}"] = value
    return found


def test_every_exception_the_language_and_the_engine_define_is_a_sourcing_error():
    defined = _defined_exceptions()
    assert len(defined) >= 15, sorted(defined)  # the walk did find the modules
    strays = sorted(name for name, cls in defined.items() if not issubclass(cls, SourcingError))
    assert strays == []


@pytest.mark.parametrize(
    ("error", "kind", "builtin"),
    [
        (RulesetSyntaxError, RulesetError, ValueError),
        (CompileError, RulesetError, ValueError),
        (ExpressionError, RulesetError, ValueError),
        (OutOfRange, LanguageOutOfRange, ValueError),
        (DataError, SourcingError, ValueError),
        (ArtifactError, SourcingError, ValueError),
        (SigningError, ArtifactError, ValueError),
        (DocumentError, ArtifactError, ValueError),
        (SignatureRefused, ArtifactError, ValueError),
        (TableError, DataError, ValueError),
        (BasketError, DataError, ValueError),
        (OrderAlreadyRouted, SourcingError, ValueError),
        (ReactionError, SourcingError, RuntimeError),
        (HoldNotFound, SourcingError, KeyError),
        (NothingToHold, SourcingError, ValueError),
        (TooManyHolds, SourcingError, ValueError),
        (UnknownSku, SourcingError, KeyError),
    ],
)
def test_each_error_has_its_kind_and_keeps_its_builtin_base(error, kind, builtin):
    assert issubclass(error, kind)
    assert issubclass(error, SourcingError)
    assert issubclass(error, builtin)
