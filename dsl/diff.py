"""What changed between two rulesets, said the way a reviewer reads it: strategies
added, removed, renamed, moved or changed, and inside a changed strategy which
clauses were added, removed or changed — not only which text lines differ.

Clauses are compared by their canonical text (`dsl.formatter`), so layout and
comments-only reflows never show up as changes of meaning.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from dsl import syntax as s
from dsl.formatter import KIND_WORDS, clause_lines, quote

Change = Literal["added", "removed", "changed"]
StrategyChangeKind = Literal["added", "removed", "changed", "renamed", "moved"]

# The clause a canonical line belongs to, by its leading word.
_CLAUSE_NAMES = {
    "priority": "priority",
    "effective": "effective",
    "when": "when",
    "lines": "lines where",
    "source": "source",
    "transfer": "transfer from",
    "within": "within",
    "keep": "keep",
    "ship": "ship with",
    "deliver": "deliver",
    "carrier": "carrier by",
    "rank": "rank",
    "split": "split",
    "otherwise": "otherwise",
    "on": "on shortage",
    "send": "send to",
    "disposition": "disposition",
    "restock": "restock after",
}


@dataclass(frozen=True)
class ClauseChange:
    """One clause added, removed or changed; `before`/`after` are canonical clause text."""

    clause: str
    change: Change
    before: str | None = None
    after: str | None = None

    def render(self) -> str:
        if self.change == "added":
            return f"+ {self.after}"
        if self.change == "removed":
            return f"- {self.before}"
        return f"~ {self.before}  →  {self.after}"


@dataclass(frozen=True)
class StrategyChange:
    """A strategy that differs. `renamed` keeps its body under a new id (`old_id`). A
    strategy whose kind changed (`strategy` ↔ `return strategy`) is `changed`, its
    first clause change being `kind`."""

    strategy: str
    change: StrategyChangeKind
    clauses: tuple[ClauseChange, ...] = ()
    moved: bool = False
    """Its place among the strategies changed (file order breaks priority ties)."""
    old_id: str | None = None
    kind: s.StrategyKind = "order"
    """Its kind (the new one, when it changed)."""

    def render(self) -> list[str]:
        mark = {"added": "+", "removed": "-"}.get(self.change, "~")
        title = f"{mark} {KIND_WORDS[self.kind]} {self.strategy}"
        notes = []
        if self.change == "renamed":
            notes.append(f"renamed from {self.old_id}")
        if self.moved or self.change == "moved":
            notes.append("moved")
        if notes:
            title += f" ({', '.join(notes)})"
        return [title] + ["    " + clause.render() for clause in self.clauses]


@dataclass(frozen=True)
class RulesetDiff:
    """Every difference between two rulesets; empty when they say the same thing."""

    header: tuple[ClauseChange, ...] = ()
    strategies: tuple[StrategyChange, ...] = field(default_factory=tuple)

    @property
    def unchanged(self) -> bool:
        return not self.header and not self.strategies

    def strategy(self, strategy_id: str) -> StrategyChange | None:
        return next((c for c in self.strategies if c.strategy == strategy_id), None)

    def render(self) -> str:
        """Plain text for a terminal or a review comment."""
        if self.unchanged:
            return "no changes"
        lines = ["~ ruleset"] if self.header else []
        lines += ["    " + clause.render() for clause in self.header]
        for change in self.strategies:
            lines += change.render()
        return "\n".join(lines)


def diff_rulesets(before: s.Ruleset, after: s.Ruleset) -> RulesetDiff:
    """Compare two syntax trees strategy by strategy (matched by id), clause by clause."""
    header = _diff_clauses(_header_clauses(before), _header_clauses(after))
    old = {strategy.id: strategy for strategy in before.strategies}
    new = {strategy.id: strategy for strategy in after.strategies}
    moved = _moved(
        [i for i in old if i in new],
        [i for i in new if i in old],
    )
    removed = [strategy for strategy in before.strategies if strategy.id not in new]
    renamed_from = _renames(
        removed, [strategy for strategy in after.strategies if strategy.id not in old]
    )
    gone = set(renamed_from.values())

    changes: list[StrategyChange] = []
    for strategy in after.strategies:
        kind = strategy.kind
        if strategy.id in old:
            earlier = old[strategy.id]
            clauses = _diff_clauses(_strategy_clauses(earlier), _strategy_clauses(strategy))
            if earlier.kind != kind:
                words = KIND_WORDS[earlier.kind], KIND_WORDS[kind]
                clauses = (ClauseChange("kind", "changed", *words), *clauses)
            is_moved = strategy.id in moved
            if clauses:
                changes.append(
                    StrategyChange(strategy.id, "changed", clauses, moved=is_moved, kind=kind)
                )
            elif is_moved:
                changes.append(StrategyChange(strategy.id, "moved", moved=True, kind=kind))
        elif strategy.id in renamed_from:
            changes.append(
                StrategyChange(strategy.id, "renamed", old_id=renamed_from[strategy.id], kind=kind)
            )
        else:
            added = tuple(ClauseChange(k, "added", after=t) for k, t in _strategy_clauses(strategy))
            changes.append(StrategyChange(strategy.id, "added", added, kind=kind))
    for strategy in removed:
        if strategy.id not in gone:
            lost = tuple(
                ClauseChange(k, "removed", before=t) for k, t in _strategy_clauses(strategy)
            )
            changes.append(StrategyChange(strategy.id, "removed", lost, kind=strategy.kind))
    return RulesetDiff(header, tuple(changes))


def line_diff(
    before: str, after: str, before_name: str = "before", after_name: str = "after"
) -> str:
    """A unified diff of two texts, for the audit trail and for `git`-minded readers."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=before_name,
            tofile=after_name,
        )
    )


