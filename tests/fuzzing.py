"""What the fuzzers share: their example budget and the hostile values they try.

A fuzzer takes `QUICK` examples in the ordinary run (`make test`, a fixed seed
from the `ci` profile) and the `fuzz` profile's count when that profile is
loaded (`HYPOTHESIS_PROFILE=fuzz` or `--hypothesis-profile=fuzz`, as `make
fuzz` does), drawing fresh cases each time.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

QUICK = 20


def fuzz_settings(quick: int = QUICK) -> settings:
    """`quick` examples, unless the `fuzz` profile is the one loaded."""
    health = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    if settings.default is settings.get_profile("fuzz"):
        return settings(suppress_health_check=health)
    return settings(max_examples=quick, suppress_health_check=health)


HOSTILE_NUMBERS = [
    "0", "-0", "1", "-1", "0.5", "1e308", "-1e308", "1e400", "nan", "NaN", "inf", "-inf",
    "Infinity", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
    "4611686018427387904", "10000000000000000000", "1000000000", "1000000001",
    "1000000000000", "1000000000001", "1e9", "1e12", "2.0", "1,5", " 3 ", "0x10", "1_000",
    "١٢", "²", "+5", ".5", "5.", "1e-400", "365", "366", "-90", "90.0000001", "180", "-181",
]  # fmt: skip
HOSTILE_INSTANTS = [
    "2026-03-02T10:00:00+01:00", "2026-03-02T10:00:00Z", "2026-03-02 10:00", "2026-03-02",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "0001-01-01", "9999-12-31",
    "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", "2200-12-31T23:59:59Z",
    "2201-01-01T00:00:00Z", "2026-02-30T10:00:00Z", "2026-03-29T02:30:00",
    "2026-10-25T02:30:00", "2026-03-02T24:00:00Z", "2026-03-02T10:00:00+25:00",
    "2026-03-02T10:00:00,5+01:00", "10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
    "1e10", "tomorrow", "2026-W10-1", "20260302T100000Z",
]  # fmt: skip
HOSTILE_TEXTS = [
    "", " ", "A", "DC-LYON", "ST-PARIS", "a\x00b", "a\nb", "a\rb", "\x1b[31mred", "é",
    "\u202eevil", "\u200b", "\ufeffBOM", "\ud7ff", "x" * 257, "x" * 5000, '"quoted"', "a,b",
    "a;b", "true", "yes", "home", "collect", "express", "dc", "store", "node_offline",
    "replenish", "stock_adjust", "capacity_change", "node_online", "=cmd|' /C calc'!A0",
    "value", "units", "lines", "id",
]  # fmt: skip

hostile_cell = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.sampled_from(HOSTILE_INSTANTS),
    st.sampled_from(HOSTILE_TEXTS),
    st.text(max_size=12),
    st.integers().map(str),
    st.floats().map(repr),
)
"""One CSV cell as text, from the lists above or anything."""

json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, -0.0, 1, 10**9, 10**9 + 1, 10**12, 10**12 + 1, 2**63 - 1, 2**63, 10**30]),
    st.sampled_from(HOSTILE_TEXTS + HOSTILE_INSTANTS + HOSTILE_NUMBERS),
    st.text(max_size=20),
)
json_value = st.recursive(
    json_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
"""Any JSON value (with Python's NaN/Infinity left to the raw-body fuzzer)."""
