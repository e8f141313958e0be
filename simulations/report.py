"""Offline HTML reports: one self-contained file with the KPI tables and the charts.

plotly.js is embedded once, inline; the page references nothing on the network, so it
opens from a file share or a mail attachment with no connection.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from simulations.charts import (
    KPI_LABELS,
    carrier_mix_comparison_figure,
    carrier_mix_figure,
    comparison_figure,
    daily_figure,
    distance_figure,
    format_kpi,
    node_map_figure,
    node_type_figure,
    utilisation_figure,
)
from simulations.decisions import DecisionTables
from simulations.kpis import Kpis

CHART_CONFIG = {"displaylogo": False, "responsive": True}
DISTANCE_BINS = 30
"""The report counts shipment distances into about this many bars itself, so the page
carries the counts and not every shipment."""
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #222; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .subtitle { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: right; }
td { white-space: nowrap; } th { vertical-align: bottom; }
.table-wrap { overflow-x: auto; }
th:first-child, td:first-child { text-align: left; }
td.definition { text-align: left; color: #666; }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
@media (max-width: 900px) { .charts { grid-template-columns: minmax(0, 1fr); } }
figure.chart { margin: 0; height: 420px; border: 1px solid #eee; }
footer { color: #666; font-size: 0.8rem; margin-top: 2rem; }
"""


def write_report(
    path: str | Path,
    kpis: Kpis,
    tables: DecisionTables,
    nodes: pd.DataFrame,
    title: str = "Simulation report",
    subtitle: str | None = None,
) -> Path:
    """Write the run's report: key figures, breakdown tables and charts, in one HTML file."""
    days = kpis.by_day["day"]
    period = f"{days.iloc[0]} to {days.iloc[-1]}" if len(days) else "no orders"
    charts = {
        "chart-daily": daily_figure(kpis),
        "chart-node-types": node_type_figure(kpis),
        "chart-distance": distance_figure(tables, kpis, bins=DISTANCE_BINS),
        "chart-node-map": node_map_figure(tables, nodes),
        "chart-utilisation": utilisation_figure(kpis),
    }
    if kpis.carriers:
        charts["chart-carrier-mix"] = carrier_mix_figure(kpis)
    overall = [
        (KPI_LABELS[k][0], format_kpi(k, kpis.overall[k]), KPI_LABELS[k][2]) for k in kpis.keys
    ]
    body = [
        "<h2>Key figures</h2>",
        _table(["KPI", "value", "definition"], overall, definition_column=2),
        "<h2>By channel</h2>",
        _breakdown(kpis.by_channel, "channel"),
        "<h2>By node type (shipments)</h2>",
        _breakdown(kpis.by_node_type, "node_type"),
    ]
    if kpis.carrier_mix is not None:
        mix = kpis.carrier_mix.assign(
            carrier=kpis.carrier_mix["carrier"].fillna("no carrier"),
            service=kpis.carrier_mix["service"].fillna(""),
        )
        body += ["<h2>Carrier mix (shipments)</h2>", _breakdown(mix, "carrier")]
    body += ["<h2>Charts</h2>", _charts(charts)]
    notes = (
        f"KPI definitions: docs/kpis.md. CO2 at {kpis.co2_kg_per_km} kg per shipment-km. "
        f"Protection breaches must be 0: a non-zero figure is a routing bug."
    )
    return _write(path, title, subtitle or f"Orders from {period}", body, notes)


