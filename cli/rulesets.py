"""`sourcing rulesets …`: the ruleset store on the command line — save drafts, review,
publish (now or at a future instant), roll back, read the history and the audit
trail, diff versions, and move the whole store to and from a folder.

Every command takes `--db URL` (else $SOURCING_DB_URL, else ./sourcing.db).
Exit codes: 0 done, 1 refused (conflict, checker errors, workflow, permissions,
sign-in), 2 a file or the database could not be used. In a store with accounts
the person a command names signs in (`cli.store_access`).
"""

from __future__ import annotations

import argparse
import sys

from cli.store_access import (
    EXIT_UNAVAILABLE,
    USER_VARIABLE,
    actor_name,
    fail,
    plain,
    signed_in,
    store_command,
    table,
    when,
    with_store,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    commands, common = store_command(
        subparsers,
        "rulesets",
        help="the ruleset store: drafts, review, publishing, history",
        description="Save, review, publish and roll back ruleset versions; read the audit trail.",
    )

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, parents=[common], help=help, description=help)
        parser.set_defaults(handler=handler)
        return parser

    def version_args(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("name", metavar="N", help="ruleset name")
        parser.add_argument("version", metavar="V", type=version_number, help="version number")

    def actor_args(parser: argparse.ArgumentParser, flag: str = "--by") -> None:
        parser.add_argument(
            flag,
            dest="actor",
            metavar="PERSON",
            required=flag == "--reviewer",
            help="who reviews and publishes it"
            if flag == "--reviewer"
            else f"who does it (default: ${USER_VARIABLE} or your login name)",
        )
        parser.add_argument("--comment", metavar="C", help="why, for the audit trail")

    save = command("save", run_save, "save a .route file as the next draft version")
    save.add_argument("file", metavar="FILE", help="ruleset file (.route), or - for stdin")
    save.add_argument("--name", required=True, metavar="N", help="ruleset name")
    save.add_argument("--author", required=True, metavar="A", help="who wrote this version")
    save.add_argument(
        "--based-on",
        type=version_number,
        metavar="V",
        help="the version you edited (omit for a new ruleset)",
    )
    save.add_argument("--comment", metavar="C", help="what changed and why")

    command("list", run_list, "list rulesets with their latest and live versions")
    command(
        "demo",
        run_demo,
        "prepare a demo store: the shipped examples as drafts, france v1 live, the two demo "
        "accounts (does only what is missing)",
    )

    history = command("history", run_history, "list the versions of a ruleset")
    history.add_argument("name", metavar="N", help="ruleset name")

    audit = command("audit", run_audit, "show who changed what and when")
    audit.add_argument("name", metavar="N", help="ruleset name")
    audit.add_argument("--diffs", action="store_true", help="include the text diff of each event")

    show = command("show", run_show, "print a version's text (default: the latest)")
    show.add_argument("name", metavar="N", help="ruleset name")
    show.add_argument("version", metavar="V", type=version_number, nargs="?", help="version number")

    diff = command("diff", run_diff, "what changed between two versions, clause by clause")
    diff.add_argument("name", metavar="N", help="ruleset name")
    diff.add_argument("before", metavar="V1", type=version_number, help="older version")
    diff.add_argument("after", metavar="V2", type=version_number, help="newer version")
    diff.add_argument("--text", action="store_true", help="a unified diff of the text instead")

    submit = command("submit", run_submit, "send a draft for review (it must check clean)")
    version_args(submit)
    actor_args(submit)

    reject = command("reject", run_reject, "send a version in review back to draft")
    version_args(reject)
    actor_args(reject)

    publish = command("publish", run_publish, "publish a reviewed version; the live one retires")
    version_args(publish)
    actor_args(publish, "--reviewer")
    publish.add_argument(
        "--simulation-run", metavar="ID", help="the simulation run the version was approved with"
    )
    publish.add_argument(
        "--at",
        type=go_live_time,
        metavar="ISO-DATETIME",
        help="go live at this future instant instead of now, with its offset "
        "(2026-11-08T06:00+01:00, or Z for UTC)",
    )

    cancel = command("cancel", run_cancel, "cancel a scheduled publication before it goes live")
    version_args(cancel)
    actor_args(cancel)

    retire = command("retire", run_retire, "take the live version out of production")
    version_args(retire)
    actor_args(retire)

    rollback = command(
        "rollback", run_rollback, "publish a copy of a formerly published version as a new version"
    )
    version_args(rollback)
    actor_args(rollback)

    export = command(
        "export",
        run_export,
        "write the whole store to a folder (.route + manifest), signed with "
        "$SOURCING_SIGNING_KEY when it is set",
    )
    export.add_argument("folder", metavar="FOLDER", help="target folder (new, empty or an export)")

    restore = command(
        "import",
        run_import,
        "restore rulesets from an exported folder: with their states when a key in "
        "$SOURCING_TRUSTED_KEYS signed it and their history verifies, else as drafts",
    )
    restore.add_argument("folder", metavar="FOLDER", help="a folder written by export")
    restore.add_argument("--by", dest="actor", metavar="PERSON", help="who imports")
    restore.add_argument(
        "--nodes", metavar="F", help="nodes table: its columns are fields the checker accepts"
    )
    restore.add_argument(
        "--orders", metavar="F", help="orders table: its columns are fields the checker accepts"
    )


def version_number(text: str) -> int:
    """argparse type: a version number, 1 to the store's last (refused before any work)."""
    from rulesets.store.validation import VERSION_NUMBERS

    digits = text.strip()
    if not digits.isdecimal() or len(digits) > 12 or int(digits) not in VERSION_NUMBERS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a version number: version numbers run from "
            f"{VERSION_NUMBERS.start} to {VERSION_NUMBERS.stop - 1}"
        )
    return int(digits)


