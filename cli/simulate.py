"""`sourcing simulate` and `sourcing compare`: replay order history through a ruleset
(optionally under a scenario's overrides) or two of them side by side, and write the
KPIs, the decisions, the rejected rows and an offline HTML report.

Exit codes: 0 done, 1 the ruleset or scenario has errors, 2 an input cannot be read.
A ruleset is a `.route` file or a stored version, `NAME@N` (version N) or `NAME@live`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


class InputProblem(Exception):
    """Something the command cannot use; `code` is the exit code to return."""

    def __init__(self, message: str, code: int = EXIT_UNREADABLE):
        super().__init__(message)
        self.code = code


def register(subparsers: argparse._SubParsersAction) -> None:
    simulate = subparsers.add_parser(
        "simulate",
        help="replay orders through a ruleset and report the KPIs",
        description=(
            "Route every order in time order with the engine (stock depletes, daily "
            "capacity fills up), then write DIR/kpis.json, DIR/decisions.parquet (with "
            "shipments.parquet and allocations.parquet), DIR/rejects.csv and "
            "DIR/report.html (opens offline)."
        ),
    )
    simulate.add_argument("ruleset", metavar="RULESET", help="a .route file, NAME@N or NAME@live")
    _data_arguments(simulate)
    simulate.add_argument(
        "--scenario", metavar="S.toml", help="apply a scenario's overrides to RULESET"
    )
    simulate.add_argument(
        "--bound",
        action="store_true",
        help="also solve each day's best possible allocation (a lower bound) and report "
        "the cost and fill gap to it; writes DIR/bound.json",
    )
    simulate.add_argument(
        "--bound-penalty",
        type=_penalty,
        default=None,
        metavar="X",
        help="cost of one unit left unfilled in the bound (default 50)",
    )
    simulate.set_defaults(handler=run_simulate)

    compare = subparsers.add_parser(
        "compare",
        help="compare two rulesets or scenarios on the same orders",
        description=(
            "Replay the same orders under BASE and VARIANT (each a .route file, NAME@N, "
            "NAME@live or a scenario .toml; a scenario that names no ruleset applies to "
            "BASE's) and write DIR/deltas.csv, DIR/changed_orders.csv (with the cause and "
            "reason of each change), DIR/causes.csv (the changed orders grouped by cause), "
            "DIR/summary.json, each side's kpis.json and DIR/report.html."
        ),
    )
    compare.add_argument("base", metavar="BASE", help="ruleset or scenario to compare against")
    compare.add_argument("variant", metavar="VARIANT", help="ruleset or scenario to try")
    _data_arguments(compare)
    compare.add_argument(
        "--reasons",
        type=int,
        default=2_000,
        metavar="N",
        help="explain at most N changed orders, in time order (default 2000; 0: none)",
    )
    compare.set_defaults(handler=run_compare)


def _data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--nodes", required=True, metavar="F", help="nodes table (CSV/Parquet)")
    parser.add_argument("--inventory", required=True, metavar="F", help="opening stock table")
    parser.add_argument("--orders", required=True, metavar="F", help="order lines table")
    parser.add_argument("--replenishments", metavar="F", help="stock arriving during the run")
    parser.add_argument("--events", metavar="F", help="operational events (node offline, ...)")
    parser.add_argument(
        "--returns",
        metavar="F",
        help="returned lines (returns.md), routed by the ruleset's return strategies; "
        "restocked units feed the stock back",
    )
    parser.add_argument(
        "--carriers", metavar="F", help="carrier services: each shipment gets a promised date"
    )
    parser.add_argument(
        "--closures", metavar="F", help="days nodes or carriers do not work (with --carriers)"
    )
    parser.add_argument(
        "--from", dest="first_day", type=_day, metavar="D", help="first order day (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="last_day", type=_day, metavar="D", help="last order day, inclusive"
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    parser.add_argument(
        "--db", metavar="URL", help="ruleset store for NAME@N (default: $SOURCING_DB_URL)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def _penalty(text: str) -> float:
    """The bound's penalty per unfilled unit: a finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number, 0 or more: {text!r}")
    return value


def _day(text: str) -> dt.date:
    """A day of the order period, within engine.limits' years."""
    from engine.limits import OutOfRange, check_day

    try:
        return check_day(dt.date.fromisoformat(text), "the day")
    except OutOfRange as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# --------------------------------------------------------------------- simulate


