"""`sourcing check` and `sourcing fmt`: the routing language on the command line.

`check` prints every finding in compiler style and exits 0 (no errors), 1 (errors,
or warnings with --strict) or 2 (a file could not be read). With `--nodes` or
`--orders` it adds the business checks (`engine.business_checks`) to the findings
of every file the checker finds no error in. `fmt` prints or
rewrites the canonical text of a ruleset.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import gc
import sys
from pathlib import Path

from engine.files import write_atomically

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


class UnreadableFile(Exception):
    """A file that does not exist, is not text, or is not a table."""


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "check",
        help="check rulesets for mistakes before they run",
        description="Check .route files: syntax, fields, types, fallback chains, dates.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help="ruleset files (.route)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.add_argument(
        "--nodes", metavar="F", help="nodes table (CSV or Parquet): its columns become node.<col>"
    )
    check.add_argument(
        "--carriers",
        metavar="F",
        help="carriers table (CSV or Parquet): each `ship with` must admit one of its services; "
        "its columns become carrier.<col>",
    )
    check.add_argument(
        "--orders",
        metavar="F",
        help="orders table (CSV or Parquet): its columns become order.<col> and line.<col>",
    )
    check.epilog = (
        "With --nodes or --orders, business checks run too: keep lines that never apply, "
        "strategies that ship from nodes that cannot ship, within limits out of reach, "
        "strategies whose dates have passed (docs/language.md)."
    )
    check.set_defaults(handler=run_check)

    fmt = subparsers.add_parser(
        "fmt",
        help="print or rewrite rulesets in canonical form",
        description="Format .route files canonically (clause order, spacing, comments).",
    )
    fmt.add_argument("files", nargs="+", metavar="FILE", help="ruleset files (.route)")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the files in place")
    mode.add_argument(
        "--check", action="store_true", help="exit 1 when a file is not in canonical form"
    )
    fmt.set_defaults(handler=run_fmt)


# ------------------------------------------------------------------ check


def run_check(args: argparse.Namespace) -> int:
    """Check every file with the cyclic garbage collector paused: the trees are large
    and hold no cycles, so it would only rescan them (0.1 s on a 2,000-strategy
    file). Reference counting frees each file's tree as the next one is read; the
    collector resumes once they are gone."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _check_files(args)
    finally:
        if collecting:
            gc.enable()


def _check_files(args: argparse.Namespace) -> int:
    from dsl import check_source

    try:
        extra = data_fields(args.nodes, args.orders)
    except UnreadableFile as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    carriers = None
    if args.carriers:
        carriers = _carrier_rows(args.carriers)
        if carriers is None:
            return EXIT_UNREADABLE
    data = None
    if args.nodes or args.orders:
        from engine.check_data import ClockError, clock, load_check_data

        try:
            now = clock()
        except ClockError as error:
            print(f"error: {error}", file=sys.stderr)
            return EXIT_UNREADABLE
        data = load_check_data(args.nodes, args.orders)
        for note in data.notes:
            print(f"note: {note}", file=sys.stderr)
    errors = warnings = unreadable = 0
    for name in args.files:
        try:
            text = read_text(name)
        except UnreadableFile as error:
            print(f"{name}: error: {error}", file=sys.stderr)
            unreadable += 1
            continue
        result = check_source(text, name, extra, carriers=carriers)
        if data is not None and result.ok and result.ruleset is not None:
            result = result.with_findings(data.findings(result.ruleset, now))
        if result.diagnostics:
            print(result.render())
        else:
            count = len(result.ruleset.strategies) if result.ruleset else 0
            print(f"{name}: ok ({count} {'strategy' if count == 1 else 'strategies'})")
        errors += len(result.errors)
        warnings += len(result.warnings)
    print(_summary(len(args.files), errors, warnings, unreadable))
    if unreadable:
        return EXIT_UNREADABLE
    if errors or (args.strict and warnings):
        return EXIT_FINDINGS
    return EXIT_OK