def go_live_time(text: str):
    """argparse type: an ISO 8601 date and time with its offset (refused without one)."""
    import datetime as dt

    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO 8601 date and time (e.g. 2026-11-08T06:00+01:00)"
        ) from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no time zone: add its offset (2026-11-08T06:00+01:00, or Z for UTC)"
        )
    return moment


# --------------------------------------------------------------- commands


def run_save(args: argparse.Namespace) -> int:
    from dsl import check_source
    from dsl.source import UnreadableRuleset, read_ruleset, read_ruleset_stream

    try:
        if args.file == "-":
            text = read_ruleset_stream(sys.stdin.buffer, "standard input")
        else:
            text = read_ruleset(args.file)
    except UnreadableRuleset as error:
        return fail(f"cannot read the ruleset: {error}", EXIT_UNAVAILABLE)

    def act(store):
        version = store.save(
            args.name,
            text,
            author=signed_in(store, args.author),
            based_on=args.based_on,
            comment=args.comment,
            filename="<stdin>" if args.file == "-" else args.file,
        )
        basis = f", based on v{args.based_on}" if args.based_on else ""
        print(f"saved {version.label} ({version.state}){basis}, sha256 {version.content_hash[:12]}")
        result = check_source(version.text, f"{version.label}.route", store.extra_fields)
        if result.diagnostics:
            print(result.render())
        if not result.ok:
            print(f"{len(result.errors)} checker error(s) to fix before it can be submitted")

    return with_store(args, act)


def run_demo(args: argparse.Namespace) -> int:
    from rulesets.store import DEMO_ACCOUNTS
    from rulesets.store.demo import prepare

    def act(store):
        report = prepare(store)
        seeded = ", ".join(report.seeded) or "none (the store holds rulesets already)"
        print(f"examples saved as drafts: {seeded}")
        print(f"published: {report.published or 'nothing (france is as it was)'}")
        for name, _, role, password in DEMO_ACCOUNTS:
            state = "added" if name in report.accounts else "already there"
            print(f"{name} ({role.value}), password {password!r}: {state}")
        print("DEMO ONLY: these passwords are published; never use them in production")

    return with_store(args, act)


def run_list(args: argparse.Namespace) -> int:
    def act(store):
        summaries = store.list_rulesets()
        rows = [
            (s.name, f"v{s.latest.number}", s.latest.state, s.latest.author,
             when(s.latest.created_at), f"v{s.live}" if s.live else "-")
            for s in summaries
        ]  # fmt: skip
        if not rows:
            print(
                "no rulesets yet: save one with `sourcing rulesets save FILE --name N --author A`"
            )
            return
        table(("NAME", "LATEST", "STATE", "AUTHOR", "SAVED", "LIVE"), rows)
        upcoming = [v for s in summaries for v in s.scheduled]
        if upcoming:
            print()
        for version in upcoming:
            print(
                f"scheduled: {version.label} goes live at {when(version.published_at)} "
                f"(approved by {plain(version.reviewed_by or '-')})"
            )

    return with_store(args, act)


def run_history(args: argparse.Namespace) -> int:
    def act(store):
        rows = [
            (f"v{v.number}", v.state, v.author, when(v.created_at),
             f"v{v.parent}" if v.parent else "-", v.reviewed_by or "-",
             when(v.published_at) if v.published_at else "-", v.comment or "")
            for v in store.history(args.name)
        ]  # fmt: skip
        header = ("VERSION", "STATE", "AUTHOR", "SAVED", "FROM", "REVIEWER", "LIVE FROM", "COMMENT")
        table(header, rows)

    return with_store(args, act)