def run_simulate(args: argparse.Namespace) -> int:
    from simulations import load_scenario_file

    try:
        scenario = _as_scenario(args.ruleset, args, scenarios=False)
        if args.scenario:
            scenario = _guarded(lambda: load_scenario_file(args.scenario)).scenario(
                scenario.ruleset
            )
        inputs = _load(args, scenario.ruleset.timezone or "UTC")
        policy, changed = _guarded(lambda: scenario.prepare(inputs))
        _writable_out(args.out)
    except InputProblem as problem:
        return _fail("simulate", problem)
    from simulations.replay import replay

    started = time.perf_counter()
    with Progress("simulate", args.quiet) as progress:
        try:
            simulation = _guarded(
                lambda: replay(
                    policy,
                    changed,
                    on_progress=progress,
                    first_day=args.first_day,
                    last_day=args.last_day,
                )
            )
        except InputProblem as problem:
            return _fail("simulate", problem)
    if args.bound or args.bound_penalty is not None:
        simulation = _with_bound(simulation, args.bound_penalty)
    title = f"Simulation: {scenario.name}"
    try:
        written = _written(lambda: simulation.write(args.out, title=title), args.out)
    except InputProblem as problem:
        return _fail("simulate", problem)
    _print_run(simulation, scenario)
    if simulation.bound is not None:
        _print_bound(simulation.bound)
    print(f"wrote {', '.join(str(path) for path in written.values())}")
    _print_timing(simulation.seconds, len(simulation.decisions), time.perf_counter() - started)
    if simulation.bound is not None:
        share = simulation.bound.seconds / simulation.seconds if simulation.seconds else 0.0
        print(f"bound solved in {simulation.bound.seconds:.1f} s ({share:.0%} of the replay)")
    return EXIT_OK


def _with_bound(simulation, penalty: float | None):
    from simulations.bound import DEFAULT_PENALTY, with_bound

    return with_bound(simulation, DEFAULT_PENALTY if penalty is None else penalty)


def _print_bound(bound) -> None:
    """The gap by strategy and the example orders (the figures are among the KPIs)."""
    from simulations.charts import format_kpi

    print("  gap to the bound by strategy (orders, gap, share of the gap):")
    for row in bound.by_strategy.itertuples(index=False):
        share = format_kpi("fill_rate", row.gap_share)
        print(f"    {row.strategy or '(none)':<26} {row.orders:>9,} {row.gap:>12,.2f} {share:>8}")
    if len(bound.examples):
        print("  examples:")
        for text in bound.examples["text"]:
            print(f"    {text}")


def _print_run(simulation, scenario) -> None:
    orders = simulation.decisions
    rejects = simulation.rejects
    rows = len(rejects[["table", "row"]].drop_duplicates())
    ids = rejects.loc[rejects["table"] == "orders", "order_id"].dropna().astype(str)
    print(
        f"{scenario.name}: {len(orders):,} orders replayed"
        f" ({int(orders['lines'].sum()):,} lines); {rows:,} rows rejected"
        f" ({ids[ids != ''].nunique():,} orders), see rejects.csv"
    )
    for change in scenario.overrides.describe():
        print(f"  override: {change}")
    from simulations.charts import format_kpi
    from simulations.kpis import HEADLINE_KEYS

    for key in HEADLINE_KEYS + _extra_keys(simulation.kpis):
        print(f"  {key:<22} {format_kpi(key, simulation.kpis.overall[key])}")
    if simulation.kpis.carrier_mix is not None:
        _print_carrier_mix(simulation.kpis.carrier_mix)


def _extra_keys(kpis) -> tuple[str, ...]:
    """The figures printed after the headline: the promise's with carriers, click &
    collect's with collect orders, the backorders released when orders can wait."""
    from simulations.kpis import OVERALL_KEYS

    return kpis.keys[len(OVERALL_KEYS) :]


def _print_carrier_mix(mix) -> None:
    from simulations.charts import format_kpi
    from simulations.promise_kpis import service_names

    print("  carrier mix (shipments, share, cost per shipment):")
    for name, row in zip(service_names(mix), mix.itertuples(index=False), strict=True):
        share = format_kpi("share_of_shipments", row.share_of_shipments)
        each = format_kpi("cost_per_shipment", row.cost_per_shipment)
        print(f"    {name:<26} {row.shipments:>9,} {share:>8} {each:>9}")


def _print_timing(replay_seconds: float, orders: int, total_seconds: float) -> None:
    rate = orders / replay_seconds if replay_seconds else 0.0
    print(
        f"replayed in {replay_seconds:.1f} s ({rate:,.0f} orders/s); {total_seconds:.1f} s in all"
    )


