"""Bad input to the store gets a message, never a traceback: version numbers outside
their range (1 to 10^9) and a database written by a newer release."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from rulesets.store import NotFound, RulesetStore, StoreUnavailable

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
HUGE = 2**63


@pytest.fixture
def store(store_url):
    with RulesetStore.open(store_url) as opened:
        opened.save("france", FRANCE, author="alice")
        yield opened


# --------------------------------------------------------------- version numbers


@pytest.mark.parametrize("number", [0, -1, 10**9 + 1, HUGE, 10**30])
def test_a_version_number_beyond_the_range_is_refused_clearly(store, number):
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.version("france", number)
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.submit("france", number, by="alice")
    with pytest.raises(NotFound, match="version numbers run from 1 to 1000000000"):
        store.save("france", FRANCE.replace("400 km", "300 km"), author="a", based_on=number)
    assert [v.number for v in store.history("france")] == [1]


@pytest.mark.parametrize(
    "argv",
    [
        ["show", "france", str(HUGE)],
        ["publish", "france", str(HUGE), "--reviewer", "bob"],
        ["diff", "france", "1", str(HUGE)],
        ["save", "-", "--name", "france", "--author", "a", "--based-on", str(HUGE)],
    ],
)
def test_the_cli_refuses_a_version_number_beyond_the_range(store_url, store, argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["rulesets", *argv, "--db", store_url])
    assert exit_.value.code == 2
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err


def test_export_refuses_a_version_number_beyond_the_range(tmp_path, store_url, store, capsys):
    route = tmp_path / "france.route"
    route.write_text(FRANCE)
    out = tmp_path / "a.json"
    assert main(["export", str(route), "--version", str(HUGE), "--out", str(out)]) == 2
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err
    argv = ["export", "--db", store_url, "--name", "france", "--version", str(HUGE)]
    assert main([*argv, "--out", str(out)]) == 1
    assert "version numbers run from 1 to 1000000000" in capsys.readouterr().err
    assert not out.exists()


def test_the_store_and_the_artifact_share_the_version_range():
    from engine.artifact import MAX_VERSION_NUMBER
    from rulesets.store.validation import VERSION_NUMBERS

    assert VERSION_NUMBERS == range(1, MAX_VERSION_NUMBER + 1)


# ------------------------------------------------------- a newer database schema


def test_a_database_from_a_newer_release_is_refused_clearly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    RulesetStore.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(StoreUnavailable, match="newer Sourcing Studio.*revision '0099'.*upgrade"):
        RulesetStore.open(url)
    assert main(["rulesets", "list", "--db", url]) == 2
    assert "newer Sourcing Studio" in capsys.readouterr().err
    engine = sa.create_engine(url)
    with engine.connect() as connection:  # the database was left as it was
        assert connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == (
            "0099"
        )
    engine.dispose()
