"""One exception hierarchy for bad input: everything the language raises for a
text it cannot take derives from `dsl.errors.SourcingError`."""

from __future__ import annotations

import pytest

import dsl
from dsl import errors


def test_a_syntax_error_is_a_sourcing_error_and_still_a_value_error():
    with pytest.raises(errors.SourcingError) as caught:
        dsl.parse("strategy\n", "t.route")
    assert isinstance(caught.value, errors.RulesetSyntaxError)
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).startswith("t.route:1:9: error: expected a name after `strategy`")


def test_the_syntax_error_is_importable_from_where_it_always_was():
    assert dsl.RulesetSyntaxError is errors.RulesetSyntaxError
    assert dsl.SourcingError is errors.SourcingError


def test_a_lone_expression_that_does_not_parse_is_a_sourcing_error():
    with pytest.raises(errors.SourcingError):
        dsl.parse_expression("order.channel ==")
