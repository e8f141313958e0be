"""The studio's settings, all from environment variables (nothing is read from files
in the repository, so a password in a database URL never lands in git).

| variable | meaning | default |
|---|---|---|
| SOURCING_DB_URL | the ruleset store's database | sqlite:///sourcing.db |
| SOURCING_DATA_DIR | folder of nodes, inventory, orders... tables | ./demo-data |
| SOURCING_USER | who acts, in a store without accounts only | login name |
| SOURCING_ALLOW_SELF_REVIEW | 1: authors may publish their own versions (no accounts) | off |
| SOURCING_NOW | the instant the business checks take as now (`engine.check_data`) | the clock |

In a store with accounts everyone signs in (`studio.components.sign_in`) and
SOURCING_USER plays no part.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

DB_URL = "SOURCING_DB_URL"
DATA_DIR = "SOURCING_DATA_DIR"
USER = "SOURCING_USER"
DEFAULT_DB_URL = "sqlite:///sourcing.db"
DEFAULT_DATA_DIR = "demo-data"


def db_url() -> str:
    """The ruleset store's URL ($SOURCING_DB_URL, else a SQLite file in the working folder)."""
    return os.environ.get(DB_URL) or DEFAULT_DB_URL


def data_dir() -> Path:
    """The folder the studio reads its tables from ($SOURCING_DATA_DIR, else ./demo-data)."""
    return Path(os.environ.get(DATA_DIR) or DEFAULT_DATA_DIR)


def user() -> str:
    """Who is working in a store without accounts: author, submitter and approver."""
    name = os.environ.get(USER, "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "studio user"
