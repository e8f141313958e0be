"""A demo store, ready to show: the example rulesets shipped with the product as
version 1 drafts, the France example's version 1 **published** (so the demo has a
live version to compare with), and the two demo accounts (`DEMO_ACCOUNTS`, an editor
and an approver, whose passwords are published: demo only).

Running it again changes nothing: each step is done only when it is missing. The
examples are written and France v1 published before the accounts exist, under the
names `shipped-examples` (author) and `demo set-up` (submitter and approver), as a
store without accounts records people; on a demo store that already has the demo
accounts, the demo editor submits and the demo approver publishes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

from rulesets.store.accounts import DEMO_ACCOUNTS, DEMO_SET_UP
from rulesets.store.errors import StoreError
from rulesets.store.models import State
from rulesets.store.records import User
from rulesets.store.repository import RulesetStore

EXAMPLES_AUTHOR = "shipped-examples"
"""The author of the seeded versions: nobody who signs in, so anyone may approve them."""
LIVE_EXAMPLE = "france"
"""The example published as version 1: the one written for the demo data."""


def examples() -> dict[str, str]:
    """name -> text of every `.route` file shipped in the `rulesets` package."""
    files = resources.files("rulesets").iterdir()
    return {
        f.name.removesuffix(".route"): f.read_text(encoding="utf-8")
        for f in sorted(files, key=lambda f: f.name)
        if f.name.endswith(".route")
    }


def seed_examples(store: RulesetStore, author: User | str = EXAMPLES_AUTHOR) -> list[str]:
    """Save every example as a version 1 draft when the store holds no ruleset at all;
    returns the names saved. Another process seeding at the same moment only makes
    this one skip what it saved."""
    if store.list_rulesets():
        return []
    saved = []
    for name, text in examples().items():
        try:
            store.save(name, text, author=author, comment="example shipped with Sourcing Studio")
        except StoreError:  # someone else saved it first (or the store has accounts)
            continue
        saved.append(name)
    return saved


@dataclass
class DemoReport:
    """What `prepare` did (empty lists: it was all there already)."""

    seeded: list[str] = field(default_factory=list)
    published: str | None = None
    accounts: list[str] = field(default_factory=list)


def prepare(store: RulesetStore) -> DemoReport:
    """Make `store` a demo store (see the module's docstring); idempotent."""
    added = []
    if not store.accounts.exist():
        people = (EXAMPLES_AUTHOR, DEMO_SET_UP, DEMO_SET_UP)
    else:  # raises when the store holds other accounts: demo accounts are for demo stores
        added += store.accounts.add_demo_accounts()
        people = _demo_people(store)
    report = DemoReport(seeded=seed_examples(store, people[0]))
    report.published = _publish_the_example(store, *people[1:])
    added += store.accounts.add_demo_accounts()
    report.accounts = [user.name for user in added]
    return report


def _publish_the_example(
    store: RulesetStore, submitter: User | str, approver: User | str
) -> str | None:
    """France v1 goes live when it is the ruleset's only version and was never approved."""
    names = {summary.name for summary in store.list_rulesets()}
    if LIVE_EXAMPLE not in names:
        return None
    history = store.history(LIVE_EXAMPLE)
    if len(history) != 1 or history[0].state not in (State.DRAFT, State.IN_REVIEW):
        return None
    if history[0].state == State.DRAFT:
        store.submit(LIVE_EXAMPLE, 1, by=submitter, comment="demo set-up")
    version = store.publish(LIVE_EXAMPLE, 1, reviewer=approver, comment="demo set-up")
    return version.label


def _demo_people(store: RulesetStore) -> tuple[User, User, User]:
    """In a demo store with its accounts: the demo editor writes and submits, the demo
    approver publishes, signed in with their published passwords."""
    (editor, *_, editor_password), (approver, *_, approver_password) = DEMO_ACCOUNTS
    editor_user = store.accounts.authenticate(editor, editor_password)
    return editor_user, editor_user, store.accounts.authenticate(approver, approver_password)
