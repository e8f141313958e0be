"""Did you mean ...? The closest known word to a misspelt one, so that every
message about an unknown name can offer the likely fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# Words business users bring from other tools, mapped to the language's own.
SYNONYMS = {
    "warehouse": "dc",
    "distribution_center": "dc",
    "distribution_centre": "dc",
    "shop": "store",
    "boutique": "store",
    "darkstore": "dark_store",
    "vendor": "dropship",
    "delivery": "home",
    "ship_to_home": "home",
    "pickup": "collect",
    "click_and_collect": "collect",
    "bopis": "collect",
    "express_delivery": "express",
    # returns: dispositions, conditions and methods
    "resell": "restock",
    "reshelve": "restock",
    "refurb": "refurbish",
    "repair": "refurbish",
    "clearance": "liquidate",
    "sell_off": "liquidate",
    "scrap": "destroy",
    "dispose": "destroy",
    "discard": "destroy",
    "unopened": "new",
    "used": "opened",
    "broken": "damaged",
    "defective": "damaged",
    "mail": "post",
    "postal": "post",
    "drop_off": "store",
    "yes": "true",
    "no": "false",
    "monday": "Mon",
    "tuesday": "Tue",
    "wednesday": "Wed",
    "thursday": "Thu",
    "friday": "Fri",
    "saturday": "Sat",
    "sunday": "Sun",
}


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The known choice nearest to `word`: an exact match ignoring case first, then a
    synonym, then the last segment of a dotted name, then spelling similarity."""
    options = list(dict.fromkeys(choices))
    if not options or not word:
        return None
    lowered = {option.lower(): option for option in options}
    key = word.lower()
    if key in lowered:
        return lowered[key]
    synonym = SYNONYMS.get(key.replace(" ", "_").replace("-", "_"))
    if synonym in options:
        return synonym
    tails = _by_last_segment(options)
    if key in tails:
        return tails[key]
    match = difflib.get_close_matches(key, list(lowered), n=1, cutoff=cutoff)
    if match:
        return lowered[match[0]]
    tail_match = difflib.get_close_matches(key, list(tails), n=1, cutoff=max(cutoff, 0.75))
    return tails[tail_match[0]] if tail_match else None


def did_you_mean(match: str | None, quote: str = "`") -> str:
    """`"; did you mean `x`?"` for a close choice found (see `closest`), else ""."""
    return f"; did you mean {quote}{match}{quote}?" if match else ""


def _by_last_segment(options: list[str]) -> dict[str, str]:
    """`europe/paris` -> `Europe/Paris` keyed by `paris`; `order.channel` by `channel`.
    A segment shared by several options is ambiguous and left out."""
    tails: dict[str, str | None] = {}
    for option in options:
        for separator in ("/", "."):
            if separator in option:
                tail = option.rsplit(separator, 1)[1].lower()
                tails[tail] = None if tail in tails and tails[tail] != option else option
    return {tail: option for tail, option in tails.items() if option is not None}