# ---------------------------------------------------------------------- compare


def run_compare(args: argparse.Namespace) -> int:
    from simulations import compare

    try:
        base = _as_scenario(args.base, args)
        variant = _as_scenario(args.variant, args, default=base.ruleset)
        inputs = _load(args, base.ruleset.timezone or "UTC")
        _writable_out(args.out)
        if base.name == variant.name:
            variant = variant.model_copy(update={"name": f"{variant.name} (variant)"})
        started = time.perf_counter()
        with Progress("compare", args.quiet) as progress:
            result = _guarded(
                lambda: compare(
                    base,
                    variant,
                    inputs,
                    on_progress=progress,
                    first_day=args.first_day,
                    last_day=args.last_day,
                    reasons=args.reasons > 0,
                    max_reasons=max(args.reasons, 0),
                )
            )
        title = f"{base.name} vs {variant.name}"
        written = _written(lambda: result.write(args.out, title=title), args.out)
    except InputProblem as problem:
        return _fail("compare", problem)
    _print_comparison(result)
    print(f"wrote {', '.join(str(path) for path in written.values())}")
    seconds = result.base.seconds + result.variant.seconds
    orders = len(result.base.decisions) + len(result.variant.decisions)
    _print_timing(seconds, orders, time.perf_counter() - started)
    return EXIT_OK


def _print_comparison(result) -> None:
    from simulations.charts import format_kpi
    from simulations.kpis import HEADLINE_KEYS

    summary = result.summary
    base, variant = result.names
    print(f"{base} → {variant}: {summary['orders_compared']:,} orders on both sides")
    for side in ("base", "variant"):
        for change in summary[side]["overrides"]:
            print(f"  {side} override: {change}")
    if summary["orders_only_in_variant"] or summary["orders_only_in_base"]:
        print(
            f"  orders only in base: {summary['orders_only_in_base']:,},"
            f" only in variant: {summary['orders_only_in_variant']:,} (demand scaling)"
        )
    kinds = ", ".join(f"{k} {n:,}" for k, n in summary["changed_by_kind"].items())
    print(f"  routing changed for {summary['orders_changed']:,} orders ({kinds})")
    overall = result.deltas[result.deltas["breakdown"] == "overall"].set_index("kpi")
    width = max(len(base), len(variant), 8)
    print(f"  {'KPI':<22} {base[:width]:>{width}} {variant[:width]:>{width}}")
    promised = result.base.kpis.carriers or result.variant.kpis.carriers
    extra = dict.fromkeys(_extra_keys(result.base.kpis) + _extra_keys(result.variant.kpis))
    for key in HEADLINE_KEYS + tuple(extra):
        a, b = overall.at[key, "base"], overall.at[key, "variant"]
        print(f"  {key:<22} {format_kpi(key, a):>{width}} {format_kpi(key, b):>{width}}")
    if promised:
        _print_next_day_causes(result)


def _print_next_day_causes(result) -> None:
    """The orders that lost their next-day promise, by cause (the first 10 causes)."""
    causes = result.next_day_causes
    lost = result.summary.get("orders_lost_next_day", 0)
    kinds = result.summary.get("lost_next_day_by_kind", {})
    by_kind = f": {', '.join(f'{kind} {n:,}' for kind, n in kinds.items())}" if kinds else ""
    print(f"  {lost:,} orders lost their next-day promise{by_kind}")
    for row in causes.head(10).itertuples(index=False):
        print(f"    {row.orders:>7,}  {row.cause} (e.g. {row.examples})")
    if len(causes) > 10:
        print(f"    ... {len(causes) - 10:,} more causes in next_day_causes.csv")


# ---------------------------------------------------------------- shared parts


def _as_scenario(name: str, args: argparse.Namespace, default=None, scenarios: bool = True):
    """A ruleset file, a stored version or (when `scenarios`) a scenario file, as a
    Scenario; a scenario file that names no ruleset gets `default`."""
    from simulations import Scenario, load_scenario_file

    if name.endswith(".toml"):
        if not scenarios:
            raise InputProblem(f"{name}: give a scenario with --scenario, after the ruleset")
        found = _guarded(lambda: load_scenario_file(name))
        ruleset = default if found.ruleset is None else None
        return _guarded(lambda: found.scenario(ruleset, stored=_stored_text(args.db)))
    path = Path(name)
    if "@" not in name or _is_file(path):
        return Scenario(name=path.stem, ruleset=_parse(_read(name), name))
    ruleset_name, _, version = name.rpartition("@")
    number = None if version == "live" else _version(version, name)
    text = _stored_text(args.db)(ruleset_name, number)
    return Scenario(name=name, ruleset=_parse(text, name))


