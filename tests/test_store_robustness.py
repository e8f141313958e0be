"""Bad input to the store gets a message, never a traceback: a database written by a
newer release."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cli.main import main
from rulesets.store import RulesetStore, StoreUnavailable

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()
HUGE = 2**63


@pytest.fixture
def store(store_url):
    with RulesetStore.open(store_url) as opened:
        opened.save("france", FRANCE, author="alice")
        yield opened


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
