"""`sourcing export`: write the signed ruleset artifact production loads
(engine.artifact), from a .route file or from the ruleset store's live (or a given
published) version, signed with the key $SOURCING_SIGNING_KEY names.

    sourcing export rulesets/france.route --version 3 --out france.json
    sourcing export --db URL --name france [--version 3] --out france.json

Exit codes: 0 written, 1 refused (errors in the ruleset, a version that did not go
through review), 2 a file, the signing key or the database could not be used.
"""

from __future__ import annotations

import argparse
import sys

EXIT_OK, EXIT_REFUSED, EXIT_UNAVAILABLE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    export = subparsers.add_parser(
        "export",
        help="write the ruleset artifact production runs",
        description=(
            "Write a ruleset artifact (JSON: format version, name, version, sha256 of the "
            "canonical text, publisher, the text, its compiled form and an Ed25519 signature "
            "with the key $SOURCING_SIGNING_KEY names) from a .route file, or from the "
            "ruleset store with --name (its live version unless --version; only a version "
            "that went through review)."
        ),
    )
    export.add_argument("ruleset", nargs="?", metavar="RULESET", help="a .route file")
    export.add_argument("--out", required=True, metavar="F.json", help="artifact file to write")
    export.add_argument(
        "--version", type=int, metavar="N", help="version number (store: which version to export)"
    )
    export.add_argument(
        "--name", metavar="N", help="store: the ruleset to export; file: the name to record"
    )
    export.add_argument(
        "--db",
        metavar="URL",
        help="read the ruleset store (default: $SOURCING_DB_URL or sqlite:///sourcing.db)",
    )
    export.add_argument(
        "--nodes", metavar="F", help="nodes table: its columns are known as node.<col>"
    )
    export.add_argument(
        "--orders", metavar="F", help="orders table: its columns are known as order.<col>"
    )
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    from cli.language import UnreadableFile, data_fields

    if args.ruleset is None and args.name is None:
        return _fail("give a .route file, or --name (and --db) to export from the store", 2)
    if args.ruleset is not None and args.db is not None:
        return _fail("give either a .route file or --db, not both", EXIT_UNAVAILABLE)
    try:
        extra = data_fields(args.nodes, args.orders)
    except UnreadableFile as error:
        return _fail(str(error), EXIT_UNAVAILABLE)
    if args.ruleset is not None:
        return _from_file(args, extra)
    return _from_store(args, extra)


def _from_file(args: argparse.Namespace, extra: list[str]) -> int:
    from dsl.source import UnreadableRuleset, read_ruleset

    try:
        text = read_ruleset(args.ruleset)
    except UnreadableRuleset as error:
        return _fail(f"cannot read the ruleset: {error}", EXIT_UNAVAILABLE)
    return _write(args, text, str(args.ruleset), extra, name=args.name, version=args.version)


def _from_store(args: argparse.Namespace, extra: list[str]) -> int:
    if not args.name:
        return _fail("--name names the ruleset to export from the store", EXIT_UNAVAILABLE)
    from rulesets.store import RulesetStore, StoreError, StoreUnavailable

    try:
        with RulesetStore.open(args.db) as store:
            if args.version is None:
                version = store.live(args.name)
                if version is None:
                    return _fail(
                        f"{args.name} has no live version: publish one, or give --version",
                        EXIT_REFUSED,
                    )
            else:
                version = store.version(args.name, args.version)
            if version.published_at is None:
                return _fail(
                    f"{version.label} is {version.state}: only a published version goes to "
                    f"production (sourcing rulesets publish {args.name} {version.number} "
                    "--reviewer PERSON)",
                    EXIT_REFUSED,
                )
            version = store.reviewed(args.name, version.number)
            extra = [*store.extra_fields, *extra]
    except StoreUnavailable as error:
        return _fail(str(error), EXIT_UNAVAILABLE)
    except StoreError as error:
        return _fail(str(error), EXIT_REFUSED)
    return _write(
        args,
        version.text,
        f"{version.label}.route",
        extra,
        name=version.ruleset,
        version=version.number,
        published_at=version.published_at,
        published_by=version.reviewed_by,
    )


def _write(args, text: str, filename: str, extra: list[str], **recorded) -> int:
    from dsl.errors import RulesetSyntaxError
    from engine import CompileError
    from engine.artifact import ArtifactError, build_artifact, write_artifact
    from engine.signing import SigningError

    try:
        document = build_artifact(text, extra_fields=extra, filename=filename, **recorded)
    except RulesetSyntaxError as error:
        print(error.diagnostic.render(text, filename), file=sys.stderr)
        return _fail(f"{filename} has a syntax error; nothing was written", EXIT_REFUSED)
    except CompileError as error:
        print(str(error), file=sys.stderr)
        return _fail(f"{filename} has errors; nothing was written", EXIT_REFUSED)
    except ArtifactError as error:
        return _fail(f"{error}; nothing was written", EXIT_UNAVAILABLE)
    try:
        document = _signed(document)
    except SigningError as error:
        return _fail(f"{error}; nothing was written", EXIT_UNAVAILABLE)
    try:
        write_artifact(document, args.out)
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}", EXIT_UNAVAILABLE)
    label = document["name"] or filename
    version = f" v{document['version']}" if document["version"] is not None else ""
    count = len(document["compiled"]["strategies"])
    signature = document.get("signature")
    signed = f"signed by key {signature['key_id']}" if signature else "UNSIGNED"
    print(
        f"wrote {args.out}: {label}{version}, sha256 {document['content_hash'][:12]}, "
        f"{count} {'strategy' if count == 1 else 'strategies'}, {signed}"
    )
    return EXIT_OK


def _signed(document: dict) -> dict:
    """The document signed with $SOURCING_SIGNING_KEY; without a key, unsigned (and
    said so) only when $SOURCING_ALLOW_UNSIGNED is set, for development."""
    from engine.artifact import ALLOW_UNSIGNED_VARIABLE, sign_artifact, unsigned_allowed
    from engine.signing import SIGNING_KEY_VARIABLE, signing_key_from_environment

    key = signing_key_from_environment()
    if key is None and unsigned_allowed():
        print(
            f"sourcing export: warning: no {SIGNING_KEY_VARIABLE}: writing an UNSIGNED artifact "
            f"because {ALLOW_UNSIGNED_VARIABLE}=1 (development only: production refuses it)",
            file=sys.stderr,
        )
        return document
    return sign_artifact(document, key)


def _fail(message: str, code: int) -> int:
    print(f"sourcing export: {message}", file=sys.stderr)
    return code
