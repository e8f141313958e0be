"""A throwaway PostgreSQL server for the test session: Debian's binaries, a data
directory in a temporary folder, listening on 127.0.0.1 only, on a free port, with
a random password; stopped and deleted at the end of the session.

initdb and pg_ctl refuse to run as root, so under root they run as the `postgres`
user. If the server cannot start, the tests that need it fail with the reason —
nothing is skipped (`scripts/system-packages.sh` installs PostgreSQL; `make test`
runs it).
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

INSTALL_HINT = "install it with `sudo scripts/system-packages.sh` (`make test` does it for you)"


class PostgresUnavailable(RuntimeError):
    pass


def _binary(name: str) -> str:
    """Debian keeps initdb and pg_ctl out of PATH, under /usr/lib/postgresql/<major>/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    if not candidates:
        raise PostgresUnavailable(f"PostgreSQL's `{name}` was not found; {INSTALL_HINT}")
    return candidates[-1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalPostgres:
    """Start with `start()`, hand out fresh databases with `new_database()`, `stop()`."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="sourcing-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.password = secrets.token_urlsafe(16)
        self.user = "postgres"
        self._as_root = os.geteuid() == 0
        self._databases = 0

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        if self._as_root:
            command = ("runuser", "-u", "postgres", "--", *command)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"`{' '.join(command)}` failed ({done.returncode}):\n{done.stdout}{done.stderr}"
            )
        return done

    def start(self) -> None:
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.root.chmod(0o755)
        self.data.mkdir()
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        if self._as_root:
            shutil.chown(self.data, "postgres", "postgres")
            shutil.chown(password_file, "postgres", "postgres")
        self._run(
            initdb, "-D", str(self.data), "-U", self.user, f"--pwfile={password_file}",
            "--auth-host=scram-sha-256", "--auth-local=peer", "--no-sync", "-E", "UTF8",
        )  # fmt: skip
        password_file.unlink()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            pg_ctl, "-D", str(self.data), "-l", str(self.data / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                # Immediate: the data is thrown away, so skip the shutdown checkpoint.
                self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A fresh, empty database; returns its SQLAlchemy URL."""
        self._databases += 1
        name = f"store_test_{self._databases}"
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)