def run_audit(args: argparse.Namespace) -> int:
    def act(store):
        for event in store.audit(args.name):
            target = f"v{event.version}" if event.version is not None else args.name
            change = ""
            if event.from_state or event.to_state:
                change = f" ({event.from_state or 'new'} → {event.to_state or '-'})"
            origin = f", from v{event.from_version}" if event.from_version is not None else ""
            note = f": {plain(event.comment)}" if event.comment else ""
            actor = plain(event.actor)
            print(f"{when(event.at)}  {actor} {event.action} {target}{change}{origin}{note}")
            if args.diffs and event.diff:
                diff = plain(event.diff.rstrip("\n"), keep_newlines=True)
                print("    " + diff.replace("\n", "\n    "))

    return with_store(args, act)


def run_show(args: argparse.Namespace) -> int:
    def act(store):
        version = store.version(args.name, args.version)
        print(
            f"# {version.label} ({version.state}) by {version.author}, "
            f"{when(version.created_at)}, sha256 {version.content_hash}",
            file=sys.stderr,
        )
        sys.stdout.write(version.text)

    return with_store(args, act)


def run_diff(args: argparse.Namespace) -> int:
    from dsl.diff import line_diff

    def act(store):
        if args.text:
            old = store.version(args.name, args.before)
            new = store.version(args.name, args.after)
            print(line_diff(old.text, new.text, old.label, new.label) or "no changes", end="")
        else:
            print(store.diff(args.name, args.before, args.after).render())

    return with_store(args, act)


def run_submit(args: argparse.Namespace) -> int:
    return _transition(args, "submit", "submitted for review")


def run_reject(args: argparse.Namespace) -> int:
    return _transition(args, "reject", "sent back to draft")


def run_retire(args: argparse.Namespace) -> int:
    return _transition(args, "retire", "retired")


def run_publish(args: argparse.Namespace) -> int:
    def act(store):
        version = store.publish(
            args.name,
            args.version,
            reviewer=signed_in(store, actor_name(args)),
            at=args.at,
            simulation_run_id=args.simulation_run,
            comment=args.comment,
        )
        if version.state.value == "scheduled":
            print(
                f"scheduled {version.label}, approved by {version.reviewed_by}: it goes live at "
                f"{when(version.published_at)} (cancel with: sourcing rulesets cancel "
                f"{version.ruleset} {version.number})"
            )
        else:
            print(f"published {version.label}, reviewed by {version.reviewed_by}: it is now live")

    return with_store(args, act)


def run_cancel(args: argparse.Namespace) -> int:
    return _transition(args, "cancel", "is no longer scheduled")


def run_rollback(args: argparse.Namespace) -> int:
    def act(store):
        version = store.rollback(
            args.name, args.version, by=signed_in(store, actor_name(args)), comment=args.comment
        )
        print(f"published {version.label}, a copy of v{args.version}: it is now live")

    return with_store(args, act)


def run_export(args: argparse.Namespace) -> int:
    from engine.signing import SigningError, signing_key_from_environment
    from rulesets.folder import export_folder

    try:
        key = signing_key_from_environment()
    except SigningError as error:
        return fail(f"{error}; nothing was written", EXIT_UNAVAILABLE)

    def act(store):
        written = export_folder(store, args.folder, signing_key=key)
        signed = "signed" if key is not None else "unsigned: another store imports it as drafts"
        print(f"wrote {len(written)} files to {args.folder} ({signed})")

    return with_store(args, act)


def run_import(args: argparse.Namespace) -> int:
    from cli.language import UnreadableFile, data_fields
    from engine.signing import SigningError, trusted_keys_from_environment
    from rulesets.folder import import_folder

    try:
        trusted = trusted_keys_from_environment()
        extra = data_fields(args.nodes, args.orders)
    except (SigningError, UnreadableFile) as error:
        return fail(f"{error}; nothing was imported", EXIT_UNAVAILABLE)

    def act(store):
        report = import_folder(
            store, args.folder, by=signed_in(store, actor_name(args)), trusted_keys=trusted
        )
        print(f"imported: {', '.join(report.restored) or 'nothing'}")
        if report.unchanged:
            print(f"already in the store, unchanged: {', '.join(report.unchanged)}")
        if report.restored:
            how = "with their states" if report.verified_by else "as drafts"
            print(f"versions arrived {how}: {report.note}")

    return with_store(args, act, extra_fields=extra)


# ------------------------------------------------------------------ shared


def _transition(args: argparse.Namespace, method: str, done: str) -> int:
    def act(store):
        version = getattr(store, method)(
            args.name, args.version, by=signed_in(store, actor_name(args)), comment=args.comment
        )
        print(f"{version.label} {done} ({version.state})")

    return with_store(args, act)