def _is_file(path: Path) -> bool:
    """Whether a file is there (a name too long for the file system is not one)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _version(text: str, name: str) -> int:
    if not (text.isascii() and text.isdecimal()) or len(text) > 10 or not 1 <= int(text) <= 10**9:
        raise InputProblem(f"{name}: after @ give a version number (1 to 10^9) or `live`")
    return int(text)


def _stored_text(url: str | None):
    def read(name: str, version: int | None) -> str:
        from rulesets.store import RulesetStore, StoreError

        try:
            with RulesetStore.open(url) as store:
                found = store.version(name, version) if version else store.live(name)
        except StoreError as error:
            raise InputProblem(f"ruleset store: {error}") from None
        if found is None:
            raise InputProblem(
                f"ruleset {name!r} has no live version; name one as {name}@N", EXIT_INVALID
            )
        return found.text

    return read


def _read(name: str) -> str:
    from cli.language import UnreadableFile, read_text

    try:
        return read_text(name)
    except UnreadableFile as error:
        raise InputProblem(str(error)) from None


def _parse(text: str, name: str):
    from dsl import RulesetSyntaxError, parse

    try:
        return parse(text, name)
    except RulesetSyntaxError as error:
        raise InputProblem(str(error), EXIT_INVALID) from None


def _guarded(action):
    """Run `action`, turning a scenario or ruleset error into an InputProblem, and
    an event the data cannot take (engine.limits: a receipt above the stock
    bound) into an unreadable input."""
    from dsl import RulesetSyntaxError
    from engine import CompileError
    from engine.limits import OutOfRange
    from simulations import ScenarioError

    try:
        return action()
    except (ScenarioError, CompileError, RulesetSyntaxError) as error:
        raise InputProblem(str(error), EXIT_INVALID) from None
    except OutOfRange as error:
        raise InputProblem(str(error)) from None


def _load(args: argparse.Namespace, timezone: str):
    from engine.tables import TableError
    from simulations import load_inputs

    if args.closures and not args.carriers:
        raise InputProblem("--closures only changes the delivery promise: give --carriers too")
    try:
        return load_inputs(
            args.nodes,
            args.inventory,
            args.orders,
            args.replenishments,
            args.events,
            args.carriers,
            args.closures,
            timezone=timezone,
            returns=args.returns,
        )
    except (TableError, OSError) as error:
        raise InputProblem(str(error)) from None


def _writable_out(out: str) -> None:
    """Refuse an --out that is a file or cannot be written, before the run: the
    folder is created when missing and a probe file is written and removed."""
    import tempfile

    path = Path(out)
    if path.exists() and not path.is_dir():
        raise InputProblem(f"--out {out} is a file, not a folder: give a folder to write into")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise InputProblem(f"cannot write into --out {out}: {error.strerror or error}") from None


def _written(write, out: str):
    """What `write()` wrote; an OS error (disk full, permissions) becomes a message."""
    try:
        return write()
    except OSError as error:
        raise InputProblem(f"cannot write into --out {out}: {error.strerror or error}") from None


def _fail(command: str, problem: InputProblem) -> int:
    print(f"sourcing {command}: {problem}", file=sys.stderr)
    return problem.code


class Progress:
    """`on_progress(done, total)` as one line on stderr: redrawn in place on a terminal,
    a new line every 10 % otherwise."""

    def __init__(self, label: str, quiet: bool = False, stream=None):
        self.label = label
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.perf_counter()
        self.shown = -1.0
        self.step = -1

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc) -> None:
        if self.live and not self.quiet and self.shown >= 0:
            self.stream.write("\n")
            self.stream.flush()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        now = time.perf_counter()
        share = done / total if total else 1.0
        if self.live:
            if now - self.shown < 0.2 and done < total:
                return
            self.shown = now
            end = ""
            prefix = "\r"
        else:
            step = int(share * 10)
            if step == self.step:
                return
            self.step = step
            end, prefix = "\n", ""
        rate = done / (now - self.started) if now > self.started else 0.0
        line = f"{self.label}: {done:,}/{total:,} orders ({share:.0%}), {rate:,.0f}/s"
        self.stream.write(f"{prefix}{line}{end}")
        self.stream.flush()
