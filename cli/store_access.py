"""What the store's commands (`sourcing rulesets`, `sourcing users`) share: opening
the store and turning its refusals into messages and exit codes, signing the acting
person in, asking for passwords, and printing stored text safely.

Signing in: in a store without accounts a command acts under the name it is given
(`--author`, `--by`, `--reviewer`; default $SOURCING_USER, else the login name). In
a store with accounts that name is an account, and the command asks for its
password on the terminal, or reads it from $SOURCING_PASSWORD (for scripts). A
password is never taken from the command line.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

EXIT_OK, EXIT_REFUSED, EXIT_UNAVAILABLE = 0, 1, 2
USER_VARIABLE = "SOURCING_USER"
PASSWORD_VARIABLE = "SOURCING_PASSWORD"
MAX_PASSWORD_INPUT = 4096
"""Most characters read from standard input for a password (the store takes 1,024)."""


class PasswordUnavailable(Exception):
    """No password could be asked for or read."""


def store_command(
    subparsers: argparse._SubParsersAction, name: str, help: str, description: str
) -> tuple[argparse._SubParsersAction, argparse.ArgumentParser]:
    """The `sourcing NAME` group of store commands: its subcommands, and the parent
    parser of the options they all take (`--db`)."""
    group = subparsers.add_parser(name, help=help, description=description)
    commands = group.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $SOURCING_DB_URL or sqlite:///sourcing.db)",
    )
    return commands, common


def with_store(args: argparse.Namespace, act, extra_fields=()) -> int:
    """Open the store, run `act`, and turn the store's refusals into messages."""
    from rulesets.store import RulesetStore, StoreError, StoreUnavailable

    try:
        with RulesetStore.open(args.db, extra_fields=extra_fields) as store:
            act(store)
    except StoreUnavailable as error:
        return fail(str(error), EXIT_UNAVAILABLE)
    except (StoreError, PasswordUnavailable) as error:
        return fail(str(error), EXIT_REFUSED)
    except OSError as error:
        return fail(str(error), EXIT_UNAVAILABLE)
    return EXIT_OK


def actor_name(args: argparse.Namespace) -> str:
    """Who the command acts as: `--by`/`--author`/`--reviewer`, else $SOURCING_USER,
    else the login name."""
    return args.actor or os.environ.get(USER_VARIABLE) or getpass.getuser()


def signed_in(store, name: str):
    """`name` itself in a store without accounts; else the account `name`, signed in
    with the password from $SOURCING_PASSWORD or asked on the terminal."""
    if not store.accounts.exist():
        return name
    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        password = ask_password(f"Password for {plain(name)}: ")
    return store.accounts.authenticate(name, password)


def ask_password(prompt: str) -> str:
    """A password typed on the terminal, not echoed."""
    if not terminal_available():
        raise PasswordUnavailable(
            f"no terminal to ask for the password ({prompt.strip().rstrip(':')}): set "
            f"${PASSWORD_VARIABLE} for scripts"
        )
    return getpass.getpass(prompt)


def new_password(name: str, from_stdin: bool) -> str:
    """A new password for `name`: the first line of standard input (`--password-stdin`),
    or typed twice on the terminal."""
    if from_stdin:
        line = sys.stdin.readline(MAX_PASSWORD_INPUT + 1)
        if len(line) > MAX_PASSWORD_INPUT:
            raise PasswordUnavailable(
                f"the password on standard input is longer than {MAX_PASSWORD_INPUT} characters"
            )
        return line.removesuffix("\n").removesuffix("\r")
    first = ask_password(f"New password for {plain(name)}: ")
    if ask_password(f"New password for {plain(name)} again: ") != first:
        raise PasswordUnavailable("the two passwords differ: nothing was changed")
    return first


def terminal_available() -> bool:
    """Whether a password can be asked for without echo (getpass reads /dev/tty)."""
    try:
        with open("/dev/tty"):
            return True
    except OSError:
        return False


def fail(message: str, code: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def when(moment) -> str:
    from rulesets.store.errors import moment as readable

    return readable(moment)


def plain(text: str, keep_newlines: bool = False) -> str:
    """`text` with control and format characters (escape sequences, line breaks, bidi
    overrides) shown as escapes, so that a stored comment or name cannot redraw the
    terminal or pass for another line of the audit trail."""
    import unicodedata

    def shown(char: str) -> str:
        if char == "\n" and keep_newlines:
            return char
        if unicodedata.category(char) in {"Cc", "Cf"}:
            return char.encode("unicode_escape").decode("ascii")
        return char

    return "".join(shown(char) for char in text)


def table(header: tuple[str, ...], rows: list[tuple]) -> None:
    cells = [tuple(str(c) for c in header)] + [tuple(plain(str(c)) for c in row) for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