# ------------------------------------------------------------------ clauses


def _header_clauses(ruleset: s.Ruleset) -> list[tuple[str, str]]:
    out = [("comment", f"# {c}") for c in ruleset.comments]
    if ruleset.name is not None:
        out.append(("ruleset", f"ruleset {quote(ruleset.name)}"))
    if ruleset.timezone is not None:
        out.append(("timezone", f"timezone {quote(ruleset.timezone)}"))
    return out


def _strategy_clauses(strategy: s.Strategy) -> list[tuple[str, str]]:
    """(clause name, canonical text) for the label, comments and every clause."""
    out = [("comment", f"# {c}") for c in strategy.comments]
    if strategy.label is not None:
        out.append(("label", quote(strategy.label)))
    for line in clause_lines(strategy):
        word = line.split(" ", 1)[0]
        out.append((_CLAUSE_NAMES.get(word, word), line))
    return out


def _diff_clauses(
    before: list[tuple[str, str]], after: list[tuple[str, str]]
) -> tuple[ClauseChange, ...]:
    """Pair clauses of the same name; what cannot be paired is added or removed."""
    order = list(dict.fromkeys([k for k, _ in before] + [k for k, _ in after]))
    changes: list[ClauseChange] = []
    for kind in order:
        old = [t for k, t in before if k == kind]
        new = [t for k, t in after if k == kind]
        common = Counter(old) & Counter(new)
        gone = list((Counter(old) - common).elements())
        came = list((Counter(new) - common).elements())
        for left, right in _pairs(kind, gone, came):
            if left is None:
                changes.append(ClauseChange(kind, "added", after=right))
            elif right is None:
                changes.append(ClauseChange(kind, "removed", before=left))
            else:
                changes.append(ClauseChange(kind, "changed", before=left, after=right))
    return tuple(changes)


def _pairs(kind: str, gone: list[str], came: list[str]) -> list[tuple[str | None, str | None]]:
    """Match removed with added lines: one each is a change; `keep` lines pair by their `at`."""
    if len(gone) == 1 and len(came) == 1:
        return [(gone[0], came[0])]
    pairs: list[tuple[str | None, str | None]] = []
    if kind == "keep":
        for left in list(gone):
            right = next((r for r in came if _keep_target(r) == _keep_target(left)), None)
            if right is not None:
                pairs.append((left, right))
                gone.remove(left)
                came.remove(right)
    pairs += [(left, None) for left in gone]
    pairs += [(None, right) for right in came]
    return pairs


def _keep_target(line: str) -> str:
    return line.split(" at ", 1)[1] if " at " in line else line


# --------------------------------------------------------------- strategies


def _moved(old_order: list[str], new_order: list[str]) -> set[str]:
    """Ids outside the longest common ordering of the strategies present on both sides."""
    matcher = difflib.SequenceMatcher(a=old_order, b=new_order, autojunk=False)
    kept = {
        new_order[block.b + i] for block in matcher.get_matching_blocks() for i in range(block.size)
    }
    return set(new_order) - kept


def _renames(removed: list[s.Strategy], added: list[s.Strategy]) -> dict[str, str]:
    """new id → old id, for an added strategy whose body and kind equal a removed one's
    exactly."""
    renames: dict[str, str] = {}
    taken: set[str] = set()
    for new in added:
        body = _strategy_clauses(new)
        for old in removed:
            if old.id not in taken and old.kind == new.kind and _strategy_clauses(old) == body:
                renames[new.id] = old.id
                taken.add(old.id)
                break
    return renames