def _carrier_rows(path: str) -> list[dict[str, object]] | None:
    """The carrier services of a carriers table, as the checker reads them (the rows the
    loader accepts; a note for each problem of the others); None, said, when the file
    cannot be read."""
    from engine.errors import SourcingError
    from engine.tables import load_carriers

    try:
        table = load_carriers(path)
    except (OSError, SourcingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return None
    for reject in table.reject_rows:  # each problem once, as the other loaders say them
        where = f"row {reject.row}" + (f", column {reject.column}" if reject.column else "")
        print(f"note: {path}: {where}: {reject.reason} (row not checked against)", file=sys.stderr)
    return list(table.arrow.to_pylist())


def _summary(files: int, errors: int, warnings: int, unreadable: int) -> str:
    parts = [_count(errors, "error"), _count(warnings, "warning")]
    if unreadable:
        parts.append(f"{unreadable} unreadable")
    return f"checked {_count(files, 'file')}: " + ", ".join(parts)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def data_fields(nodes: str | None, orders: str | None) -> list[str]:
    """Field paths the data files add, read from their header rows only. Without
    data files nothing of the engine is imported: checking a ruleset needs only
    the language, so `sourcing check` starts quickly."""
    if not (nodes or orders):
        return []
    from engine.tables import data_fields as fields_of

    return fields_of(table_columns(nodes) if nodes else (), table_columns(orders) if orders else ())


def table_columns(name: str) -> list[str]:
    """The header of a CSV or Parquet table, without reading its rows."""
    from engine.limits import MAX_COLUMNS

    path = Path(name)
    try:
        with path.open("rb") as handle:
            is_parquet = handle.read(4) == b"PAR1"
        if is_parquet:
            import pyarrow.parquet as pq

            return list(pq.read_schema(path).names)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), None)
    except OSError as error:
        raise UnreadableFile(f"cannot read {name}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"{name} is not a UTF-8 CSV file nor a Parquet file") from None
    except csv.Error as error:  # a header of megabytes, a NUL byte
        raise UnreadableFile(f"{name}: the header row is not readable CSV: {error}") from None
    except Exception as error:  # pyarrow's errors for a damaged Parquet file
        raise UnreadableFile(f"{name} is not a readable Parquet file: {error}") from None
    if not header:
        raise UnreadableFile(f"{name} is empty: expected a header row of column names")
    if len(header) > MAX_COLUMNS:
        raise UnreadableFile(
            f"{name}: {len(header):,} columns; a table has at most {MAX_COLUMNS:,}"
        )
    return [column.strip() for column in header if column.strip()]


def read_text(name: str) -> str:
    """A ruleset's text; a missing, too large or binary file is an `UnreadableFile`."""
    from dsl.source import UnreadableRuleset, read_ruleset

    try:
        return read_ruleset(name)
    except UnreadableRuleset as error:
        raise UnreadableFile(str(error)) from None


# -------------------------------------------------------------------- fmt


def run_fmt(args: argparse.Namespace) -> int:
    if len(args.files) > 1 and not (args.write or args.check):
        print("error: give one file to print, or use --write or --check", file=sys.stderr)
        return EXIT_UNREADABLE
    worst = EXIT_OK
    for name in args.files:
        worst = max(worst, _fmt_one(name, args))
    return worst


def _fmt_one(name: str, args: argparse.Namespace) -> int:
    from dsl import RulesetSyntaxError, format_ruleset, parse

    try:
        text = read_text(name)
    except UnreadableFile as error:
        print(f"{name}: error: {error}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        ruleset = parse(text, name)
    except RulesetSyntaxError as error:
        print(error)
        print(f"{name}: not formatted: correct the syntax error first", file=sys.stderr)
        return EXIT_FINDINGS
    canonical = format_ruleset(ruleset)
    if not (args.write or args.check):
        sys.stdout.write(canonical)
        return EXIT_OK
    if canonical == text:
        print(f"{name}: already canonical")
        return EXIT_OK
    if args.check:
        sys.stdout.writelines(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                canonical.splitlines(keepends=True),
                name,
                f"{name} (canonical)",
            )
        )
        print(f"{name}: not in canonical form: run `sourcing fmt --write {name}`")
        return EXIT_FINDINGS
    if parse(canonical, name) != ruleset:
        print(f"{name}: error: formatting would change its meaning; left as is", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        write_atomically(name, canonical)
    except OSError as error:
        print(f"{name}: error: cannot write: {error.strerror or error}", file=sys.stderr)
        return EXIT_UNREADABLE
    print(f"{name}: reformatted")
    return EXIT_OK
