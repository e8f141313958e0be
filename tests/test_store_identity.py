"""People are compared on normalised names (NFKC, format characters removed,
whitespace collapsed, case folded), so a reviewer cannot pass for someone else by
typing characters nobody sees, and a name that normalises to nothing is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from rulesets.store import ReviewRefused, RulesetStore, State, StoreError

FRANCE = (Path(__file__).parent.parent / "rulesets" / "france.route").read_text()


@pytest.mark.parametrize(
    "reviewer",
    ["alice\u200b", "ALICE", " alice ", "al\u200dice", "\u202ealice", "ａｌｉｃｅ", "alice\ufeff"],
)
def test_a_reviewer_name_with_invisible_characters_is_the_author(store_url, reviewer):
    with RulesetStore.open(store_url, allow_self_review=False) as store:
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
        with pytest.raises(ReviewRefused, match="another person must review"):
            store.publish("france", 1, reviewer=reviewer)
        assert store.version("france", 1).state == State.IN_REVIEW


@pytest.mark.parametrize("name", ["", "   ", "\u200b", "\u200b \u200b", "\u202e\u2066", "\t\n"])
def test_names_that_normalise_to_nothing_are_refused(store_url, name):
    with RulesetStore.open(store_url) as store:
        with pytest.raises(StoreError, match="must be named"):
            store.save("france", FRANCE, author=name)
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
        with pytest.raises(StoreError, match="must be named"):
            store.publish("france", 1, reviewer=name)


def test_names_are_recorded_without_their_invisible_characters(store_url):
    from rulesets.store.identity import normalised_name, same_person

    assert normalised_name("  Zoë\u200b  van\u00a0 Dijk ") == "Zoë van Dijk"
    assert same_person("ＢＯＢ", "bob") and not same_person("bob", "rob")
    with RulesetStore.open(store_url) as store:
        assert store.save("france", FRANCE, author="  al\u200bice ").author == "alice"


def test_the_cli_refuses_a_self_review_disguised_with_a_zero_width_space(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    with RulesetStore.open(url) as store:
        store.save("france", FRANCE, author="alice")
        store.submit("france", 1, by="alice")
    code = main(["rulesets", "publish", "france", "1", "--reviewer", "alice\u200b", "--db", url])
    assert code == 1 and "another person must review" in capsys.readouterr().err
