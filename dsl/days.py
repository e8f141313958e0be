"""Lists of days of the week as the data writes them (`Mon-Fri`, `Mon-Sat`,
`Mon;Wed;Fri`): the carriers' pickup and delivery days and the nodes' open days,
which the language reads as lists (`carrier.pickup_days has "Sat"`)."""

from __future__ import annotations

from dsl.schema import WEEKDAYS

_INDEX = {day.lower(): index for index, day in enumerate(WEEKDAYS)}


def read_days(text: str) -> tuple[str, ...]:
    """The days `text` names, in week order, each once: parts separated by `;`, each a
    day (`Mon`) or a range of days from Monday to Sunday (`Mon-Fri`); case does not
    matter. An empty text names no day. Raises ValueError saying what is wrong."""
    chosen: set[int] = set()
    for part in (piece.strip() for piece in text.split(";")):
        if not part:
            continue
        first, dash, last = (word.strip() for word in part.partition("-"))
        start = _index(first, part)
        end = _index(last, part) if dash else start
        if end < start:
            meant = ";".join(WEEKDAYS[start:] + WEEKDAYS[: end + 1])
            raise ValueError(
                f"`{part}` runs backwards: a range goes from Monday to Sunday (write `{meant}`)"
            )
        chosen.update(range(start, end + 1))
    return tuple(WEEKDAYS[index] for index in sorted(chosen))


def _index(word: str, part: str) -> int:
    index = _INDEX.get(word.lower())
    if index is None:
        raise ValueError(
            f"`{word or part}` is not a day: write days as {', '.join(WEEKDAYS)}, a range "
            "such as Mon-Fri, or days separated by `;`"
        )
    return index
