"""The service's settings, from the environment (docs/service.md, "Settings"):
the API keys (`SOURCING_SERVICE_KEYS_FILE` or `SOURCING_SERVICE_KEYS`, required),
the largest body (`..._MAX_BODY_BYTES`, 1 MiB), how far ahead of and behind the
service's clock an instant may be (`..._MAX_AHEAD_SECONDS`, 5 min;
`..._MAX_BEHIND_SECONDS`, 7 days), and how many finished order ids are
remembered to refuse a repeat (`..._FINISHED_IDS`, 1,000,000).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass

from service.keys import KeyRing
from service.writes import ClockWindow

PREFIX = "SOURCING_SERVICE_"
DEFAULTS = {
    "MAX_BODY_BYTES": 1_048_576,
    "MAX_AHEAD_SECONDS": 300,
    "MAX_BEHIND_SECONDS": 7 * 86_400,
    "FINISHED_IDS": 1_000_000,
}
HIGHEST = {
    "MAX_BODY_BYTES": 1 << 30,
    "MAX_AHEAD_SECONDS": 366 * 86_400,
    "MAX_BEHIND_SECONDS": 100 * 366 * 86_400,
    "FINISHED_IDS": 100_000_000,
}


class SettingsProblem(ValueError):
    """A setting that cannot be used: which variable, what it must be."""


@dataclass(frozen=True)
class ServiceSettings:
    keys: KeyRing
    max_body_bytes: int = DEFAULTS["MAX_BODY_BYTES"]
    window: ClockWindow = ClockWindow(
        dt.timedelta(seconds=DEFAULTS["MAX_AHEAD_SECONDS"]),
        dt.timedelta(seconds=DEFAULTS["MAX_BEHIND_SECONDS"]),
    )
    finished_ids: int = DEFAULTS["FINISHED_IDS"]

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        environ = os.environ if environ is None else environ
        number = {name: _number(environ, name) for name in DEFAULTS}
        return cls(
            keys=KeyRing.from_environment(environ),
            max_body_bytes=number["MAX_BODY_BYTES"],
            window=ClockWindow(
                dt.timedelta(seconds=number["MAX_AHEAD_SECONDS"]),
                dt.timedelta(seconds=number["MAX_BEHIND_SECONDS"]),
            ),
            finished_ids=number["FINISHED_IDS"],
        )


def _number(environ: Mapping[str, str], name: str) -> int:
    text = environ.get(PREFIX + name, "").strip()
    if not text:
        return DEFAULTS[name]
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= HIGHEST[name]:
        raise SettingsProblem(
            f"{PREFIX}{name} must be a whole number from 1 to {HIGHEST[name]:,}; got {text!r}"
        )
    return int(text)
