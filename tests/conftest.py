"""Shared test set-up.

Hypothesis profiles: `ci` (the default) runs 500 examples per property with a
fixed seed so every run checks the same cases; `dev` draws fresh random cases
each run, and more of them, to hunt for new failures:
`HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest tests/test_roundtrip.py`;
`fuzz` (what `make fuzz` uses for the tests marked `fuzz`, which take only a few
examples otherwise, see tests/fuzzing.py) draws fresh cases, very many of them,
with no deadline, and keeps failures in the example database so the next run
tries them first.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=500,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=2000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    # per test and round: a round of every fuzzer takes a few minutes, so even a
    # short `make fuzz` reaches each of them, and rounds repeat with fresh cases
    max_examples=1_000,
    deadline=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The business checks date windows against now: every test (and every studio server a
# test starts, which inherits the environment) sees the same instant, inside the France
# example's peak season, so the findings do not change with the day the tests run.
os.environ.setdefault("SOURCING_NOW", "2026-11-20T12:00:00+01:00")


# ----------------------------------------------------------- ruleset store databases

import pytest  # noqa: E402
from postgres import LocalPostgres, PostgresUnavailable  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server on loopback for the session; fails (never skips) if it can't."""
    server = LocalPostgres()
    try:
        server.start()
    except (PostgresUnavailable, OSError) as error:
        server.stop()
        pytest.fail(f"the test PostgreSQL server did not start: {error}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A fresh, empty store database: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("postgres_server").new_database()


# ------------------------------------------------------------------ artifact signing


def _write_key_pair(folder):
    """An Ed25519 key pair as PEM files (private key, public key) in `folder`."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = folder / "signing-key.pem"
    public = folder / "signing-key.pub.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


@pytest.fixture(scope="session")
def key_pair(tmp_path_factory):
    """The test signing key pair: (private key file, public key file)."""
    return _write_key_pair(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def other_key_pair(tmp_path_factory):
    """A second key pair, trusted by nobody unless a test says so."""
    return _write_key_pair(tmp_path_factory.mktemp("other-keys"))


@pytest.fixture
def signing(key_pair, monkeypatch):
    """Exports sign with the test key and loading trusts it (no development flag)."""
    private, public = key_pair
    monkeypatch.setenv("SOURCING_SIGNING_KEY", str(private))
    monkeypatch.setenv("SOURCING_TRUSTED_KEYS", str(public))
    monkeypatch.delenv("SOURCING_ALLOW_UNSIGNED", raising=False)
    return key_pair
