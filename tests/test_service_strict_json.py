"""service.strict_json: the fast reading of a plain body is the strict reading, and
every body the fast path may not take is read the strict way."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.strict_json import _no_constants, _no_duplicate_keys, _plain, strict_loads


def strict_reference(body: bytes):
    return json.loads(body, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constants)


def outcome(read, body: bytes):
    """What reading `body` gives: the value (repr, so -0.0 and 1 vs 1.0 differ) or
    the error's type and message."""
    try:
        return "value", repr(read(body))
    except (ValueError, RecursionError) as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"a":2}',
        b'{"a": 1, "a": 2}',
        b'{"orders":[{"order_id":"x","lines":[{"sku":"A","sku":"B"}]}]}',
        b'{"a" : 1, "a" : 2}',
        b'{"a":"\\"","a":2}',
    ],
)
def test_a_duplicate_key_is_refused_whether_the_body_is_plain_or_not(body):
    with pytest.raises(ValueError, match="appears twice in one object"):
        strict_loads(body)


def test_the_plain_bodies_a_client_sends_take_the_fast_path():
    body = json.dumps({"orders": [{"order_id": "O1", "lines": [{"sku": "A", "qty": 2}]}]})
    assert _plain(body.encode())
    assert not _plain(b'{"a" : 1}')  # a space before a colon
    assert not _plain(b'{"a":"\\u0041"}')  # an escape
    assert not _plain(b'{"qty":12345678901234567890}')  # maybe beyond 64 bits
    assert not _plain(b'{"qty":-12345678901234567890}')
    assert not _plain(b'{"x":1e0000000000000000005}')  # not a fraction: the strict way
    assert _plain(b'{"dest_lon":0.0006520015076185715}')  # a fraction's digits


@pytest.mark.parametrize(
    "body",
    [
        b"[123456789012345678901234567890]",
        b"[9223372036854775808]",
        b"[-9223372036854775809]",
        b"[NaN]",
        b"[Infinity]",
        b"[1e999]",
        b"[0.0006520015076185715, 1e0000000000000000005, 1.00000000000000000000000001]",
        b"[-0.0]",
        b"\xef\xbb\xbf{}",
        b'["\x01"]',
        b"[" * 5000 + b"]" * 5000,
        *[b"[" * depth + b"]" * depth for depth in (250, 254, 255, 256, 1000, 1024, 1025)],
        *[b'{"a":' * depth + b"1" + b"}" * depth for depth in (254, 255, 256)],
        b'{"a":1',
        b"",
        '{"a": 1}'.encode("utf-16"),
    ],
)
def test_bodies_at_the_edges_read_as_the_strict_reading_reads_them(body):
    assert outcome(strict_loads, body) == outcome(strict_reference, body)


KEYS = st.sampled_from(["a", "b", "sku", "qty", "é", 'q"', "a:b", " s"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=6),
)


def _texts(value, draw_space):
    """JSON text of `value`, where a dict is a list of pairs (duplicates allowed)."""
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        pairs = [
            f"{json.dumps(k)}{draw_space()}:{draw_space()}{_texts(v, draw_space)}" for k, v in value
        ]
        return "{" + ",".join(pairs) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_texts(v, draw_space) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4).filter(lambda v: not v or not isinstance(v[0], tuple)),
        st.lists(st.tuples(KEYS, inner), min_size=1, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.lists(st.sampled_from(["", "", "", " ", "\n"]), min_size=1))
def test_any_body_reads_as_the_strict_reading_reads_it(value, spaces):
    cycle = iter(spaces * 200)
    body = _texts(value, lambda: next(cycle, "")).encode()
    assert outcome(strict_loads, body) == outcome(strict_reference, body)
