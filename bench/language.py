"""How fast the routing language reads and checks a large ruleset.

A seeded generator writes a realistic 2,000-strategy ruleset as text (channels,
tiers, regions, categories, effective windows, keeps, ranks, fallbacks); the
benchmark times parse, check, parse + check and format on it, then the whole
`sourcing check` command on that file as a process (aim: at most 1 s in all).
The full run adds hostile sizes: `sourcing check` on 16,000 strategies (about
5.8 MB; aim: under 5 s), the check of 3,000 dated strategies of equal priority,
and the rendering of thousands of findings on a 2 MB file.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.machine import Timing, measure
from dsl.checker import check, check_source
from dsl.formatter import format_ruleset
from dsl.parser import parse

STRATEGIES = 2_000
QUICK_STRATEGIES = 200
AIM_SECONDS_PER_1000 = 1.0
AIM_PROCESS_SECONDS = 1.0
"""`sourcing check` on the 2,000-strategy file, start to exit."""
HOSTILE_STRATEGIES = 16_000
AIM_HOSTILE_SECONDS = 5.0
"""`sourcing check` on the 16,000-strategy file (about 5.8 MB), start to exit."""
DATED_STRATEGIES = 3_000

_CHANNELS = ("web", "marketplace", "store", "b2b", "app")
_TIERS = ("standard", "vip", "b2b", "staff")
_DELIVERIES = ("home", "express", "collect")
_CATEGORIES = ("furniture", "apparel", "electronics", "garden", "toys", "beauty", "grocery")
_COUNTRIES = ("FR", "DE", "BE", "ES", "IT", "NL")
_NODE_TYPES = ("dc", "store", "3pl", "dropship", "dark_store")
_TAGS = ("flagship", "pallet", "two_person", "fast", "outlet", "urban")
_THEMES = ("home", "express", "collect", "peak", "vip", "bulky", "b2b", "marketplace")
_BACKSTOPS = ("backstop_marketplace", "backstop_b2b", "backstop_all")


def ruleset_text(strategies: int = STRATEGIES, seed: int = 2026) -> str:
    """A canonical ruleset of `strategies` strategies, the same text for the same seed."""
    rng = random.Random(seed)
    seen_whens: set[str] = set()
    lines = [
        f"# Generated for the language benchmark: {strategies} strategies, seed {seed}.",
        f'ruleset "Benchmark {strategies}"',
        'timezone "Europe/Paris"',
    ]
    for index in range(strategies - len(_BACKSTOPS)):
        lines += ["", *_strategy(rng, index, seen_whens)]
    for index, backstop in enumerate(_BACKSTOPS):
        lines += ["", *_backstop(backstop, strategies * 10 + index)]
    return "\n".join(lines) + "\n"


def _strategy(rng: random.Random, index: int, seen_whens: set[str]) -> list[str]:
    theme = rng.choice(_THEMES)
    region = f"R{rng.randint(1, 40):02d}"
    out = []
    if rng.random() < 0.3:
        out.append(f"# {theme.capitalize()} orders for region {region}.")
    out.append(f'strategy s{index:04d}_{theme} "{theme.capitalize()} {region} #{index}"')
    clauses = [f"priority {index + 1}"]
    for _ in range(rng.choice((0, 1, 1, 1, 2))):
        clauses.append(_effective(rng))
    when = _when(rng, theme, region)
    while when in seen_whens:  # an identical `when` would make one strategy unreachable
        when = _when(rng, theme, region)
    seen_whens.add(when)
    clauses.append(f"when {when}")
    has_source = rng.random() < 0.9
    if has_source:
        clauses.append(f"source from {_source(rng, theme)}")
    if not has_source or rng.random() < 0.5:
        clauses.append(f"within {rng.choice((25, 50, 150, 400, 1200))} km")
    for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):
        units = rng.randint(1, 5)
        unit = "unit" if units == 1 else "units"
        at = rng.choice(('node.type == "store"', f'node.tags has "{rng.choice(_TAGS)}"'))
        clauses.append(f"keep {units} {unit} at {at}")
    if rng.random() < 0.8:
        clauses.append("rank by " + ", ".join(_rank(rng, theme)))
    if rng.random() < 0.8:
        split = rng.choice((1, 2, 2, 3, 4))
        clauses.append("split none" if split == 1 else f"split at most {split}")
    if rng.random() < 0.4:
        clauses.append(f"otherwise use {rng.choice(_BACKSTOPS)}")
    elif rng.random() < 0.5:
        clauses.append(f"on shortage {rng.choice(('backorder', 'partial', 'reject'))}")
    return out + ["  " + clause for clause in clauses]


def _effective(rng: random.Random) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    start = f"2026-{month:02d}-{day:02d}"
    end = f"2027-{month:02d}-{day:02d}"
    form = rng.random()
    if form < 0.4:
        return f"effective from {start}"
    if form < 0.55:
        return f"effective until {end}"
    if form < 0.85:
        return f"effective {start} to {end}"
    return f"effective {start}T{rng.randint(0, 23):02d}:00 to {end}T23:59"


def _when(rng: random.Random, theme: str, region: str) -> str:
    pool = [
        f'order.region == "{region}"',
        f'order.channel == "{rng.choice(_CHANNELS)}"',
        f'order.channel in ["{rng.choice(_CHANNELS)}", "{rng.choice(_CHANNELS)}"]',
        f'order.tier == "{rng.choice(_TIERS)}"',
        f'order.delivery == "{rng.choice(_DELIVERIES)}"',
        f"order.value >= {rng.choice((50, 100, 250.5, 1000, 25000))}",
        f'line.category in ["{rng.choice(_CATEGORIES)}", "{rng.choice(_CATEGORIES)}"]',
        f'order.country in ["{rng.choice(_COUNTRIES)}", "{rng.choice(_COUNTRIES)}"]',
        f"order.promised_days <= {rng.randint(1, 5)}",
        f"order.units >= {rng.randint(2, 60)}",
    ]
    first = pool[0]
    others = rng.sample(pool[1:], rng.randint(1, 3))
    if theme == "peak" and len(others) >= 2:
        alternatives = f"({others[0]} or {others[1]})"
        return " and ".join([first, alternatives, *others[2:]])
    if theme == "vip" and rng.random() < 0.5:
        return " and ".join([first, *others, 'not order.tier == "staff"'])
    return " and ".join([first, *others])


def _source(rng: random.Random, theme: str) -> str:
    types = rng.sample(_NODE_TYPES, rng.randint(1, 3))
    listed = ", ".join(f'"{kind}"' for kind in types)
    choices = [
        f"node.type in [{listed}] and node.can_ship",
        'node.type == "dc" or (node.type == "store" and not node.tags has "flagship")',
        f'node.type == "{types[0]}" and node.capacity >= {rng.choice((100, 500, 2000))}',
        f'node.tags has "{rng.choice(_TAGS)}" and node.handling_days <= 1',
    ]
    if theme == "collect":
        return 'node.id == order.collect_node or node.type == "dc"'
    return rng.choice(choices)


def _rank(rng: random.Random, theme: str) -> list[str]:
    keys = [
        "shipments",
        "distance",
        "cost",
        "stock desc",
        "load",
        "node.priority",
        "node.handling_days",
        f'node.tags has "{rng.choice(_TAGS)}" desc',
    ]
    if theme == "collect":
        return ["node.id == order.collect_node desc", "distance"]
    return rng.sample(keys, rng.randint(1, 3))


def _backstop(strategy_id: str, priority: int) -> list[str]:
    channel = strategy_id.removeprefix("backstop_")
    lines = [f'strategy {strategy_id} "Backstop: {channel}"', f"  priority {priority}"]
    if channel != "all":
        lines.append(f'  when order.channel == "{channel}"')
    return lines + [
        '  source from node.type == "dc"',
        "  rank by stock desc, node.priority",
        "  split at most 3",
        "  on shortage backorder",
    ]


def sourcing_command() -> list[str]:
    """The installed `sourcing` script beside this Python, else `python -m cli.main`."""
    script = Path(sys.executable).with_name("sourcing")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def measure_process(command: list[str], repeats: int) -> Timing:
    """Time `command` as a process, `repeats` times after one untimed run: wall
    clock, and the CPU time (user + system) the child used."""
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall, cpu = [], []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return Timing(tuple(wall), tuple(cpu))


def dated_ruleset_text(strategies: int = DATED_STRATEGIES) -> str:
    """Strategies of one priority, each in force for one day of its own, each for its
    own region: the shape a pairwise window comparison is quadratic on."""
    first = dt.date(2026, 1, 1)
    blocks = ['ruleset "Dated"']
    for index in range(strategies):
        day = first + dt.timedelta(days=index)
        blocks.append(
            f"strategy d{index}\n  effective {day} to {day}\n"
            f'  when order.region == "R{index}"\n  source from node.can_ship'
        )
    return "\n\n".join(blocks) + "\n"


def faulty_ruleset_text(strategies: int, seed: int = 2026) -> str:
    """The benchmark ruleset with a misspelt field in most strategies: thousands of
    findings to render."""
    return ruleset_text(strategies, seed).replace("order.region ==", "order.regoin ==")


def _process_lines(text: str, strategies: int, repeats: int, aim: float) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"bench-{strategies}.route"
        path.write_text(text, encoding="utf-8")
        timing = measure_process([*sourcing_command(), "check", str(path)], repeats)
    size = len(text.encode()) / 1024 / 1024
    return [
        f"process: sourcing check, {strategies:,} strategies ({size:.1f} MB), start to exit",
        f"{'':<14} {timing.summary()}",
        f"{'':<14} aim: at most {aim:.0f} s (wall): "
        + ("met" if timing.median <= aim else "NOT met"),
    ]


def _hostile_lines() -> list[str]:
    lines = _process_lines(
        ruleset_text(HOSTILE_STRATEGIES), HOSTILE_STRATEGIES, 3, AIM_HOSTILE_SECONDS
    )
    dated = parse(dated_ruleset_text())
    timing = measure(lambda: check(dated), 3)
    lines += [
        f"check, {DATED_STRATEGIES:,} dated strategies of equal priority",
        f"{'':<14} {timing.summary()}",
    ]
    faulty = check_source(faulty_ruleset_text(6_000), "faulty.route")
    size = len(faulty.source.encode()) / 1024 / 1024
    timing = measure(faulty.render, 3)
    lines += [
        f"render, {len(faulty.diagnostics):,} findings on a {size:.1f} MB file",
        f"{'':<14} {timing.summary()}",
    ]
    return lines


def run(quick: bool = False) -> list[str]:
    """Time parse, check, parse + check and format, then `sourcing check` as a
    process (and, in a full run, the hostile sizes); return the report's lines."""
    count = QUICK_STRATEGIES if quick else STRATEGIES
    repeats = 3 if quick else 7
    text = ruleset_text(count)
    tree = parse(text)
    findings = check(tree)
    errors = sum(1 for finding in findings if finding.severity == "error")
    canonical = format_ruleset(tree) == text

    timings = {
        "parse": measure(lambda: parse(text), repeats),
        "check": measure(lambda: check(tree), repeats),
        "parse + check": measure(lambda: check(parse(text)), repeats),
        "format": measure(lambda: format_ruleset(tree), repeats),
    }
    parse_time, check_time = timings["parse"], timings["check"]
    lines = [
        f"ruleset: {count:,} strategies, {text.count(chr(10)):,} lines, "
        f"{len(text.encode()) / 1024:,.0f} KiB; canonical: {'yes' if canonical else 'NO'}; "
        f"checker: {errors} errors, {len(findings) - errors} warnings",
    ]
    for name, timing in timings.items():
        wall, cpu = timing.median / count * 1e6, timing.cpu_median / count * 1e6
        lines.append(f"{name:<14} {timing.summary()}")
        lines.append(f"{'':<14} per 1,000 strategies: {wall:8.1f} ms wall {cpu:8.1f} ms cpu")
    per_1000 = parse_time.median / count * 1000
    lines += [
        f"ratio check / parse: {check_time.median / parse_time.median:.2f} wall, "
        f"{check_time.cpu_median / parse_time.cpu_median:.2f} cpu",
        f"aim: parse under {AIM_SECONDS_PER_1000:.0f} s per 1,000 strategies (wall): "
        + ("met" if per_1000 < AIM_SECONDS_PER_1000 else "NOT met"),
    ]
    lines += _process_lines(text, count, repeats, AIM_PROCESS_SECONDS)
    return lines if quick else lines + _hostile_lines()
