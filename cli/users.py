"""`sourcing users …`: the store's user accounts — add one, change its role or
password, disable or enable it, list them, read who changed what, and add the two
demo accounts to a demo store.

Managing accounts needs an admin, who signs in like every acting person
(`cli.store_access`: `--by NAME`, default $SOURCING_USER or the login name; the
password asked on the terminal or read from $SOURCING_PASSWORD). While the store
has no enabled admin, anyone who can open it may add an admin. New passwords are
typed twice on the terminal or read from standard input (`--password-stdin`),
never from the command line. Exit codes as for `sourcing rulesets`.
"""

from __future__ import annotations

import argparse

from cli.store_access import (
    USER_VARIABLE,
    actor_name,
    new_password,
    plain,
    signed_in,
    store_command,
    table,
    when,
    with_store,
)

ROLES = ("viewer", "editor", "approver", "admin")


def register(subparsers: argparse._SubParsersAction) -> None:
    commands, common = store_command(
        subparsers,
        "users",
        help="user accounts of the ruleset store: roles, passwords",
        description="Add and manage the accounts that sign in to the ruleset store.",
    )

    def command(name: str, handler, help: str, admin: bool = True) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, parents=[common], help=help, description=help)
        parser.set_defaults(handler=handler)
        if admin:
            parser.add_argument(
                "--by",
                dest="actor",
                metavar="ADMIN",
                help=f"the admin doing it (default: ${USER_VARIABLE} or your login name)",
            )
        return parser

    def role_type(text: str) -> str:
        if text not in ROLES:
            raise argparse.ArgumentTypeError(f"{text!r} is not a role: use {', '.join(ROLES)}")
        return text

    add = command("add", run_add, "add an account")
    add.add_argument("name", metavar="NAME", help="login name")
    add.add_argument("--role", required=True, type=role_type, help=f"one of {', '.join(ROLES)}")
    add.add_argument("--display-name", metavar="TEXT", help="the name people see")
    how = add.add_mutually_exclusive_group()
    how.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    how.add_argument(
        "--no-password",
        action="store_true",
        help="no password: the account signs in through the company identity provider only",
    )

    role = command("role", run_role, "change an account's role")
    role.add_argument("name", metavar="NAME", help="login name")
    role.add_argument("role", metavar="ROLE", type=role_type, help=f"one of {', '.join(ROLES)}")

    passwd = commands.add_parser(
        "passwd",
        parents=[common],
        help="change your password (or, as an admin with --by, anyone's)",
        description="Change your own password (you sign in with the current one), or, as an "
        "admin with --by ADMIN, set anyone's.",
    )
    passwd.set_defaults(handler=run_passwd)
    passwd.add_argument("name", metavar="NAME", help="login name")
    passwd.add_argument("--by", dest="actor", metavar="PERSON", help="who does it (default: NAME)")
    passwd.add_argument(
        "--password-stdin", action="store_true", help="read the new password from standard input"
    )

    for name, handler, help in (
        ("disable", run_disable, "disable an account: it can no longer sign in or act"),
        ("enable", run_enable, "enable a disabled account again"),
    ):
        command(name, handler, help).add_argument("name", metavar="NAME", help="login name")

    command("list", run_list, "list the accounts and their roles", admin=False)
    audit = command("audit", run_audit, "who added or changed accounts, and when", admin=False)
    audit.add_argument("name", metavar="NAME", nargs="?", help="only this account")
    command(
        "demo",
        run_demo,
        "add the two demo accounts (demo-editor, demo-approver; passwords in docs/rulesets.md) "
        "to a store holding no other account",
        admin=False,
    )


# --------------------------------------------------------------- commands


def run_add(args: argparse.Namespace) -> int:
    def act(store):
        by = _manager(store, args)
        password = None if args.no_password else new_password(args.name, args.password_stdin)
        user = store.accounts.add(
            args.name, role=args.role, by=by, password=password, display_name=args.display_name
        )
        how = "through the identity provider only" if not user.has_password else "with a password"
        print(f"added {plain(user.name)} ({user.role}), who signs in {how}")

    return with_store(args, act)


def run_role(args: argparse.Namespace) -> int:
    def act(store):
        user = store.accounts.set_role(args.name, args.role, by=_manager(store, args))
        print(f"{plain(user.name)} is now {user.role}")

    return with_store(args, act)


def run_passwd(args: argparse.Namespace) -> int:
    def act(store):
        by = signed_in(store, args.actor or args.name)
        password = new_password(args.name, args.password_stdin)
        user = store.accounts.set_password(args.name, password, by=by)
        print(f"password of {plain(user.name)} changed")

    return with_store(args, act)


def run_disable(args: argparse.Namespace) -> int:
    def act(store):
        user = store.accounts.disable(args.name, by=_manager(store, args))
        print(f"{plain(user.name)} is disabled since {when(user.disabled_at)}")

    return with_store(args, act)


def run_enable(args: argparse.Namespace) -> int:
    def act(store):
        user = store.accounts.enable(args.name, by=_manager(store, args))
        print(f"{plain(user.name)} is enabled ({user.role})")

    return with_store(args, act)


def run_list(args: argparse.Namespace) -> int:
    def act(store):
        users = store.accounts.list()
        if not users:
            print("no accounts: anyone may act under any name (add an admin with "
                  "`sourcing users add NAME --role admin`)")  # fmt: skip
            return
        rows = [
            (u.name, u.role, u.display_name, "password" if u.has_password else "identity provider",
             when(u.created_at), u.created_by, when(u.disabled_at) if u.disabled_at else "-")
            for u in users
        ]  # fmt: skip
        table(("NAME", "ROLE", "DISPLAY NAME", "SIGNS IN WITH", "ADDED", "BY", "DISABLED"), rows)

    return with_store(args, act)


def run_audit(args: argparse.Namespace) -> int:
    def act(store):
        for event in store.accounts.events(args.name):
            detail = f": {plain(event.detail)}" if event.detail else ""
            print(
                f"{when(event.at)}  {plain(event.actor)} {event.action} "
                f"{plain(event.account)}{detail}"
            )

    return with_store(args, act)


def run_demo(args: argparse.Namespace) -> int:
    from rulesets.store import DEMO_ACCOUNTS

    def act(store):
        added = {user.name for user in store.accounts.add_demo_accounts()}
        for name, _, role, password in DEMO_ACCOUNTS:
            state = "added" if name in added else "already there"
            print(f"{name} ({role.value}), password {password!r}: {state}")
        print("DEMO ONLY: these passwords are published; never use them in production")

    return with_store(args, act)


def _manager(store, args: argparse.Namespace):
    """The acting admin, signed in; in a store without an enabled admin, the name only
    (anyone who can open it may add the first admin)."""
    name = actor_name(args)
    if not any(u.role == "admin" and u.active for u in store.accounts.list()):
        return name
    return signed_in(store, name)