def write_comparison_report(
    path: str | Path,
    base: Kpis,
    variant: Kpis,
    names: tuple[str, str] = ("base", "variant"),
    changed_orders: pd.DataFrame | None = None,
    title: str = "Scenario comparison",
    causes: pd.DataFrame | None = None,
    next_day_causes: pd.DataFrame | None = None,
    lost_next_day: pd.DataFrame | None = None,
) -> Path:
    """Write two scenarios' KPIs side by side with their deltas (variant − base), then the
    changed orders grouped by cause (`Comparison.by_cause`) and the first 500 of them;
    with carriers, the carrier mix of both and the orders that lost their next-day
    promise, grouped by cause, then the first 500 of them."""
    rows = []
    keys = tuple(dict.fromkeys((*base.keys, *variant.keys)))  # either side's figures
    for key in keys:
        a, b = base.overall.get(key), variant.overall.get(key)
        text = KPI_LABELS[key][1] == "text"
        delta = "–" if a is None or b is None or text else _delta(key, b - a)
        rows.append((KPI_LABELS[key][0], format_kpi(key, a), format_kpi(key, b), delta))
    charts = {"chart-comparison": comparison_figure(base.overall, variant.overall, names)}
    if base.carriers or variant.carriers:
        charts["chart-carrier-mix"] = carrier_mix_comparison_figure(base, variant, names)
    body = [
        "<h2>Key figures</h2>",
        _table(["KPI", *names, "delta"], rows),
        _charts(charts),
    ]
    if next_day_causes is not None and not next_day_causes.empty:
        rows = [
            (row.kind, row.cause, f"{row.orders:,}", row.examples)
            for row in next_day_causes.itertuples(index=False)
        ]
        lost = len(lost_next_day) if lost_next_day is not None else sum(next_day_causes["orders"])
        body += [
            f"<h2>Why {lost:,} orders lost their next-day promise</h2>",
            _table(["Kind", "Cause", "Orders", "Example orders"], rows),
        ]
        if lost_next_day is not None:
            shown = lost_next_day.drop(columns=["created_at"]).head(500)
            body.append(
                _table(list(shown.columns), shown.astype(object).fillna("").to_numpy().tolist())
            )
    if causes is not None and not causes.empty:
        rows = [
            (
                row.cause,
                f"{row.orders:,}",
                row.examples,
                f"{row.cost_delta:+,.2f}",
                f"{row.km_delta:+,.0f}",
                f"{row.shipments_delta:+,.0f}",
                f"{row.on_time_delta:+,.0f}",
                f"{row.units_delta:+,.0f}",
            )
            for row in causes.itertuples(index=False)
        ]
        headers = ["Cause", "Orders", "Example orders", "Cost", "km", "Parcels", "On time", "Units"]
        body += ["<h2>Why they changed</h2>", _table(headers, rows)]
    if changed_orders is not None:
        shown = changed_orders.head(500)
        body += [
            f"<h2>Orders whose routing changed ({len(changed_orders):,})</h2>",
            _table(list(shown.columns), shown.astype(object).fillna("").to_numpy().tolist()),
        ]
    return _write(path, title, f"{names[0]} vs {names[1]}", body, "KPI definitions: docs/kpis.md.")


def _write(path, title: str, subtitle: str, body: list[str], notes: str) -> Path:
    """Assemble the page around plotly.js (inline, once) and write it as UTF-8."""
    page = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>",
            f"<style>{STYLE}</style>",
            f'<script type="text/javascript">{get_plotlyjs()}</script>',
            "</head>",
            "<body>",
            f"<h1>{html.escape(title)}</h1>",
            f'<p class="subtitle">{html.escape(subtitle)}</p>',
            *body,
            f"<footer>{html.escape(notes)}</footer>",
            "</body>",
            "</html>",
        ]
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target


def _charts(figures: dict[str, go.Figure]) -> str:
    parts = ['<div class="charts">']
    for div_id, figure in figures.items():
        snippet = figure.to_html(
            full_html=False, include_plotlyjs=False, div_id=div_id, config=CHART_CONFIG
        )
        parts.append(f'<figure class="chart">{snippet}</figure>')
    parts.append("</div>")
    return "\n".join(parts)


def _breakdown(frame: pd.DataFrame, key: str) -> str:
    """A breakdown table with each KPI formatted the way the key figures are."""
    columns = [c for c in frame.columns if c != key]
    rows = [
        [str(row[key])]
        + [format_kpi(c, row[c]) if c in KPI_LABELS else _plain(row[c]) for c in columns]
        for _, row in frame.iterrows()
    ]
    return _table([key.replace("_", " "), *[c.replace("_", " ") for c in columns]], rows)


def _plain(value) -> str:
    if value is None or pd.isna(value):
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _delta(key: str, change: float) -> str:
    kind = KPI_LABELS[key][1]
    if kind == "rate":
        return f"{100 * change:+.1f} pts"
    if kind == "count":
        return f"{int(change):+,}"
    if kind in ("pct", "pts"):
        return f"{change:+.1f} pts"
    return f"{change:+,.2f}"


def _table(header: list[str], rows, definition_column: int | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    lines = [f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead><tbody>']
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            css = ' class="definition"' if i == definition_column else ""
            cells.append(f"<td{css}>{html.escape(str(cell))}</td>")
        lines.append(f"<tr>{''.join(cells)}</tr>")
    lines.append("</tbody></table></div>")
    return "\n".join(lines)
